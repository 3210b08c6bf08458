package dev.actionstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.ChildJvm;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.Engine;
import dev.actionstream.engine.RecordSchemas;
import dev.actionstream.engine.TestConsumers;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end for a file camera: {@code actionstream ingest} with a camera file → a real broker →
 * the engine → predictions. The file is real footage (vtest.avi) with an object moving right
 * over it, made by ffmpeg, so the predictions can be checked, not just counted.
 */
class IngestCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");

  @TempDir Path tmp;

  @Test
  void fileCameraIsIngestedAndPredicted() throws Exception {
    Path video = tmp.resolve("right.mp4");
    // A 170 px square crossing at 190 px/s, re-entering on the left (as a conveyor), 8 s at 15 fps.
    ffmpeg("-i", VTEST.toString(), "-f", "lavfi", "-i", "color=c=0xd02020:s=170x170",
        "-filter_complex",
        "[0:v]fps=15[bg];[bg][1:v]overlay=x='mod(t*190\\,938)-170':y=200:shortest=1,format=yuv420p",
        "-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", video.toString());
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 4));
      Path cameras = tmp.resolve("cameras.yaml");
      Files.writeString(cameras, """
          bootstrap-servers: %s
          cameras:
            lobby:
              url: %s
              fps: 15
              max-width: 384
              max-height: 288
          """.formatted(broker.bootstrapServers(), video));
      TopologyConfig c = TopologyLoader.load(Path.of("topologies/demo.yaml"), broker.bootstrapServers());
      TopologyConfig config = new TopologyConfig(
          c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
          new TopologyConfig.Realtime(TopologyConfig.Policy.BACKFILL, c.realtime().maxLag()),
          c.inference(), c.outputs(), c.episodes(), c.cameras(), c.streams());
      try (Engine engine = Engine.start(config, EngineMetrics.inMemory(), tmp.resolve("state"))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(out, err);
        int code = cmd.execute("ingest", "--cameras", cameras.toString(), "--status-every", "2s", "--http-port", "0");
        System.out.println(out);
        assertEquals(ExitCodes.OK, code, err.toString());
        assertTrue(out.toString().contains("ingest: camera lobby ended"), out.toString());

        List<ConsumerRecord<byte[], byte[]>> frames =
            TestConsumers.readAll(broker.bootstrapServers(), List.of("frames")).get("frames");
        assertTrue(frames.size() >= 115 && frames.size() <= 121, "8 s at 15 fps: " + frames.size());
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> r : frames) {
          assertEquals("lobby", new String(r.key(), StandardCharsets.UTF_8));
          long ts = Long.parseLong(new String(r.headers().lastHeader(FrameContract.CAPTURE_TS).value(),
              StandardCharsets.UTF_8));
          first = Math.min(first, ts);
          last = Math.max(last, ts);
        }
        // Windows end on whole seconds, from the first frame + the clip (1.6 s) to the last − grace.
        long expected = (last - 300) / 1000 - (first + 1600 + 999) / 1000 + 1;
        List<JsonNode> predictions = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (predictions.size() < expected && System.nanoTime() < deadline) {
          predictions.clear();
          for (ConsumerRecord<byte[], byte[]> r :
              TestConsumers.readAll(broker.bootstrapServers(), List.of("predictions")).get("predictions")) {
            predictions.add(JSON.readTree(r.value()));
          }
        }
        TreeSet<Long> ends = new TreeSet<>();
        for (JsonNode p : predictions) {
          assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.PREDICTION, p));
          assertEquals("lobby", p.get("camera").asText());
          assertTrue(ends.add(p.get("window_end").asLong()), "one prediction per window");
        }
        assertEquals(expected, predictions.size(), "every window predicted: " + ends);
        long right = predictions.stream().filter(p -> p.get("label").asText().equals("move_right")).count();
        System.out.printf("ingest e2e: %d frames, %d windows, %d say move_right%n", frames.size(), expected, right);
        assertTrue(right * 10 >= expected * 6, right + " of " + expected + " say move_right: " + predictions);
        assertFalse(out.toString().contains("\tat "), "no stack trace");
      }
    }
  }

  @Test
  void unreachableBrokersStopIngestWithExitCodeFive() throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(out, err).execute(
        "ingest", "--cameras", "config/cameras.yaml", "--http-port", "0", "--bootstrap-servers", "127.0.0.1:" + ChildJvm.freePort());

    assertEquals(ExitCodes.BROKER, code, err.toString());
    assertTrue(err.toString().contains("cannot create topics [frames] on 127.0.0.1:"), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    assertEquals("", out.toString(), "nothing started");
  }

  static void ffmpeg(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ffmpeg timed out");
    assertEquals(0, p.exitValue(), "ffmpeg failed: " + log);
  }

  /** The command line with its output captured. */
  private static final class CommandLine {
    private final picocli.CommandLine cmd = Main.commandLine();

    CommandLine(StringWriter out, StringWriter err) {
      cmd.setOut(new PrintWriter(out, true));
      cmd.setErr(new PrintWriter(err, true));
    }

    int execute(String... args) {
      return cmd.execute(args);
    }
  }
}
