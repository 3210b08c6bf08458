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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's kcat recipe end to end: JPEG files on disk, one kcat call per frame with the
 * contract's headers, and the engine's predictions for them.
 */
class KcatFramesIT {
  private static final Path KCAT = Path.of("/usr/bin/kcat");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void jpegFilesProducedByKcatYieldPredictions() throws Exception {
    assumeTrue(Files.isExecutable(KCAT), KCAT + " not installed (apt-get install kcat)");
    // 6 s of one camera moving right, written as JPEG files, capture times ending now.
    long start = System.currentTimeMillis() - 6_000;
    CameraScript script =
        new CameraScript(start, List.of(new CameraScript.Segment(0, Action.MOVE_RIGHT, start, start + 6_000)));
    List<Path> files = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    try (SyntheticCamera cam = new SyntheticCamera("door-cam", script, 42)) {
      while (cam.hasNext()) {
        CameraFrame f = cam.next();
        Path file = dir.resolve("frame-%04d.jpg".formatted(f.sequence()));
        Files.write(file, f.jpeg());
        files.add(file);
        times.add(f.captureTimeMs());
      }
    }
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 4));
      TopologyConfig c = TopologyLoader.load(Path.of("topologies/demo.yaml"), broker.bootstrapServers());
      // Files are recorded video: backfill, so that a slow producer's windows are not skipped.
      TopologyConfig config =
          new TopologyConfig(
              c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
              new TopologyConfig.Realtime(TopologyConfig.Policy.BACKFILL, c.realtime().maxLag()),
              c.inference(), c.outputs(), c.episodes(), c.cameras(), c.streams());
      try (Engine engine = Engine.start(config, EngineMetrics.inMemory(), dir.resolve("state"))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)));
        for (int i = 0; i < files.size(); i++) {
          Process p =
              new ProcessBuilder(
                      KCAT.toString(), "-P", "-b", broker.bootstrapServers(), "-t", "frames",
                      "-k", "door-cam", "-X", "partitioner=murmur2_random",
                      "-H", "capture-ts=" + times.get(i), "-H", "frame-seq=" + i,
                      "-H", "content-type=image/jpeg", files.get(i).toString())
                  .redirectErrorStream(true)
                  .start();
          assertTrue(p.waitFor(30, TimeUnit.SECONDS));
          assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        List<JsonNode> predictions = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // windows end on whole seconds: from start + 1.6 s to the last frame − 0.3 s grace
        long expected = (times.get(times.size() - 1) - 300) / 1000 - (start + 1600 + 999) / 1000 + 1;
        while (predictions.size() < expected && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> r : TestConsumers.readAll(broker.bootstrapServers(), List.of("predictions")).get("predictions")) {
            predictions.add(JSON.readTree(r.value()));
          }
        }
        assertEquals(expected, predictions.size());
        long right = predictions.stream().filter(p -> p.get("label").asText().equals("move_right")).count();
        assertTrue(right >= expected - 1, right + " of " + expected + " windows say move_right: " + predictions);
        for (JsonNode p : predictions) {
          assertEquals("door-cam", p.get("camera").asText());
        }
      }
    }
  }
}
