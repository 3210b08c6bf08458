package dev.actionstream.bench;

import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.ProcessCpu;
import dev.actionstream.metrics.Quantiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The engine's and the cameras' cumulative meters at one instant; two of them give what happened
 * in between (bench reports the interval after warm-up).
 */
record EngineSnapshot(
    long wallNanos,
    long cpuNanos,
    long framesIn,
    long deadLetters,
    long framesDecoded,
    long inferred,
    Map<String, Long> skipped,
    long published,
    Map<String, long[]> stages,
    HistogramSnapshot toPrediction,
    HistogramSnapshot toEvent) {

  /**
   * Rows of the stage table: the ingest's timers (per frame, summed over cameras), the engine's
   * per-stage timers, and the engine's older combined timers, shown only while the per-stage ones
   * beneath them are not recorded.
   */
  record Row(String name, String unit, String meter, String stageTag, List<String> supersededBy) {}

  static final List<Row> ROWS = List.of(
      new Row("camera read (render/FFmpeg)", "frame", "actionstream.ingest.decode", null, List.of()),
      new Row("camera JPEG encode", "frame", "actionstream.ingest.encode", null, List.of()),
      new Row("decode", "frame", "actionstream.stage", "decode", List.of()),
      new Row("preprocess", "frame", "actionstream.stage", "preprocess", List.of()),
      new Row("decode+preprocess", "frame", "actionstream.frame.decode", null, List.of("decode", "preprocess")),
      new Row("assemble", "clip", "actionstream.stage", "assemble", List.of()),
      new Row("infer", "run", "actionstream.stage", "infer", List.of()),
      new Row("assemble+infer", "clip", "actionstream.inference", null, List.of("assemble", "infer")),
      new Row("publish", "record", "actionstream.stage", "publish", List.of()));

  static EngineSnapshot take(EngineMetrics m) {
    MeterRegistry r = m.registry();
    Map<String, Long> skipped = new LinkedHashMap<>();
    for (String reason : EngineMetrics.SKIP_REASONS) {
      skipped.put(reason, m.windowsSkipped(reason));
    }
    Map<String, long[]> stages = new LinkedHashMap<>();
    for (Row row : ROWS) {
      long count = 0;
      long nanos = 0;
      var search = row.stageTag() == null ? r.find(row.meter()) : r.find(row.meter()).tag("stage", row.stageTag());
      for (Timer t : search.timers()) {
        count += t.count();
        nanos += (long) t.totalTime(TimeUnit.NANOSECONDS);
      }
      stages.put(row.name(), new long[] {count, nanos});
    }
    return new EngineSnapshot(
        System.nanoTime(),
        ProcessCpu.processNanos(),
        counterSum(r, "actionstream.frames.in"),
        m.deadLetters(),
        m.framesDecoded(),
        m.windowsInferred(),
        skipped,
        counterSum(r, "actionstream.ingest.frames.published"),
        stages,
        histogram(r, "actionstream.frame.to.prediction"),
        histogram(r, "actionstream.frame.to.event"));
  }

  /** The same instant (wall clock, CPU) with every count at 0: the origin of fresh meters. */
  EngineSnapshot withZeroCounts() {
    Map<String, Long> noSkips = new LinkedHashMap<>();
    skipped.keySet().forEach(k -> noSkips.put(k, 0L));
    Map<String, long[]> noStages = new LinkedHashMap<>();
    stages.keySet().forEach(k -> noStages.put(k, new long[2]));
    return new EngineSnapshot(wallNanos, cpuNanos, 0, 0, 0, 0, noSkips, 0, noStages,
        HistogramSnapshot.empty(0, 0, 0), HistogramSnapshot.empty(0, 0, 0));
  }

  static long counterSum(MeterRegistry r, String name) {
    return (long) r.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static HistogramSnapshot histogram(MeterRegistry r, String name) {
    Timer t = r.find(name).timer();
    return t == null ? HistogramSnapshot.empty(0, 0, 0) : t.takeSnapshot();
  }

  double secondsSince(EngineSnapshot before) {
    return (wallNanos - before.wallNanos) / 1e9;
  }

  /** Windows taken (inferred or skipped for any reason). */
  long windows() {
    return inferred + skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Stage rows of the interval since {@code before}, those with work in it. */
  List<BenchReport.Stage> stagesSince(EngineSnapshot before) {
    long cpu = cpuNanos - before.cpuNanos;
    List<BenchReport.Stage> rows = new ArrayList<>();
    for (Row row : ROWS) {
      long count = stages.get(row.name())[0] - before.stages.get(row.name())[0];
      long nanos = stages.get(row.name())[1] - before.stages.get(row.name())[1];
      boolean superseded = row.supersededBy().stream()
          .anyMatch(s -> stages.get(s)[0] - before.stages.get(s)[0] > 0);
      if (count <= 0 || superseded) {
        continue;
      }
      rows.add(new BenchReport.Stage(row.name(), row.unit(), count, nanos / 1e3 / count, nanos / 1e9,
          cpu > 0 ? BenchReport.finite((double) nanos / cpu) : null));
    }
    return rows;
  }

  /**
   * Engine histogram percentiles (bucket upper bounds) of the interval since {@code before}. Needs
   * the Prometheus registry's histograms ({@code Telemetry}): cumulative bucket counts that never
   * expire, so two snapshots subtract. A SimpleMeterRegistry's rotate and would not.
   */
  static BenchReport.Latency latency(HistogramSnapshot after, HistogramSnapshot before) {
    CountAtBucket[] a = after.histogramCounts();
    CountAtBucket[] b = before.histogramCounts();
    CountAtBucket[] d = new CountAtBucket[a.length];
    for (int i = 0; i < a.length; i++) {
      double prev = i < b.length ? b[i].count() : 0;
      d[i] = new CountAtBucket(a[i].bucket(), a[i].count() - prev);
    }
    long n = after.count() - before.count();
    return new BenchReport.Latency(n,
        BenchReport.finite(Quantiles.bucketBoundMs(d, n, 0.50)),
        BenchReport.finite(Quantiles.bucketBoundMs(d, n, 0.95)),
        BenchReport.finite(Quantiles.bucketBoundMs(d, n, 0.99)),
        null);
  }

  /** Exact percentiles of latencies a subscriber saw (ms). */
  static BenchReport.Latency latency(double[] ms) {
    double[] s = ms.clone();
    java.util.Arrays.sort(s);
    return new BenchReport.Latency(s.length,
        BenchReport.finite(Quantiles.nearestRank(s, 0.50)),
        BenchReport.finite(Quantiles.nearestRank(s, 0.95)),
        BenchReport.finite(Quantiles.nearestRank(s, 0.99)),
        s.length == 0 ? null : s[s.length - 1]);
  }
}
