package dev.actionstream.cli;

import dev.actionstream.config.ByteSizes;
import dev.actionstream.config.Durations;
import dev.actionstream.config.KafkaProperties;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.CameraOverride;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Roi;
import dev.actionstream.topology.TopologyConfig.Windows;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The few lines that tell an operator what a topology will do; the model's follow (Summary). */
final class TopologySummary {
  private static final int LABELS_SHOWN = 8;

  private TopologySummary() {}

  static void print(PrintWriter out, TopologyConfig t) {
    Windows w = t.windows();
    out.printf("topology %s: %s%n", t.applicationId(), t.file());
    if (t.fusion() != null) {
      out.printf("  model     %s: late fusion of %s%n", t.modelName(), String.join(", ",
          t.members().stream().map(m -> m.manifest().name() + " x " + Summary.num(m.weight())).toList()));
    }
    out.printf("  brokers   %s%n", t.bootstrapServers());
    out.printf(
        "  input     topic %s, frames up to %d bytes and %d pixels%n",
        t.input().topic(), t.input().maxFrameBytes(), t.input().maxFramePixels());
    out.printf(
        "  windows   %.3f s clips every %s, grace %s, at least %d distinct frames, "
            + "max future %s%n",
        t.model().clip().duration(),
        dur(w.hop()),
        dur(w.grace()),
        w.minDistinctFrames(),
        dur(w.maxFuture()));
    out.printf(
        "  policy    %s%n",
        t.realtime().policy() == TopologyConfig.Policy.REALTIME
            ? "realtime: skip windows more than " + dur(t.realtime().maxLag()) + " behind"
            : "backfill: infer every window");
    out.printf(
        "  inference %s, %d threads, batch %d%n",
        t.inference().provider().name().toLowerCase(Locale.ROOT),
        t.inference().threads(),
        t.inference().batch());
    if (t.inference().provider() != TopologyConfig.Provider.CPU) {
      out.printf("  gpu       %s%n", gpu(t.inference()));
    }
    out.printf(
        "  outputs   predictions %s (top %d), events %s, alerts %s, dead letters %s%n",
        t.outputs().predictions(),
        t.outputs().topK(),
        t.outputs().events(),
        t.outputs().alerts(),
        t.outputs().deadLetters());
    Episodes e = t.episodes();
    out.printf(
        "  episodes  %s; enter %s, exit %s, smoothing %d windows, quiet time %s%n",
        labels(e.labels()),
        num(e.enter()),
        num(e.exit()),
        e.smoothing(),
        dur(e.quietTime()));
    out.printf("  alerts    %s%n", e.alertLabels().isEmpty() ? "none" : labels(e.alertLabels()));
    if (t.cameras().isEmpty()) {
      out.println("  cameras   no overrides");
    }
    boolean first = true;
    for (Map.Entry<String, CameraOverride> c : t.cameras().entrySet()) {
      out.printf("  %-9s %s: %s%n", first ? "cameras" : "", c.getKey(), camera(c.getValue()));
      first = false;
    }
    if (!t.streams().isEmpty()) {
      // Passwords and JAAS configs never reach the output.
      out.printf("  streams   %s%n", KafkaProperties.masked(t.streams()));
    }
  }

  private static String gpu(TopologyConfig.Inference i) {
    String s = "device " + i.deviceId();
    s += i.gpuMemLimit() > 0 ? ", memory limit " + ByteSizes.format(i.gpuMemLimit()) : ", no memory limit";
    s += i.fp16() ? ", fp16" : ", fp32";
    if (i.trtCacheDir() != null) {
      s += ", engine cache " + i.trtCacheDir();
    }
    return s;
  }

  private static String camera(CameraOverride c) {
    Roi r = c.roi();
    String roi =
        r == null
            ? "whole frame"
            : "roi x %s y %s width %s height %s"
                .formatted(
                    num(r.x()),
                    num(r.y()),
                    num(r.width()),
                    num(r.height()));
    return roi + ", " + (c.labels() == null ? "every episode label" : "labels " + c.labels());
  }

  private static String labels(List<String> labels) {
    return labels.size()
        + (labels.size() == 1 ? " label: " : " labels: ")
        + String.join(", ", labels.subList(0, Math.min(LABELS_SHOWN, labels.size())))
        + (labels.size() > LABELS_SHOWN ? ", ..." : "");
  }

  /** Thresholds and fractions as written: 0.6, 1, 0.25 (not 0.600000). */
  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static String dur(Duration d) {
    return Durations.format(d);
  }
}
