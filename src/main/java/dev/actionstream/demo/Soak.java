package dev.actionstream.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.Engine;
import dev.actionstream.engine.Topics;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.IngestMetrics;
import dev.actionstream.metrics.InputLag;
import dev.actionstream.metrics.ProcessCpu;
import dev.actionstream.metrics.Quantiles;
import dev.actionstream.metrics.ResidentMemory;
import dev.actionstream.metrics.Telemetry;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A soak run: the demo's building blocks (in-process broker or an existing cluster, synthetic
 * cameras through the ingest path, the engine) for a long time, sampled at a fixed interval:
 * heap, resident set, input lag, frame-to-prediction latency as a read_committed subscriber sees
 * it (p50/p95/p99 over the interval), windows inferred and skipped, CPU. One line per sample; the
 * report file is rewritten after every sample, so a run that dies keeps what it measured.
 */
public final class Soak {
  /**
   * @param out report file: {@code .csv} gives CSV, anything else JSON; null = none
   */
  public record Options(
      int cameras,
      Duration duration,
      Duration interval,
      Path topology,
      String bootstrapServers,
      long seed,
      double fps,
      Path out,
      PrintStream print) {}

  /**
   * One interval. Latencies in ms (NaN when no prediction arrived); CPU as a fraction of all
   * cores; engineBusy = (inference + frame decode time) / wall, i.e. how busy the stream threads
   * were with the work that scales with cameras (1.0 = one stream thread saturated).
   */
  public record Sample(
      double t,
      long heapUsed,
      long heapMax,
      double rss,
      double inputLag,
      double p50,
      double p95,
      double p99,
      double maxLatency,
      long predictions,
      long inferred,
      long skipped,
      long skippedLag,
      double processCpu,
      double systemCpu,
      double engineBusy,
      double framesPerSecond) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Soak() {}

  public static List<Sample> run(Options o, CountDownLatch stop) throws InterruptedException {
    PrintStream out = o.print();
    TopologyConfig config = TopologyLoader.load(o.topology(), o.bootstrapServers()).withHttp(HttpSettings.DISABLED);
    EmbeddedBroker broker = null;
    Path state = null;
    try (Telemetry telemetry = new Telemetry()) {
      if (o.bootstrapServers() == null) {
        broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
        config = config.withBootstrapServers(broker.bootstrapServers());
        broker.createTopics(Map.of(config.input().topic(), 4));
      } else {
        Topics.createMissing(config.bootstrapServers(), List.of(config.input().topic()), 4, Duration.ofSeconds(20));
      }
      state = Files.createTempDirectory("actionstream-soak-");
      EngineMetrics metrics = new EngineMetrics(telemetry.registry());
      try (Engine engine = Engine.start(config, metrics, state)) {
        if (!engine.awaitRunning(Duration.ofSeconds(60))) {
          throw new IllegalStateException("the engine did not reach RUNNING within 60 s");
        }
        out.printf(
            "soak: engine %s, model %s, %d synthetic cameras at %.0f fps, %s, sampling every %d s for %d s%n",
            config.applicationId(), config.modelName(), o.cameras(), o.fps(),
            o.bootstrapServers() == null ? "in-process broker " + config.bootstrapServers() : config.bootstrapServers(),
            o.interval().toSeconds(), o.duration().toSeconds());
        try (LatencyReader latency = new LatencyReader(config.bootstrapServers(), config.streams(), List.of(config.outputs().predictions()))) {
          latency.start();
          return play(o, config, engine, metrics, latency, stop);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (broker != null) {
        broker.close();
      }
      if (state != null) {
        TempDir.delete(state);
      }
    }
  }

  private static List<Sample> play(
      Options o, TopologyConfig config, Engine engine, EngineMetrics metrics, LatencyReader latency,
      CountDownLatch stop) throws InterruptedException {
    PrintStream out = o.print();
    long start = System.currentTimeMillis();
    List<Sample> samples = new ArrayList<>();
    List<Double> allLatencies = new ArrayList<>();
    IngestMetrics cameras = new IngestMetrics(metrics.registry());
    try (Ingest ingest = new Ingest(config.bootstrapServers(), config.input().topic(), Map.of(), cameras)) {
      for (int i = 1; i <= o.cameras(); i++) {
        DemoCameras.start(ingest, DemoCameras.camera(i, o.seed(), start, o.duration().toMillis() + 60_000, o.fps()), o.seed());
      }
      out.printf(
          "%6s %8s %8s %9s %7s %7s %7s %7s %6s %6s %6s %6s %6s %6s %6s%n",
          "t_s", "heap_MB", "rss_MB", "lag_rec", "p50_ms", "p95_ms", "p99_ms", "max_ms",
          "pred", "infer", "skip", "cpu%", "sys%", "busy%", "fps");
      Counters prev = Counters.now(metrics, ingest);
      long end = start + o.duration().toMillis();
      long next = start + o.interval().toMillis();
      while (true) {
        long wait = Math.min(next, end) - System.currentTimeMillis();
        if (wait > 0 && stop.await(wait, TimeUnit.MILLISECONDS)) {
          break;
        }
        Counters now = Counters.now(metrics, ingest);
        double[] lat = latency.drain();
        for (double l : lat) {
          allLatencies.add(l);
        }
        Sample s = withT(sample(now, prev, lat, engine, config), (now.wallMs - start) / 1000.0);
        prev = now;
        samples.add(s);
        out.printf(
            Locale.ROOT,
            "%6.0f %8.0f %8.0f %9.0f %7.0f %7.0f %7.0f %7.0f %6d %6d %6d %6.1f %6.1f %6.1f %6.0f%n",
            s.t(),
            s.heapUsed() / 1e6, s.rss() / 1e6, s.inputLag(), s.p50(), s.p95(), s.p99(), s.maxLatency(),
            s.predictions(), s.inferred(), s.skipped(), 100 * s.processCpu(), 100 * s.systemCpu(),
            100 * s.engineBusy(), s.framesPerSecond());
        write(o, samples, allLatencies, metrics, config);
        if (System.currentTimeMillis() >= end) {
          break;
        }
        next += o.interval().toMillis();
      }
    }
    double[] all = allLatencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    out.printf(
        Locale.ROOT,
        "soak: %d samples; windows inferred %d, skipped %d (lag %d); latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms over %d predictions%n",
        samples.size(), metrics.windowsInferred(), metrics.windowsSkipped(), metrics.windowsSkipped("lag"),
        quantile(all, 0.50), quantile(all, 0.95), quantile(all, 0.99),
        all.length == 0 ? Double.NaN : all[all.length - 1], all.length);
    if (o.out() != null) {
      out.printf("soak: report %s%n", o.out());
    }
    return samples;
  }

  private static Sample withT(Sample s, double t) {
    return new Sample(t, s.heapUsed(), s.heapMax(), s.rss(), s.inputLag(), s.p50(), s.p95(), s.p99(),
        s.maxLatency(), s.predictions(), s.inferred(), s.skipped(), s.skippedLag(), s.processCpu(),
        s.systemCpu(), s.engineBusy(), s.framesPerSecond());
  }

  private static Sample sample(Counters now, Counters prev, double[] lat, Engine engine, TopologyConfig config) {
    double wallS = (now.wallMs - prev.wallMs) / 1000.0;
    Arrays.sort(lat);
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double cores = Runtime.getRuntime().availableProcessors();
    double sysTotal = now.sysTotal - prev.sysTotal;
    return new Sample(
        0,
        heap.getUsed(),
        heap.getMax(),
        new ResidentMemory().bytes(),
        InputLag.sum(engine.streams().metrics(), config.input().topic()),
        quantile(lat, 0.50),
        quantile(lat, 0.95),
        quantile(lat, 0.99),
        lat.length == 0 ? Double.NaN : lat[lat.length - 1],
        lat.length,
        now.inferred - prev.inferred,
        now.skipped - prev.skipped,
        now.skippedLag - prev.skippedLag,
        (now.cpuNanos - prev.cpuNanos) / 1e9 / wallS / cores,
        sysTotal <= 0 ? Double.NaN : (now.sysBusy - prev.sysBusy) / sysTotal,
        (now.busyNanos - prev.busyNanos) / 1e9 / wallS,
        (now.frames - prev.frames) / wallS);
  }

  static double quantile(double[] sorted, double q) {
    return Quantiles.nearestRank(sorted, q);
  }

  private static void write(
      Options o, List<Sample> samples, List<Double> all, EngineMetrics metrics, TopologyConfig config) {
    if (o.out() == null) {
      return;
    }
    try {
      if (o.out().getParent() != null) {
        Files.createDirectories(o.out().getParent());
      }
      if (o.out().toString().endsWith(".csv")) {
        StringBuilder b = new StringBuilder(
            "t_s,heap_used_bytes,heap_max_bytes,rss_bytes,input_lag_records,latency_p50_ms,latency_p95_ms,"
                + "latency_p99_ms,latency_max_ms,predictions,windows_inferred,windows_skipped,windows_skipped_lag,"
                + "process_cpu,system_cpu,engine_busy,frames_per_s\n");
        for (Sample s : samples) {
          b.append(String.format(Locale.ROOT,
              "%.1f,%d,%d,%.0f,%.0f,%.1f,%.1f,%.1f,%.1f,%d,%d,%d,%d,%.4f,%.4f,%.4f,%.1f%n",
              s.t(), s.heapUsed(), s.heapMax(), s.rss(), s.inputLag(), s.p50(), s.p95(), s.p99(), s.maxLatency(),
              s.predictions(), s.inferred(), s.skipped(), s.skippedLag(), s.processCpu(), s.systemCpu(),
              s.engineBusy(), s.framesPerSecond()));
        }
        Files.writeString(o.out(), b);
      } else {
        double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> report = new LinkedHashMap<>();
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("cameras", o.cameras());
        opts.put("fps", o.fps());
        opts.put("duration_s", o.duration().toSeconds());
        opts.put("interval_s", o.interval().toSeconds());
        opts.put("topology", o.topology().toString());
        opts.put("model", config.modelName());
        opts.put("broker", o.bootstrapServers() == null ? "in-process" : o.bootstrapServers());
        opts.put("cores", Runtime.getRuntime().availableProcessors());
        opts.put("started", Instant.now().minusMillis((long) (samples.get(samples.size() - 1).t() * 1000)).toString());
        report.put("options", opts);
        Map<String, Object> total = new LinkedHashMap<>();
        total.put("windows_inferred", metrics.windowsInferred());
        total.put("windows_skipped", metrics.windowsSkipped());
        total.put("windows_skipped_lag", metrics.windowsSkipped("lag"));
        total.put("predictions_seen", sorted.length);
        total.put("latency_p50_ms", quantile(sorted, 0.5));
        total.put("latency_p95_ms", quantile(sorted, 0.95));
        total.put("latency_p99_ms", quantile(sorted, 0.99));
        total.put("latency_max_ms", sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]);
        report.put("total", total);
        report.put("samples", samples);
        Files.writeString(o.out(), JSON.writeValueAsString(report));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Cumulative counters at one instant. */
  private record Counters(
      long wallMs, long inferred, long skipped, long skippedLag, long cpuNanos, long sysBusy, long sysTotal,
      long busyNanos, long frames) {
    static Counters now(EngineMetrics m, Ingest ingest) {
      long[] sys = ProcessCpu.machineJiffies();
      return new Counters(
          System.currentTimeMillis(),
          m.windowsInferred(),
          m.windowsSkipped(),
          m.windowsSkipped("lag"),
          ProcessCpu.processNanos(),
          sys[0],
          sys[1],
          timerNanos(m, "actionstream.inference") + timerNanos(m, "actionstream.frame.decode"),
          ingest.cameras().stream().mapToLong(w -> ingest.metrics().camera(w.id()).framesPublished()).sum());
    }
  }

  private static long timerNanos(EngineMetrics m, String name) {
    Timer t = m.registry().find(name).timer();
    return t == null ? 0 : (long) t.totalTime(TimeUnit.NANOSECONDS);
  }
}
