package dev.actionstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code actionstream broker} as a real child process: what a user runs in a terminal. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrokerCommandIT {
  private static final Pattern READY =
      Pattern.compile("broker: listening on 127\\.0\\.0\\.1:(\\d+) \\(KRaft, data in (.+)\\)");

  @TempDir Path tmp;

  private Process process;

  @AfterEach
  void killLeftover() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void startsOnTheGivenPortCreatesTheTopicsAndStopsCleanlyOnSigterm() throws Exception {
    int port = ChildJvm.freePort();
    process = start("broker", "--port", String.valueOf(port), "--partitions", "2");
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));

    String line = CompletableFuture.supplyAsync(() -> ChildJvm.readLine(out)).get(90, TimeUnit.SECONDS);

    Matcher ready = READY.matcher(String.valueOf(line));
    assertTrue(ready.matches(), line + "\n" + stderr());
    assertEquals(String.valueOf(port), ready.group(1));
    Path dataDir = Path.of(ready.group(2));
    assertTrue(Files.isDirectory(dataDir), dataDir + " exists while running");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
      Map<String, TopicDescription> topics =
          admin
              .describeTopics(Set.of("frames", "predictions", "events", "alerts", "dead-letters"))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS);
      assertEquals(
          Map.of("frames", 2, "predictions", 2, "events", 2, "alerts", 2, "dead-letters", 2),
          topics.values().stream()
              .collect(Collectors.toMap(TopicDescription::name, t -> t.partitions().size())));
    }

    // SIGTERM, as Process.destroy() sends, but without closing our end of its stdout.
    assertTrue(process.toHandle().destroy());

    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM\n" + stderr());
    assertEquals(143, process.exitValue(), "128 + SIGTERM\n" + stderr());
    assertFalse(Files.exists(dataDir), "temporary data dir deleted by the clean close");
    assertEquals(List.of(), out.lines().toList(), "nothing else on stdout");
  }

  @Test
  void portInUseExitsWithTheBrokerCodeAndSaysSo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      process = start("broker", "--port", String.valueOf(taken.getLocalPort()));

      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits\n" + stderr());

      assertEquals(ExitCodes.BROKER, process.exitValue(), stderr());
      assertEquals(
          "error: cannot start the Kafka broker: 127.0.0.1:"
              + taken.getLocalPort()
              + " is already in use",
          stderr().strip());
      assertEquals("", new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void partitionsBelowOneIsAUsageError() {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cmd = Main.commandLine();
    cmd.setErr(new java.io.PrintWriter(err, true));

    assertEquals(ExitCodes.USAGE, cmd.execute("broker", "--port", "0", "--partitions", "0"));
    assertTrue(err.toString().startsWith("--partitions: must be at least 1"), err.toString());
  }

  /** The CLI's main class on this test run's class path, stderr to a file. */
  private Process start(String... args) throws IOException {
    return new ProcessBuilder(ChildJvm.command(tmp, Main.class, args))
        .redirectError(tmp.resolve("stderr").toFile())
        .start();
  }

  private String stderr() {
    return ChildJvm.read(tmp.resolve("stderr"));
  }


}
