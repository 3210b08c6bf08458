package dev.actionstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.synthetic.Action;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * topologies/two-stream.yaml as shipped, on a broker: the RGB stream and the flow stream (optical
 * flow computed by the engine) fused per window, with the models bin/test exports (random weights).
 */
class TwoStreamIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ARCHS = List.of("two_stream_rgb", "two_stream_flow");

  @TempDir Path dir;

  /** The shipped topology in a copy of the repository layout whose models/ are the test exports. */
  private Path layout() throws Exception {
    Path models = Files.createDirectories(dir.resolve("repo/config/models/labels"));
    Files.copy(Path.of("config/models/labels/kinetics400.txt"), models.resolve("kinetics400.txt"));
    Files.createDirectories(dir.resolve("repo/models"));
    for (String arch : ARCHS) {
      Path exported = Path.of("target/test-models/" + arch).toAbsolutePath();
      assumeTrue(Files.isRegularFile(exported.resolve("model.onnx")),
          "no " + arch + " export in target/test-models (bin/test makes one)");
      Files.copy(Path.of("config/models/" + arch + ".yaml"), dir.resolve("repo/config/models/" + arch + ".yaml"));
      Files.createSymbolicLink(dir.resolve("repo/models/" + arch), exported);
    }
    Path topology = Files.createDirectories(dir.resolve("repo/topologies")).resolve("two-stream.yaml");
    Files.copy(Path.of("topologies/two-stream.yaml"), topology);
    return topology;
  }

  @Test
  void rgbAndFlowStreamsAreFusedIntoOnePredictionPerWindow() throws Exception {
    Path topology = layout();
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 1));
      TopologyConfig c = TopologyLoader.loadAndCheck(topology, broker.bootstrapServers());
      TopologyConfig config = backfill(c);
      EngineMetrics metrics = EngineMetrics.inMemory();
      try (Engine engine = Engine.start(config, metrics, dir.resolve("state"))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)));
        // 4 s of a camera at 25 fps, the temporal stream's rate, something moving right.
        long start = (System.currentTimeMillis() / 1000 - 5) * 1000;
        CameraScript script = new CameraScript(
            start, List.of(new CameraScript.Segment(0, Action.MOVE_RIGHT, start, start + 4_000)));
        List<Long> times = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers());
            SyntheticCamera cam = new SyntheticCamera("gate", script, 7,
                new SyntheticCamera.Settings(25, 320, 240, 90))) {
          while (cam.hasNext()) {
            times.add(send(producer, "gate", cam.next()));
          }
        }
        // Windows of 0.44 s end on whole seconds, up to the last frame less the 300 ms grace.
        long last = times.get(times.size() - 1);
        long expected = (last - 300) / 1000 - (start + 440 + 999) / 1000 + 1;
        List<JsonNode> predictions = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (predictions.size() < expected && System.nanoTime() < deadline) {
          predictions.clear();
          for (ConsumerRecord<byte[], byte[]> r
              : TestConsumers.readAll(broker.bootstrapServers(), List.of("predictions")).get("predictions")) {
            predictions.add(JSON.readTree(r.value()));
          }
        }
        assertEquals(expected, predictions.size(), "one prediction per window: " + predictions);
        for (JsonNode pr : predictions) {
          assertEquals("two-stream", pr.get("model").asText());
          assertEquals("gate", pr.get("camera").asText());
          assertEquals(11, pr.get("frames").asInt(), "11 distinct frames for the flow stream");
          assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.PREDICTION, pr), pr.toString());
        }
        // Optical flow ran once per window, in the engine.
        assertEquals(expected, metrics.stageTimer(EngineMetrics.Stage.FLOW).count());
        assertEquals(times.size(), metrics.framesDecoded(), "each frame decoded once for both streams");
      }
    }
  }

  /**
   * topologies/demo-two-stream.yaml (bundled, trained on the synthetic actions) on a broker: two
   * cameras moving in opposite directions, which the single RGB frame cannot tell apart and the
   * engine's optical flow can. The fused predictions name each camera's direction.
   */
  @Test
  void demoTwoStreamTellsDirectionsApartFromTheEnginesFlow() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 2));
      TopologyConfig c = TopologyLoader.loadAndCheck(Path.of("topologies/demo-two-stream.yaml"),
          broker.bootstrapServers());
      TopologyConfig config = backfill(c);
      try (Engine engine = Engine.start(config, EngineMetrics.inMemory(), dir.resolve("state"))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)));
        long start = (System.currentTimeMillis() / 1000 - 8) * 1000;
        long last = 0;
        try (KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
          for (Action a : List.of(Action.MOVE_LEFT, Action.MOVE_RIGHT)) {
            String id = a.name().toLowerCase(java.util.Locale.ROOT);
            CameraScript script = new CameraScript(
                start, List.of(new CameraScript.Segment(0, a, start, start + 7_000)));
            try (SyntheticCamera cam = new SyntheticCamera(id, script, 11)) {
              while (cam.hasNext()) {
                last = Math.max(last, send(producer, id, cam.next()));
              }
            }
          }
        }
        long perCamera = (last - 300) / 1000 - (start + 1600 + 999) / 1000 + 1;
        List<JsonNode> predictions = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (predictions.size() < 2 * perCamera && System.nanoTime() < deadline) {
          predictions.clear();
          for (ConsumerRecord<byte[], byte[]> r : TestConsumers.readAll(
              broker.bootstrapServers(), List.of("two-stream-predictions")).get("two-stream-predictions")) {
            predictions.add(JSON.readTree(r.value()));
          }
        }
        assertEquals(2 * perCamera, predictions.size(), "one prediction per camera and window");
        for (String camera : List.of("move_left", "move_right")) {
          List<String> labels = predictions.stream()
              .filter(pr -> pr.get("camera").asText().equals(camera))
              .map(pr -> pr.get("label").asText()).toList();
          long right = labels.stream().filter(camera::equals).count();
          assertTrue(right >= labels.size() - 1, camera + ": " + labels);
        }
        predictions.forEach(pr -> assertEquals("demo-two-stream", pr.get("model").asText()));
      }
    }
  }

  /** Recorded frames, produced at once: backfill, so that no window is skipped for lag. */
  private static TopologyConfig backfill(TopologyConfig c) {
    return new TopologyConfig(
        c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
        new TopologyConfig.Realtime(TopologyConfig.Policy.BACKFILL, c.realtime().maxLag()),
        c.inference(), c.outputs(), c.episodes(), c.cameras(), c.streams(), c.http(), c.fusion());
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(p);
  }

  /** One frame with the contract's headers; returns its capture time. */
  private static long send(KafkaProducer<byte[], byte[]> producer, String camera, CameraFrame f) {
    RecordHeaders h = new RecordHeaders();
    h.add("capture-ts", Long.toString(f.captureTimeMs()).getBytes(StandardCharsets.UTF_8));
    h.add("frame-seq", Long.toString(f.sequence()).getBytes(StandardCharsets.UTF_8));
    producer.send(new ProducerRecord<>("frames", null, f.captureTimeMs(),
        camera.getBytes(StandardCharsets.UTF_8), f.jpeg(), h));
    return f.captureTimeMs();
  }
}
