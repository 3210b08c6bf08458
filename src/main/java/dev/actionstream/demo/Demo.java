package dev.actionstream.demo;

import dev.actionstream.config.KafkaProperties;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.Engine;
import dev.actionstream.engine.Topics;
import dev.actionstream.http.HttpBindError;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.http.OpsEndpoints;
import dev.actionstream.view.LiveView;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.metrics.IngestMetrics;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.Telemetry;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one-command demo: an in-process Kafka broker (or an existing cluster), synthetic cameras
 * playing seeded scripts of the eight demo actions in real time, the engine on a topology file,
 * and a subscriber that prints events and scores predictions against the scripts.
 */
public final class Demo {
  /**
   * @param duration how long the cameras play; null = until {@code stop} fires
   * @param bootstrapServers an existing cluster; null = start an in-process broker
   * @param stateDir Kafka Streams state; null = a temporary directory, deleted after
   * @param http the HTTP server (metrics, health); null = the topology file's {@code http}
   *     section; {@link HttpSettings#DISABLED} = none
   */
  public record Options(
      int cameras,
      Duration duration,
      Path topology,
      String bootstrapServers,
      long seed,
      double fps,
      Path stateDir,
      PrintStream out,
      HttpSettings http) {

    /** Without an HTTP server (tests). */
    public Options(
        int cameras,
        Duration duration,
        Path topology,
        String bootstrapServers,
        long seed,
        double fps,
        Path stateDir,
        PrintStream out) {
      this(cameras, duration, topology, bootstrapServers, seed, fps, stateDir, out, HttpSettings.DISABLED);
    }
  }

  /** Frames per camera topic partition count of the in-process broker's topics. */
  private static final int PARTITIONS = 4;

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private Demo() {}

  /** Runs the demo; returns its summary (also printed) once the cameras stopped and drained. */
  public static DemoSummary run(Options o, CountDownLatch stop) throws InterruptedException {
    PrintStream out = o.out();
    TopologyConfig config = TopologyLoader.load(o.topology(), o.bootstrapServers());
    if (o.http() != null) {
      config = config.withHttp(o.http());
    }
    AtomicReference<Engine> started = new AtomicReference<>();
    try (Telemetry telemetry = new Telemetry();
        HttpEndpoints http = startHttp(config.http(), telemetry, started, out)) {
      return run(o, config, telemetry, started, http, stop);
    }
  }

  /** The configured port; when it is taken, any free one (the demo should start anyway). */
  private static HttpEndpoints startHttp(
      HttpSettings settings, Telemetry telemetry, AtomicReference<Engine> started, PrintStream out) {
    java.util.function.Supplier<String> ready = () -> {
      Engine e = started.get();
      return e == null ? "starting (broker, model, Kafka Streams)" : e.notReadyReason();
    };
    HttpEndpoints http;
    try {
      http = OpsEndpoints.start(settings, telemetry.registry(), ready);
    } catch (HttpBindError e) {
      if (settings.port() == 0) {
        throw e;
      }
      out.printf("demo: port %d is taken; HTTP on any free port instead%n", settings.port());
      http = OpsEndpoints.start(settings.withPort(0), telemetry.registry(), ready);
    }
    out.printf("demo: %s%n", OpsEndpoints.describe(http));
    return http;
  }

  private static DemoSummary run(
      Options o, TopologyConfig config, Telemetry telemetry, AtomicReference<Engine> started,
      HttpEndpoints http, CountDownLatch stop) throws InterruptedException {
    PrintStream out = o.out();
    EmbeddedBroker broker = null;
    Path tempState = null;
    try {
      if (o.bootstrapServers() == null) {
        long t0 = System.nanoTime();
        broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
        config = config.withBootstrapServers(broker.bootstrapServers());
        out.printf(
            "demo: Kafka broker (KRaft, in-process) on %s, started in %.1f s%n",
            broker.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
      }
      createTopics(config, broker);
      Path state = o.stateDir();
      if (state == null) {
        state = tempState = Files.createTempDirectory("actionstream-demo-");
      }
      EngineMetrics metrics = new EngineMetrics(telemetry.registry());
      try (Engine engine = Engine.start(config, metrics, state)) {
        started.set(engine);
        if (!engine.awaitRunning(Duration.ofSeconds(60))) {
          throw new IllegalStateException("the engine did not reach RUNNING within 60 s");
        }
        out.printf(
            "demo: engine %s running model %s (%s); %d synthetic cameras at %.0f fps%n",
            config.applicationId(), config.modelName(), o.topology(), o.cameras(), o.fps());
        try (OutputWatcher watcher =
                new OutputWatcher(config.bootstrapServers(), config.streams(), config.outputs(), out);
            LiveView view = http == null ? null : LiveView.start(config, http)) {
          if (view != null) {
            out.printf("demo: live view %s/%n", http.baseUrl());
          }
          watcher.start();
          return play(o, config, metrics, watcher, stop);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (broker != null) {
        broker.close();
      }
      if (tempState != null) {
        TempDir.delete(tempState);
      }
    }
  }

  private static DemoSummary play(
      Options o, TopologyConfig config, EngineMetrics metrics, OutputWatcher watcher, CountDownLatch stop)
      throws InterruptedException {
    PrintStream out = o.out();
    // Scripts start on a multiple of the hop, as window ends do: a seed then gives the same
    // windows over the same frames on every run, so the summary is reproducible.
    long hop = config.windows().hop().toMillis();
    long start = Math.floorDiv(System.currentTimeMillis() + 500 + hop - 1, hop) * hop;
    long scriptMs = o.duration() != null ? o.duration().toMillis() : Duration.ofDays(1).toMillis();
    Map<String, CameraScript> scripts = new HashMap<>();
    long frames;
    IngestMetrics cameras = new IngestMetrics(metrics.registry());
    // The cameras go through the ingest path that real ones take (one worker thread each), with
    // their scripts kept here to score the predictions.
    try (Ingest ingest = new Ingest(config.bootstrapServers(), config.input().topic(),
        // An existing cluster may want TLS/SASL: the producer connects as the engine does.
        KafkaProperties.connection(config.streams(), "producer."), cameras)) {
      for (int i = 1; i <= o.cameras(); i++) {
        SyntheticCamera camera = DemoCameras.camera(i, o.seed(), start, scriptMs, o.fps());
        scripts.put(camera.id(), camera.script());
        DemoCameras.start(ingest, camera, o.seed());
      }
      long end = start + scriptMs;
      long nextStatus = start + 10_000;
      while (System.currentTimeMillis() < end && !stop.await(200, TimeUnit.MILLISECONDS)) {
        if (System.currentTimeMillis() >= nextStatus) {
          out.printf(
              "demo: %3d s: frames %d, windows %d, predictions %d, events %d, dead letters %d%n",
              (nextStatus - start) / 1000,
              published(ingest),
              metrics.windowsInferred() + metrics.windowsSkipped(),
              watcher.predictions(),
              watcher.events(),
              watcher.deadLetters());
          nextStatus += 10_000;
        }
      }
      ingest.close();
      frames = published(ingest);
    }
    drain(metrics, watcher);
    DemoSummary summary = score(frames, config, metrics, watcher, scripts);
    out.println(summary.byActionLine());
    out.println(summary.line());
    return summary;
  }

  private static long published(Ingest ingest) {
    return ingest.cameras().stream()
        .mapToLong(w -> ingest.metrics().camera(w.id()).framesPublished())
        .sum();
  }

  /** Waits until every inferred window's prediction has been read back (or a timeout). */
  private static void drain(EngineMetrics metrics, OutputWatcher watcher) throws InterruptedException {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    int seen = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      int now = watcher.predictions();
      if (now != seen) {
        seen = now;
        stableSince = System.nanoTime();
      }
      boolean caughtUp = now >= metrics.windowsInferred();
      if (caughtUp && System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(1500)) {
        return;
      }
      Thread.sleep(100);
    }
  }

  private static DemoSummary score(
      long frames,
      TopologyConfig config,
      EngineMetrics metrics,
      OutputWatcher watcher,
      Map<String, CameraScript> scripts) {
    long clipMs = Math.round(config.model().clip().duration() * 1000);
    long scored = 0;
    long correct = 0;
    Map<String, long[]> byAction = new java.util.LinkedHashMap<>();
    for (dev.actionstream.synthetic.Action a : dev.actionstream.synthetic.Action.values()) {
      byAction.put(a.label(), new long[2]);
    }
    for (Map.Entry<String, Map<Long, String>> cam : watcher.predicted().entrySet()) {
      CameraScript script = scripts.get(cam.getKey());
      if (script == null) {
        continue; // not one of ours (an existing cluster's other cameras)
      }
      for (Map.Entry<Long, String> w : cam.getValue().entrySet()) {
        Optional<CameraScript.Segment> seg = script.segmentContaining(w.getKey() - clipMs, w.getKey());
        if (seg.isPresent()) {
          scored++;
          long[] c = byAction.get(seg.get().action().label());
          c[1]++;
          if (seg.get().action().label().equals(w.getValue())) {
            correct++;
            c[0]++;
          }
        }
      }
    }
    return new DemoSummary(
        frames,
        metrics.windowsInferred() + metrics.windowsSkipped(),
        watcher.predictions(),
        scored,
        correct,
        watcher.events(),
        watcher.episodes(),
        watcher.deadLetters(),
        watcher.duplicates(),
        byAction);
  }

  /**
   * The frames topic; the engine's start creates missing output topics with the same partition
   * count. On an existing cluster, only when missing.
   */
  private static void createTopics(TopologyConfig config, EmbeddedBroker broker) {
    String input = config.input().topic();
    if (broker != null) {
      broker.createTopics(Map.of(input, PARTITIONS));
    } else {
      Topics.createMissing(
          config.bootstrapServers(), config.streams(), "streams", List.of(input), PARTITIONS, Duration.ofSeconds(20));
    }
  }
}
