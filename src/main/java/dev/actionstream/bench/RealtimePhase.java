package dev.actionstream.bench;

import dev.actionstream.config.KafkaProperties;
import dev.actionstream.demo.DemoCameras;
import dev.actionstream.demo.LatencyReader;
import dev.actionstream.engine.Engine;
import dev.actionstream.ingest.CameraSpec;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.IngestMetrics;
import dev.actionstream.metrics.InputLag;
import dev.actionstream.metrics.ProcessCpu;
import dev.actionstream.metrics.Quantiles;
import dev.actionstream.metrics.ResidentMemory;
import dev.actionstream.metrics.Telemetry;
import dev.actionstream.topology.TopologyConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Bench's first phase: the cameras play in real time through the ingest path into the engine for
 * warm-up + duration; what happens after warm-up is measured. A progress line every interval.
 */
final class RealtimePhase {
  /** The measured part, and every frame the cameras published (warm-up included). */
  record Result(BenchReport.Realtime report, long framesInTopic) {}

  private RealtimePhase() {}

  static Result run(Bench.Options o, TopologyConfig config, Path stateDir, CountDownLatch stop)
      throws InterruptedException {
    PrintStream out = o.out();
    try (Telemetry telemetry = new Telemetry()) {
      EngineMetrics metrics = new EngineMetrics(telemetry.registry());
      try (Engine engine = Bench.startEngine(config, metrics, stateDir);
          LatencyReader latency = new LatencyReader(config.bootstrapServers(), config.streams(),
              List.of(config.outputs().predictions(), config.outputs().events()))) {
        latency.start();
        IngestMetrics cameraMeters = new IngestMetrics(metrics.registry());
        Ingest ingest = new Ingest(config.bootstrapServers(), config.input().topic(),
            KafkaProperties.connection(config.streams(), "producer."), cameraMeters);
        try {
          startCameras(o, config, ingest);
          return measure(o, config, engine, metrics, latency, stop, out, ingest);
        } finally {
          ingest.close();
        }
      }
    }
  }

  private static Result measure(
      Bench.Options o, TopologyConfig config, Engine engine, EngineMetrics metrics, LatencyReader latency,
      CountDownLatch stop, PrintStream out, Ingest ingest) throws InterruptedException {
    String predictions = config.outputs().predictions();
    String events = config.outputs().events();
    long t0 = System.nanoTime();
    long warmEnd = t0 + o.warmup().toNanos();
    long end = warmEnd + o.duration().toNanos();
    EngineSnapshot start = null;
    EngineSnapshot tick = EngineSnapshot.take(metrics);
    List<double[]> predLat = new ArrayList<>();
    List<double[]> eventLat = new ArrayList<>();
    double lagMax = 0;
    double lag = 0;
    long heapMax = 0;
    double rssMax = Double.NaN;
    ResidentMemory rss = new ResidentMemory();
    boolean stopped = false;
    long next = t0 + o.progress().toNanos();
    while (true) {
      long wakeAt = Math.min(next, start == null ? Math.min(warmEnd, end) : end);
      long wait = wakeAt - System.nanoTime();
      if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
        stopped = true;
      }
      long now = System.nanoTime();
      if (start == null && (now >= warmEnd || stopped)) {
        // Warm-up over: what came before (JIT, first windows) is not measured.
        start = EngineSnapshot.take(metrics);
        latency.drain(predictions);
        latency.drain(events);
        out.printf(Locale.ROOT, "bench: %5.1f s warm-up done; measuring for %d s%n",
            (now - t0) / 1e9, o.duration().toSeconds());
        if (stopped) {
          break;
        }
        continue;
      }
      EngineSnapshot snap = EngineSnapshot.take(metrics);
      double[] p = latency.drain(predictions);
      double[] e = latency.drain(events);
      if (start != null) {
        predLat.add(p);
        eventLat.add(e);
        lag = InputLag.sum(engine.streams().metrics(), config.input().topic());
        lagMax = Math.max(lagMax, lag);
        heapMax = Math.max(heapMax, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        double r = rss.bytes();
        rssMax = Double.isNaN(rssMax) ? r : Math.max(rssMax, r);
      }
      double s = snap.secondsSince(tick);
      double[] sorted = p.clone();
      Arrays.sort(sorted);
      out.printf(Locale.ROOT,
          "bench: %5.1f s%s  frames/s %6.1f  clips/s %6.2f  lag %5.0f  p95 %5s ms  CPU %5.1f%%%n",
          (now - t0) / 1e9, start == null ? " (warm-up)" : "",
          (snap.framesIn() - tick.framesIn()) / s, (snap.inferred() - tick.inferred()) / s,
          InputLag.sum(engine.streams().metrics(), config.input().topic()), BenchReport.num(BenchReport.finite(Quantiles.nearestRank(sorted, 0.95)), "%.0f"),
          100 * ProcessCpu.fractionOfCores(snap.cpuNanos() - tick.cpuNanos(), s));
      tick = snap;
      next += o.progress().toNanos();
      if (stopped || now >= end) {
        break;
      }
    }
    EngineSnapshot last = EngineSnapshot.take(metrics);
    // A stop during warm-up measures nothing; report the empty interval.
    EngineSnapshot first = start == null ? last : start;
    double seconds = last.secondsSince(first);
    long framesIn = last.framesIn() - first.framesIn();
    long decoded = last.framesDecoded() - first.framesDecoded();
    long clips = last.inferred() - first.inferred();
    java.util.Map<String, Long> skipped = new java.util.LinkedHashMap<>();
    last.skipped().forEach((k, v) -> skipped.put(k, v - first.skipped().get(k)));
    BenchReport.Realtime report = new BenchReport.Realtime(
        seconds,
        last.published() - first.published(),
        framesIn,
        framesIn / seconds,
        clips,
        clips / seconds,
        decoded,
        BenchReport.finite(BenchReport.ratio(decoded, framesIn)),
        skipped,
        EngineSnapshot.latency(concat(predLat)),
        EngineSnapshot.latency(last.toPrediction(), first.toPrediction()),
        EngineSnapshot.latency(concat(eventLat)),
        EngineSnapshot.latency(last.toEvent(), first.toEvent()),
        lagMax,
        lag,
        BenchReport.finite(ProcessCpu.fractionOfCores(last.cpuNanos() - first.cpuNanos(), seconds)),
        heapMax,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
        BenchReport.finite(rssMax),
        BenchReport.finite(rss.bytes()),
        last.stagesSince(first));
    ingest.close(); // flushes: every frame sent is in the topic for the saturated phase
    long inTopic = EngineSnapshot.counterSum(metrics.registry(), "actionstream.ingest.frames.published");
    return new Result(report, inTopic);
  }

  private static double[] concat(List<double[]> parts) {
    return parts.stream().flatMapToDouble(Arrays::stream).toArray();
  }

  /**
   * Synthetic cameras playing seeded scripts (as the demo and soak do), or every camera playing
   * {@code --video} looped at its own frame rate, capped at {@code --fps}.
   */
  private static void startCameras(Bench.Options o, TopologyConfig config, Ingest ingest) {
    long hop = config.windows().hop().toMillis();
    long start = Math.floorDiv(System.currentTimeMillis() + 500 + hop - 1, hop) * hop;
    long scriptMs = o.warmup().plus(o.duration()).toMillis() + 60_000;
    for (int i = 1; i <= o.cameras(); i++) {
      if (o.video() != null) {
        ingest.start(CameraSpec.of("cam-" + i, o.video().toAbsolutePath().toString())
            .withFps(o.fps()).withPace(CameraSpec.Pace.OWN, true));
      } else {
        DemoCameras.start(ingest, DemoCameras.camera(i, o.seed(), start, scriptMs, o.fps()), o.seed());
      }
    }
  }
}
