package dev.actionstream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.TestModels;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.Engine;
import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.Input;
import dev.actionstream.topology.TopologyConfig.Outputs;
import dev.actionstream.topology.TopologyConfig.Policy;
import dev.actionstream.topology.TopologyConfig.Provider;
import dev.actionstream.topology.TopologyConfig.Realtime;
import dev.actionstream.topology.TopologyConfig.Windows;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More cameras than the CPU can infer in real time (Reliability, item 5). The model is the
 * full-size X3D-S that bin/test exports with random weights into target/test-models (about 0.12 s
 * per clip on an idle 2-core machine, so one stream thread manages at most ~8 windows a second);
 * cameras are a publisher thread sending pre-rendered JPEG frames at 5 fps with capture time =
 * now, one window per camera per second.
 *
 * <ul>
 *   <li><b>realtime</b> (max-lag 2 s): 16 cameras (≥ 2× what one engine infers) for 30 s. Every
 *       due window is either predicted, exactly once, or counted as skipped; some are skipped for
 *       lag; the frame-to-prediction latency stays bounded: max-lag plus a few inferences ({@link #engineSlackMs}).
 *   <li><b>backfill</b>: 12 cameras for 12 s, then the cameras stop: every window is predicted
 *       eventually, none twice, none skipped; the latency grows with the backlog.
 * </ul>
 *
 * Windows expected per camera follow from its frames alone (WindowPlan's rules: the first full
 * window, then one per hop while end + grace ≤ the last frame), not from the engine's counters.
 */
class OverloadIT {
  static final long HOP_MS = 1000;
  static final long GRACE_MS = 300;
  static final Duration MAX_LAG = Duration.ofSeconds(2);
  static final double FPS = 5;

  /**
   * What the realtime policy allows beyond max-lag: the lag check happens when a window is due,
   * then the inference and the record's production follow. The check reads Kafka Streams' cached
   * wall clock (context.currentSystemTimeMs()), which Kafka Streams 4.4 reads once per task and
   * processing batch, so a window due late in a batch passes it several inferences late. Measured on the shared 2-core box: max-lag + 1.57 s
   * with 0.33 s inferences, max-lag + 1.85 s with 0.26 s. The allowance: 3 s, or 10 inferences
   * (mean measured in the run) when inference is slower than 0.3 s.
   */
  static long engineSlackMs(double inferenceMeanMs) {
    return Math.max(3000, Math.round(10 * inferenceMeanMs));
  }

  /** The subscriber also waits for the transaction commit (100 ms interval) and its poll. */
  static final long SUBSCRIBER_EXTRA_MS = 1000;

  @TempDir Path tmp;

  @Test
  void realtimeSkipsAndCountsWhatItCannotInferAndStaysBounded() throws Exception {
    ModelManifest model = heavyModel();
    TopologyConfig config = topology(model, Policy.REALTIME, "overload-realtime");
    Run run = run(config, 16, Duration.ofSeconds(30), Duration.ofSeconds(40));

    long lagSkipped = run.metrics.windowsSkipped("lag");
    long fewSkipped = run.metrics.windowsSkipped("too-few-frames");
    run.print("realtime", model, lagSkipped, fewSkipped);

    assertEquals(0, run.duplicates, "a window predicted twice");
    assertEquals(run.expected, run.predicted() + lagSkipped + fewSkipped,
        "every window is either predicted or counted as skipped");
    assertEquals(run.metrics.windowsInferred(), run.predicted(), "every inferred window reached the topic");
    assertTrue(lagSkipped > 0, "not overloaded: nothing skipped for lag (" + run.predicted() + " predicted)");
    assertTrue(run.predicted() > 0, "nothing predicted");
    double inferenceMs = run.metrics.registry().find("actionstream.inference").timer().mean(TimeUnit.MILLISECONDS);
    long bound = MAX_LAG.toMillis() + engineSlackMs(inferenceMs);
    double engineMaxMs = run.engineLatency.max(TimeUnit.MILLISECONDS);
    System.out.printf(Locale.ROOT, "OverloadIT realtime: latency bound %d ms in the engine, %d ms at the subscriber%n",
        bound, bound + SUBSCRIBER_EXTRA_MS);
    assertTrue(engineMaxMs <= bound, "engine frame-to-prediction max " + engineMaxMs + " ms > " + bound + " ms");
    assertTrue(run.maxLatencyMs() <= bound + SUBSCRIBER_EXTRA_MS,
        "subscriber frame-to-prediction max " + run.maxLatencyMs() + " ms > " + (bound + SUBSCRIBER_EXTRA_MS) + " ms");
  }

  @Test
  void backfillPredictsEveryWindowEventually() throws Exception {
    ModelManifest model = heavyModel();
    TopologyConfig config = topology(model, Policy.BACKFILL, "overload-backfill");
    Run run = run(config, 12, Duration.ofSeconds(12), Duration.ofSeconds(90));
    run.print("backfill", model, run.metrics.windowsSkipped("lag"), run.metrics.windowsSkipped("too-few-frames"));

    assertEquals(0, run.duplicates, "a window predicted twice");
    assertEquals(0, run.metrics.windowsSkipped(), "backfill skips nothing");
    assertEquals(run.expected, run.predicted(), "every window predicted");
    // It was overloaded: the backlog made some predictions come well after max-lag would allow.
    assertTrue(run.maxLatencyMs() > MAX_LAG.toMillis(),
        "not overloaded: max latency " + run.maxLatencyMs() + " ms");
  }

  /** The exported X3D-S (or the largest model with a golden set, when it is a full-size one). */
  static ModelManifest heavyModel() {
    ModelManifest heaviest = null;
    for (Path p : TestModels.withGolden()) {
      ModelManifest m = ManifestLoader.load(p);
      if (m.name().equals("x3d_s")) {
        return m;
      }
      if (heaviest == null || size(m.onnx()) > size(heaviest.onnx())) {
        heaviest = m;
      }
    }
    Assumptions.assumeTrue(heaviest != null && size(heaviest.onnx()) > 5_000_000,
        "needs a full-size model: bin/test exports X3D-S to target/test-models/x3d_s"
            + " (tools: python3 -m modelkit.export --arch x3d_s --seed 0 --out ../target/test-models/x3d_s)");
    return heaviest;
  }

  private static long size(Path p) {
    return p.toFile().length();
  }

  static TopologyConfig topology(ModelManifest m, Policy policy, String appId) {
    return new TopologyConfig(
        Path.of("overload-topology.yaml").toAbsolutePath(),
        appId,
        "127.0.0.1:9",
        m,
        new Input("frames", 1 << 20, 4096L * 4096),
        new Windows(Duration.ofMillis(HOP_MS), Duration.ofMillis(GRACE_MS), 4, Duration.ofSeconds(30)),
        new Realtime(policy, MAX_LAG),
        new Inference(Provider.CPU, 2, 1, 0),
        new Outputs("predictions", "events", "alerts", "dead-letters", 3),
        new Episodes(m.labels().subList(1, 8), 0.6, 0.4, 2, Duration.ofSeconds(5), List.of()),
        Map.of(),
        Map.of());
  }

  /** Cameras for {@code play}, then waits up to {@code settle} for every window to be accounted for. */
  private Run run(TopologyConfig base, int cameras, Duration play, Duration settle) throws Exception {
    List<byte[]> jpegs = frames();
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 4));
      TopologyConfig config = base.withBootstrapServers(broker.bootstrapServers());
      EngineMetrics metrics = EngineMetrics.inMemory();
      try (Engine engine = Engine.start(config, metrics, tmp.resolve(config.applicationId()))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)), "engine not RUNNING in 60 s");
        try (Reader reader = new Reader(broker.bootstrapServers(), "predictions");
            FramePublisher publisher = new FramePublisher(broker.bootstrapServers(), "frames", Map.of())) {
          reader.start();
          // Camera i sends frame k at t0 + k / fps, capture time = that instant (real time).
          long period = Math.round(1000 / FPS);
          long t0 = System.currentTimeMillis() + 200;
          long frames = play.toMillis() / period;
          for (long k = 0; k < frames; k++) {
            long ts = t0 + k * period;
            long sleep = ts - System.currentTimeMillis();
            if (sleep > 0) {
              Thread.sleep(sleep);
            }
            for (int c = 1; c <= cameras; c++) {
              publisher.publish("cam-" + c, ts, k, jpegs.get((int) ((k + c) % jpegs.size())));
            }
          }
          publisher.flush();
          long lastTs = t0 + (frames - 1) * period;
          long expected = (long) cameras * expectedWindows(t0, lastTs, config);
          long deadline = System.nanoTime() + settle.toNanos();
          while (System.nanoTime() < deadline
              && (metrics.windowsInferred() + metrics.windowsSkipped() < expected
                  || reader.count() < metrics.windowsInferred())) {
            Thread.sleep(200);
          }
          Thread.sleep(1500); // anything beyond the expected windows would show up now
          reader.close();
          Timer engineLatency = metrics.registry().find("actionstream.frame.to.prediction").timer();
          return new Run(metrics, engineLatency, expected, reader.latencies(), reader.duplicates(),
              cameras, play, (System.currentTimeMillis() - t0) / 1000.0);
        }
      }
    }
  }

  /** Windows of one camera whose frames run from {@code first} to {@code last} (WindowPlan's rules). */
  static long expectedWindows(long first, long last, TopologyConfig config) {
    long duration = Math.round(config.model().clip().duration() * 1000);
    long firstEnd = Math.floorDiv(first + duration + HOP_MS - 1, HOP_MS) * HOP_MS;
    if (firstEnd + GRACE_MS > last) {
      return 0;
    }
    return (last - GRACE_MS - firstEnd) / HOP_MS + 1;
  }

  /** A handful of rendered 320×240 JPEG frames of one synthetic scene, reused by every camera. */
  static List<byte[]> frames() {
    List<byte[]> out = new ArrayList<>();
    long start = 0;
    try (SyntheticCamera cam = new SyntheticCamera("render", CameraScript.random(7, start, 60_000), 7,
        new SyntheticCamera.Settings(FPS, 320, 240, 85))) {
      for (int i = 0; i < 25; i++) {
        out.add(cam.next().jpeg());
      }
    }
    return out;
  }

  record Run(
      EngineMetrics metrics, Timer engineLatency, long expected, double[] latencies, int duplicates,
      int cameras, Duration play, double elapsedS) {
    long predicted() {
      return latencies.length;
    }

    double maxLatencyMs() {
      return latencies.length == 0 ? 0 : latencies[latencies.length - 1];
    }

    double q(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(p * latencies.length) - 1;
      return latencies[Math.max(0, Math.min(latencies.length - 1, i))];
    }

    void print(String policy, ModelManifest model, long lag, long few) {
      Timer inference = metrics.registry().find("actionstream.inference").timer();
      System.out.printf(Locale.ROOT,
          "OverloadIT %s: model %s, %d cameras at %.0f fps for %d s (hop %d ms, max-lag %d ms):"
              + " expected windows %d, predicted %d, skipped lag %d, skipped too-few-frames %d, duplicates %d;"
              + " subscriber latency p50 %.0f ms, p95 %.0f ms, max %.0f ms; engine frame_to_prediction max %.0f ms,"
              + " mean %.0f ms; inference mean %.0f ms (%d runs); %.0f s in all%n",
          policy, model.name(), cameras, FPS, play.toSeconds(), HOP_MS, MAX_LAG.toMillis(), expected,
          predicted(), lag, few, duplicates, q(0.5), q(0.95), maxLatencyMs(),
          engineLatency.max(TimeUnit.MILLISECONDS), engineLatency.mean(TimeUnit.MILLISECONDS),
          inference.mean(TimeUnit.MILLISECONDS), inference.count(), elapsedS);
    }
  }

  /**
   * Reads the predictions topic as a subscriber (read_committed, from the end at start): per
   * (camera, window_end), the wall clock it was seen at minus the window end; counts repeats.
   */
  static final class Reader implements Runnable, AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread = new Thread(this, "overload-reader");
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> seen = new HashSet<>(); // guarded by this
    private final List<Double> latencies = new ArrayList<>(); // guarded by this
    private int duplicates; // guarded by this

    Reader(String bootstrap, String topic) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumer = new KafkaConsumer<>(p);
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(20))
          .forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
    }

    void start() {
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void run() {
      try {
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            long now = System.currentTimeMillis();
            try {
              JsonNode n = json.readTree(r.value());
              long end = n.get("window_end").asLong();
              String key = new String(r.key(), StandardCharsets.UTF_8) + "@" + end;
              synchronized (this) {
                if (seen.add(key)) {
                  latencies.add((double) (now - end));
                } else {
                  duplicates++;
                }
              }
            } catch (java.io.IOException e) {
              throw new IllegalStateException("unreadable prediction", e);
            }
          }
        }
      } catch (org.apache.kafka.common.errors.WakeupException e) {
        // closing
      } finally {
        consumer.close();
      }
    }

    synchronized int count() {
      return seen.size();
    }

    synchronized int duplicates() {
      return duplicates;
    }

    synchronized double[] latencies() {
      double[] d = latencies.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(d);
      return d;
    }

    @Override
    public void close() throws InterruptedException {
      if (running.getAndSet(false)) {
        consumer.wakeup();
        thread.join(5000);
      }
    }
  }
}
