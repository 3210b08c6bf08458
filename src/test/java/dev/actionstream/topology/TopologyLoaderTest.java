package dev.actionstream.topology;

import dev.actionstream.config.Durations;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.topology.TopologyConfig.CameraOverride;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.Input;
import dev.actionstream.topology.TopologyConfig.Outputs;
import dev.actionstream.topology.TopologyConfig.Policy;
import dev.actionstream.topology.TopologyConfig.Provider;
import dev.actionstream.topology.TopologyConfig.Realtime;
import dev.actionstream.topology.TopologyConfig.Roi;
import dev.actionstream.topology.TopologyConfig.Windows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a valid topology file becomes: values, defaults, paths and the brokers override. */
class TopologyLoaderTest {
  private static final String ENV = TopologyLoader.BOOTSTRAP_ENV;

  @TempDir Path tmp;

  @Test
  void minimalFileGetsEveryDefault() {
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, ""));

    assertEquals("t", t.applicationId());
    assertEquals("localhost:9092", t.bootstrapServers());
    assertEquals("demo_x3d", t.model().name());
    assertEquals(new Input("frames", 1_048_576, 16_777_216L), t.input());
    assertEquals(
        new Windows(Duration.ofSeconds(1), Duration.ofMillis(300), 4, Duration.ofSeconds(30)),
        t.windows());
    assertEquals(new Realtime(Policy.REALTIME, Duration.ofSeconds(5)), t.realtime());
    assertEquals(
        new Inference(Provider.CPU, Runtime.getRuntime().availableProcessors(), 1, 0),
        t.inference());
    assertEquals(new Outputs("predictions", "events", "alerts", "dead-letters", 3), t.outputs());
    assertEquals(
        new Episodes(
            List.of("move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall"),
            0.6,
            0.4,
            3,
            Duration.ofSeconds(5),
            List.of()),
        t.episodes());
    assertEquals(Map.of(), t.cameras());
    assertEquals(Map.of(), t.streams());
    assertEquals(CameraOverride.NONE, t.camera("any"));
  }

  @Test
  void everyFieldIsRead() {
    TopologyConfig t =
        TopologyLoader.load(
            TopologyFiles.minimal(
                tmp,
                """
                bootstrap-servers: 'b1:9092, b2:9093'
                input: {topic: cam-frames, max-frame-bytes: 500000, max-frame-pixels: 2073600, decode-scale: auto}
                windows: {hop: 500ms, grace: 0s, min-distinct-frames: 8, max-future: 1m}
                realtime: {policy: backfill, max-lag: 2h}
                inference: {provider: cpu, threads: 3, batch: 4, device-id: 1, max-wait: 20ms}
                outputs: {predictions: p, events: e, alerts: a, dead-letters: d, top-k: 8}
                episodes:
                  labels: [fall, approach]
                  enter: 1
                  exit: 0
                  smoothing: 1
                  quiet-time: 1500ms
                  alert-labels: [fall]
                cameras:
                  door: {roi: {x: 0.7, y: 0, width: 0.3, height: 1}, labels: [approach]}
                  hall: {labels: []}
                streams: {num.stream.threads: 2, commit.interval.ms: 100, enable.x: true}
                """));

    assertEquals("b1:9092, b2:9093", t.bootstrapServers());
    assertEquals(new Input("cam-frames", 500_000, 2_073_600L, TopologyConfig.DecodeScale.AUTO), t.input());
    assertEquals(
        new Windows(Duration.ofMillis(500), Duration.ZERO, 8, Duration.ofMinutes(1)), t.windows());
    assertEquals(new Realtime(Policy.BACKFILL, Duration.ofHours(2)), t.realtime());
    assertEquals(new Inference(Provider.CPU, 3, 4, 1, Duration.ofMillis(20)), t.inference());
    assertEquals(new Outputs("p", "e", "a", "d", 8), t.outputs());
    assertEquals(
        new Episodes(
            List.of("fall", "approach"), 1.0, 0.0, 1, Duration.ofMillis(1500), List.of("fall")),
        t.episodes());
    assertEquals(
        Map.of(
            "door", new CameraOverride(new Roi(0.7, 0, 0.3, 1), List.of("approach")),
            "hall", new CameraOverride(null, List.of())),
        t.cameras());
    assertEquals(
        Map.of("num.stream.threads", "2", "commit.interval.ms", "100", "enable.x", "true"),
        t.streams());
  }

  @Test
  void cameraWithoutLabelsKeepsEveryEpisodeLabel() {
    TopologyConfig t =
        TopologyLoader.load(
            TopologyFiles.minimal(tmp, "cameras: {c: {roi: {x: 0, y: 0, width: 1, height: 1}}}\n"));

    assertNull(t.camera("c").labels());
    assertEquals(new Roi(0, 0, 1, 1), t.camera("c").roi());
  }

  @Test
  void emptyValueTakesTheDefault() {
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, "windows:\n  hop:\n"));

    assertEquals(Duration.ofSeconds(1), t.windows().hop());
  }

  @Test
  void exitDefaultsToEnterWhenEnterIsBelowTheDefaultExit() {
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, "episodes: {enter: 0.3}\n"));

    assertEquals(0.3, t.episodes().exit());
  }

  @Test
  void hopMayBeTenClipDurations() {
    // The demo clip lasts 1.6 s.
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, "windows: {hop: 16s}\n"));

    assertEquals(Duration.ofSeconds(16), t.windows().hop());
  }

  @Test
  void shortClipLowersTheDefaultsForDistinctFramesAndTopK() throws IOException {
    // A 2-frame, 2-class variant of the demo manifest.
    Path demo = TopologyFiles.DEMO_MODEL;
    String manifest =
        Files.readString(demo)
            .replace(
                "clip: {frames: 8, sampling_rate: 6.0, reference_fps: 30.0, duration: 1.6}",
                "clip: {frames: 2, sampling_rate: 6.0, reference_fps: 30.0, duration: 0.4}")
            .replace("frames: 8, pathway: clip", "frames: 2, pathway: clip")
            .replace("classes: 8", "classes: 2")
            .replace("../../models/demo/x3d/labels.txt", "labels.txt")
            .replace("../../models/", demo.getParent() + "/../../models/");
    Files.writeString(tmp.resolve("m.yaml"), manifest);
    Files.writeString(tmp.resolve("labels.txt"), "idle\nfall\n");

    TopologyConfig t =
        TopologyLoader.load(TopologyFiles.write(tmp, "application-id: t\nmodel: m.yaml\n"));

    assertEquals(2, t.windows().minDistinctFrames());
    assertEquals(2, t.outputs().topK());
    assertEquals(List.of("fall"), t.episodes().labels());
  }

  @Test
  void modelPathIsRelativeToTheTopologyFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("config/models"));
    Files.copy(TopologyFiles.DEMO_MODEL, dir.resolve("demo.yaml"));
    Files.writeString(
        dir.resolve("demo.yaml"),
        Files.readString(dir.resolve("demo.yaml"))
            .replace("../../models/", TopologyFiles.DEMO_MODEL.getParent() + "/../../models/"));
    Path topologies = Files.createDirectories(tmp.resolve("topologies"));
    Path file = topologies.resolve("t.yaml");
    Files.writeString(file, "application-id: t\nmodel: ../config/models/demo.yaml\n");

    TopologyConfig t = TopologyLoader.load(file);

    assertEquals(dir.resolve("demo.yaml"), t.model().file());
    assertEquals(file.toAbsolutePath(), t.file());
  }

  // ---- bootstrap-servers precedence: flag > environment > file > default ----------------------

  @Test
  void flagOverridesEnvironmentAndFile() {
    Path file = TopologyFiles.minimal(tmp, "bootstrap-servers: file:9092\n");

    TopologyConfig t = TopologyLoader.load(file, "flag:9092", Map.of(ENV, "env:9092"));

    assertEquals("flag:9092", t.bootstrapServers());
  }

  @Test
  void environmentOverridesFileWhenNoFlag() {
    Path file = TopologyFiles.minimal(tmp, "bootstrap-servers: file:9092\n");

    assertEquals(
        "env:9092", TopologyLoader.load(file, null, Map.of(ENV, "env:9092")).bootstrapServers());
    assertEquals(
        "env:9092", TopologyLoader.load(file, " ", Map.of(ENV, "env:9092")).bootstrapServers());
  }

  @Test
  void fileValueAppliesWithoutFlagOrEnvironment() {
    Path file = TopologyFiles.minimal(tmp, "bootstrap-servers: file:9092\n");

    assertEquals("file:9092", TopologyLoader.load(file, null, Map.of()).bootstrapServers());
    assertEquals("file:9092", TopologyLoader.load(file, null, Map.of(ENV, "")).bootstrapServers());
    assertEquals("file:9092", TopologyLoader.load(file).bootstrapServers());
  }

  @Test
  void badOverrideNamesItsSource() {
    Path file = TopologyFiles.minimal(tmp, "");

    TopologyError flag =
        assertThrows(TopologyError.class, () -> TopologyLoader.load(file, "nohost", Map.of()));
    TopologyError env =
        assertThrows(
            TopologyError.class, () -> TopologyLoader.load(file, null, Map.of(ENV, "x:0")));

    assertEquals("bootstrap-servers", flag.field());
    assertTrue(flag.reason().endsWith("got 'nohost' (from --bootstrap-servers)"), flag.reason());
    assertTrue(env.reason().endsWith("got 'x:0' (from " + ENV + ")"), env.reason());
  }

  @Test
  void withBootstrapServersKeepsEverythingElse() {
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, ""));

    TopologyConfig other = t.withBootstrapServers("b:1");

    assertEquals("b:1", other.bootstrapServers());
    assertEquals(t, other.withBootstrapServers(t.bootstrapServers()));
  }

  @Test
  void durationsAreFormattedAsTheyAreWritten() {
    assertEquals("300ms", Durations.format(Durations.parse("300ms")));
    assertEquals("2s", Durations.format(Durations.parse("2000ms")));
    assertEquals("1m", Durations.format(Durations.parse("60s")));
    assertEquals("3h", Durations.format(Durations.parse("180m")));
    assertEquals("1500ms", Durations.format(Durations.parse("1500ms")));
    assertEquals("0ms", Durations.format(Durations.parse("0s")));
  }
}
