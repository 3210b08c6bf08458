package dev.actionstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ChildJvm;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.TestConsumers;
import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code actionstream run}: refusals at start, and a real run as a child process. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RunCommandIT {
  @TempDir Path tmp;
  private Process process;

  @AfterEach
  void killLeftover() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static int execute(StringWriter err, String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    return cmd.execute(args);
  }

  @Test
  void unreachableBrokersStopTheStartWithExitCode5() throws IOException {
    StringWriter err = new StringWriter();
    int code =
        execute(err, "run", "topologies/demo.yaml", "--http-port", "0", "--bootstrap-servers", "127.0.0.1:" + ChildJvm.freePort(),
            "--state-dir", tmp.toString());
    assertEquals(ExitCodes.BROKER, code, err.toString());
    assertTrue(err.toString().contains("cannot reach the Kafka brokers at 127.0.0.1:"), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
  }

  @Test
  void missingInputTopicIsNamed() {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      StringWriter err = new StringWriter();
      int code =
          execute(err, "run", "topologies/demo.yaml", "--http-port", "0", "--bootstrap-servers", broker.bootstrapServers(),
              "--state-dir", tmp.toString());
      assertEquals(ExitCodes.BROKER, code, err.toString());
      assertTrue(err.toString().contains("input topic 'frames' (input.topic) does not exist"), err.toString());
    }
  }

  @Test
  void invalidTopologyIsRefusedBeforeAnyConnection() throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(
        bad,
        Files.readString(Path.of("topologies/demo.yaml"))
            .replace("model: ../config/models/demo-x3d.yaml", "model: " + Path.of("config/models/demo-x3d.yaml").toAbsolutePath())
            .replace("hop: 1s", "hop: often"));
    StringWriter err = new StringWriter();
    assertEquals(ExitCodes.BAD_TOPOLOGY, execute(err, "run", bad.toString(), "--http-port", "0"));
    assertTrue(err.toString().contains("windows.hop: must be a duration"), err.toString());
  }

  @Test
  void runPredictsPublishedFramesAndStopsCleanlyOnSigterm() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 2));
      process =
          new ProcessBuilder(
                  ChildJvm.command(
                      tmp,
                      // INFO shows the engine's state changes (tests log warnings only)
                      List.of("-Dorg.slf4j.simpleLogger.log.dev.actionstream=info"),
                      Main.class, "run", "topologies/demo.yaml", "--http-port", "0", "--bootstrap-servers",
                      broker.bootstrapServers(), "--state-dir", tmp.resolve("state").toString()))
              .redirectError(tmp.resolve("stderr").toFile())
              .start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String ready = CompletableFuture.supplyAsync(() -> ChildJvm.readLine(out)).get(90, TimeUnit.SECONDS);
      assertTrue(String.valueOf(ready).startsWith("run: actionstream-demo: frames -> predictions"), ready + "\n" + stderr());

      long start = System.currentTimeMillis();
      try (FramePublisher pub = new FramePublisher(broker.bootstrapServers(), "frames", Map.of());
          SyntheticCamera cam = new SyntheticCamera("gate", CameraScript.random(3, start, 5_000), 3)) {
        while (cam.hasNext()) {
          CameraFrame f = cam.next();
          pub.publish("gate", f.captureTimeMs(), f.sequence(), f.jpeg());
        }
      }
      // windows end at whole seconds from start + 1.6 s to the last frame (start + 4.93 s) − 0.3 s
      long expected = (start + 4933 - 300) / 1000 - (start + 1600 + 999) / 1000 + 1;
      List<Long> ends = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ends.size() < expected && System.nanoTime() < deadline) {
        for (var r : TestConsumers.readAll(broker.bootstrapServers(), List.of("predictions")).get("predictions")) {
          ends.add(r.timestamp());
        }
      }
      assertEquals(expected, ends.size(), stderr());

      assertTrue(process.toHandle().destroy());
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM\n" + stderr());
      assertEquals(143, process.exitValue(), stderr());
      assertFalse(stderr().contains(" ERROR "), stderr());
      assertTrue(stderr().contains("actionstream-demo: PENDING_SHUTDOWN -> NOT_RUNNING"), "closed the engine\n" + stderr());
    }
  }

  private String stderr() {
    return ChildJvm.read(tmp.resolve("stderr"));
  }


}
