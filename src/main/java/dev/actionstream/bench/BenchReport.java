package dev.actionstream.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bench} measured: printed as tables and written as JSON (keys in snake_case, as
 * the record components below; absent or non-finite values are {@code null}). The JSON schema is
 * documented in {@link Bench}.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BenchReport(
    Settings options,
    Realtime realtime,
    Drain saturatedFirstPass,
    List<Drain> saturated,
    List<Bare> bare,
    Map<String, Object> pytorch,
    List<Ratio> ratios,
    Overhead overhead) {

  /** What ran: the options after defaults, the machine and the runtime. */
  public record Settings(
      int cameras,
      double fps,
      double hopS,
      double durationS,
      double warmupS,
      String model,
      String topology,
      List<Integer> batch,
      int threads,
      String broker,
      String video,
      boolean saturate,
      int cores,
      String onnxRuntime,
      String started) {}

  /** Percentiles in ms; {@code n} values behind them. Engine ones are histogram bucket bounds. */
  public record Latency(long n, Double p50Ms, Double p95Ms, Double p99Ms, Double maxMs) {}

  /** One stage's cost: {@code count} units (frames, clips, runs, records), mean µs each. */
  public record Stage(String stage, String unit, long count, double meanUs, double totalS, Double cpuShare) {}

  /** The measured part (after warm-up) of the real-time phase. */
  public record Realtime(
      double seconds,
      long framesPublished,
      long framesIn,
      double framesPerS,
      long clips,
      double clipsPerS,
      long framesDecoded,
      Double decodesPerFrame,
      Map<String, Long> windowsSkipped,
      Latency frameToPredictionSubscriber,
      Latency frameToPredictionEngine,
      Latency frameToEventSubscriber,
      Latency frameToEventEngine,
      double inputLagMax,
      double inputLagEnd,
      Double processCpu,
      long heapMaxBytes,
      long heapEndBytes,
      Double rssMaxBytes,
      Double rssEndBytes,
      List<Stage> stages) {}

  /**
   * An engine draining a pre-filled frames topic in backfill policy, flat out: from the first
   * frame it takes in to its last frame or window done. {@code stagesOfWall}: the stages' summed
   * time ÷ the drain's wall time; with one stream thread, the rest is Kafka Streams' own work
   * (polling, state stores, changelogs, commits) and waiting.
   */
  public record Drain(
      String model,
      int batch,
      double seconds,
      long frames,
      double framesPerS,
      long clips,
      double clipsPerS,
      long framesDecoded,
      Double decodesPerFrame,
      Double processCpu,
      boolean complete,
      List<Stage> stages,
      Double stagesOfWall) {}

  /** The bare ONNX Runtime loop over clips the engine inferred. */
  public record Bare(
      int batch, int threads, int distinctClips, long runs, long clips, double seconds, double clipsPerS,
      double meanMsPerRun) {}

  /** Engine clips/s (saturated) ÷ bare and ÷ PyTorch, per batch size. */
  public record Ratio(
      int batch, Double engineClipsPerS, Double bareClipsPerS, Double engineOverBare, Double pytorchClipsPerS,
      Double engineOverPytorch) {}

  /** Topology overhead: the engine with a trivial model vs a hand-written consumer, frames/s. */
  public record Overhead(
      String model, int cameras, long frames, double rawSeconds, double rawFramesPerS, Drain engineFirstPass,
      Drain engine, Double engineOverRaw) {}

  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public void write(Path file) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      JSON.writeValue(file.toFile(), this);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Null for NaN and infinities: JSON has no number for them. */
  static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  static double ratio(double a, double b) {
    return b > 0 ? a / b : Double.NaN;
  }

  // ---- printing --------------------------------------------------------------------------------

  public void print(PrintStream out) {
    if (realtime != null) {
      printRealtime(out, realtime);
    }
    if (saturatedFirstPass != null) {
      Drain d = saturatedFirstPass;
      out.printf(Locale.ROOT, "saturated, first pass (JIT warm-up, not in the ratios): %.2f clips/s, CPU %s%n",
          d.clipsPerS(), pct(d.processCpu()));
    }
    for (Drain d : saturated) {
      out.printf(Locale.ROOT,
          "saturated (backfill, batch %d): %d frames, %d clips in %.2f s: %.1f frames/s, %.2f clips/s, "
              + "decodes/frame %s, CPU %s, stages %s of wall time%s%n",
          d.batch(), d.frames(), d.clips(), d.seconds(), d.framesPerS(), d.clipsPerS(), num(d.decodesPerFrame(), "%.3f"),
          pct(d.processCpu()), pct(d.stagesOfWall()), d.complete() ? "" : " (INCOMPLETE: timed out)");
      printStages(out, d.stages());
    }
    for (Bare b : bare) {
      out.printf(Locale.ROOT,
          "bare ONNX Runtime (batch %d, %d threads): %d runs over %d distinct clips in %.1f s: %.2f clips/s (%.2f ms/run)%n",
          b.batch(), b.threads(), b.runs(), b.distinctClips(), b.seconds(), b.clipsPerS(), b.meanMsPerRun());
    }
    if (pytorch != null) {
      Object err = pytorch.get("error");
      out.println(err != null
          ? "pytorch reference: " + err
          : String.format(Locale.ROOT, "pytorch reference: %s clips in %s s: %s clips/s, %s frames/s (torch %s, %s threads)",
              pytorch.get("clips"), pytorch.get("seconds"), pytorch.get("clips_per_s"), pytorch.get("frames_per_s"),
              pytorch.get("torch"), pytorch.get("threads")));
    }
    if (!ratios.isEmpty()) {
      out.println();
      out.printf("%6s %14s %14s %14s %14s %16s%n",
          "batch", "engine clip/s", "bare clip/s", "engine/bare", "torch clip/s", "engine/torch");
      for (Ratio r : ratios) {
        out.printf(Locale.ROOT, "%6d %14s %14s %14s %14s %16s%n",
            r.batch(), num(r.engineClipsPerS(), "%.2f"), num(r.bareClipsPerS(), "%.2f"), num(r.engineOverBare(), "%.3f"),
            num(r.pytorchClipsPerS(), "%.2f"), num(r.engineOverPytorch(), "%.3f"));
      }
    }
    if (overhead != null) {
      Drain e = overhead.engine();
      out.printf(Locale.ROOT,
          "overhead (%s, %d cameras, %d frames): raw consumer %.1f frames/s (%.1f s), engine %.1f frames/s "
              + "(%.1f s; first pass %s frames/s; decodes/frame %s, stages %s of wall time)%s: engine/raw %s (goal >= 0.8)%n",
          overhead.model(), overhead.cameras(), overhead.frames(), overhead.rawFramesPerS(), overhead.rawSeconds(),
          e.framesPerS(), e.seconds(),
          overhead.engineFirstPass() == null ? "-" : num(overhead.engineFirstPass().framesPerS(), "%.1f"),
          num(e.decodesPerFrame(), "%.3f"), pct(e.stagesOfWall()),
          e.complete() ? "" : " INCOMPLETE",
          num(overhead.engineOverRaw(), "%.3f"));
      printStages(out, e.stages());
    }
  }

  private static void printRealtime(PrintStream out, Realtime r) {
    out.println();
    out.printf(Locale.ROOT,
        "real time (%.0f s measured): %.1f frames/s in, %.2f clips/s, %d windows inferred, skipped %s%n",
        r.seconds(), r.framesPerS(), r.clipsPerS(), r.clips(), r.windowsSkipped());
    out.printf(Locale.ROOT,
        "  decodes per frame %s (%d decoded / %d in; goal 1.0); input lag max %.0f, end %.0f records%n",
        num(r.decodesPerFrame(), "%.3f"), r.framesDecoded(), r.framesIn(), r.inputLagMax(), r.inputLagEnd());
    out.printf(Locale.ROOT,
        "  CPU %s of all cores; heap max %.0f MB, end %.0f MB; RSS max %s MB, end %s MB%n",
        pct(r.processCpu()), r.heapMaxBytes() / 1e6, r.heapEndBytes() / 1e6,
        num(r.rssMaxBytes() == null ? null : r.rssMaxBytes() / 1e6, "%.0f"),
        num(r.rssEndBytes() == null ? null : r.rssEndBytes() / 1e6, "%.0f"));
    out.printf("  %-34s %8s %9s %9s %9s %9s%n", "latency (ms)", "n", "p50", "p95", "p99", "max");
    latencyRow(out, "frame->prediction (subscriber)", r.frameToPredictionSubscriber());
    latencyRow(out, "frame->prediction (engine, <=)", r.frameToPredictionEngine());
    latencyRow(out, "frame->event (subscriber)", r.frameToEventSubscriber());
    latencyRow(out, "frame->event (engine, <=)", r.frameToEventEngine());
    printStages(out, r.stages());
  }

  private static void printStages(PrintStream out, List<Stage> stages) {
    out.printf("  %-34s %8s %10s %10s %10s%n", "stage", "unit", "count", "mean us", "CPU share");
    for (Stage s : stages) {
      out.printf(Locale.ROOT, "  %-34s %8s %10d %10.1f %10s%n",
          s.stage(), s.unit(), s.count(), s.meanUs(), pct(s.cpuShare()));
    }
  }

  private static void latencyRow(PrintStream out, String name, Latency l) {
    out.printf(Locale.ROOT, "  %-34s %8d %9s %9s %9s %9s%n", name, l.n(),
        num(l.p50Ms(), "%.0f"), num(l.p95Ms(), "%.0f"), num(l.p99Ms(), "%.0f"), num(l.maxMs(), "%.0f"));
  }

  static String num(Double v, String format) {
    return v == null ? "-" : String.format(Locale.ROOT, format, v);
  }

  static String pct(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }
}
