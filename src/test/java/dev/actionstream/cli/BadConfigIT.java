package dev.actionstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ChildJvm;
import dev.actionstream.broker.EmbeddedBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Reliability item 4: {@code run} with a bad model or topology against a real broker whose input
 * topic exists, so that only the configuration can stop it. Each is refused at start with exit
 * code and message naming the problem, no stack trace, and nothing half-started: no topic created,
 * no consumer group, no state directory. (The loaders' own checks are unit-tested in
 * ManifestLoaderTest, TopologyValidationTest and TopologyModelCheckTest; this is the start path.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BadConfigIT {
  private static final Path X3D = Path.of("models/demo/x3d").toAbsolutePath();
  private static final Path SLOWFAST_ONNX = Path.of("models/demo/slowfast/model.onnx").toAbsolutePath();

  @TempDir Path tmp;

  /** A case: what to change in the manifest, its files and the topology, and what must be said. */
  private record Case(
      String name,
      UnaryOperator<String> manifest,
      FileEdit files,
      UnaryOperator<String> topology,
      int exitCode,
      List<String> message) {}

  private interface FileEdit {
    void apply(Path dir) throws IOException;
  }

  private static final FileEdit NONE = dir -> {};

  @Test
  void badModelsAndTopologiesAreRefusedAtStartLeavingNothingBehind() throws Exception {
    List<Case> cases =
        List.of(
            new Case(
                "text file as ONNX",
                m -> m,
                dir -> Files.writeString(dir.resolve("model.onnx"), "this is not an ONNX model\n"),
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model:", "model.onnx")),
            new Case(
                "another model's ONNX",
                m -> m,
                dir -> Files.copy(SLOWFAST_ONNX, dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING),
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model:", "'input' is not an input of")),
            new Case(
                "manifest names an input the model lacks",
                m -> m.replace("{name: input,", "{name: frames,"),
                NONE,
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model:", "inputs[0].name", "'frames' is not an input of")),
            new Case(
                "manifest input shape differs from the model's",
                m -> m.replace("short_side: 64", "short_side: 96").replace("crop: 64", "crop: 96"),
                NONE,
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model:", "preprocessing.crop")),
            new Case(
                "missing labels file",
                m -> m,
                dir -> Files.delete(dir.resolve("labels.txt")),
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model", "labels.txt")),
            new Case(
                "7 labels for a model with 8 outputs",
                m -> m.replace("classes: 8", "classes: 7"),
                dir -> Files.writeString(
                    dir.resolve("labels.txt"),
                    String.join("\n", Files.readAllLines(dir.resolve("labels.txt")).subList(1, 8)) + "\n"),
                t -> t,
                ExitCodes.BAD_TOPOLOGY,
                List.of("model:", "output")),
            new Case(
                "invalid topology field",
                m -> m,
                NONE,
                t -> t.replace("exit: 0.4", "exit: 0.9"),
                ExitCodes.BAD_TOPOLOGY,
                List.of("episodes.exit", "0.9")));

    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
        Admin admin = admin(broker.bootstrapServers())) {
      broker.createTopics(Map.of("frames", 2));
      List<String> report = new ArrayList<>();
      for (Case c : cases) {
        Path dir = Files.createDirectories(tmp.resolve("case-" + cases.indexOf(c)));
        Path topology = setUp(dir, c);
        Path state = dir.resolve("state");
        StringWriter err = new StringWriter();
        int code =
            execute(err, "run", topology.toString(), "--http-port", "-1",
                "--bootstrap-servers", broker.bootstrapServers(), "--state-dir", state.toString());
        String said = err.toString();
        report.add(c.name() + " -> exit " + code + ": " + said.strip());
        assertEquals(c.exitCode(), code, c.name() + ": " + said);
        for (String m : c.message()) {
          assertTrue(said.contains(m), c.name() + ": says '" + m + "': " + said);
        }
        assertFalse(said.contains("\tat "), c.name() + ": no stack trace: " + said);
        assertNothingStarted(admin, state, c.name());
      }
      report.forEach(System.out::println);
    }
  }

  @Test
  void unreachableBrokersLeaveNoStateDirectory() throws Exception {
    Path state = tmp.resolve("state");
    StringWriter err = new StringWriter();
    int code =
        execute(err, "run", "topologies/demo.yaml", "--http-port", "-1",
            "--bootstrap-servers", "127.0.0.1:" + ChildJvm.freePort(), "--state-dir", state.toString());
    assertEquals(ExitCodes.BROKER, code, err.toString());
    assertTrue(err.toString().contains("cannot reach the Kafka brokers at 127.0.0.1:"), err.toString());
    assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    assertFalse(Files.exists(state), "no state directory: " + state);
  }

  /** The demo X3D's files in {@code dir} (edited per case) and a topology naming them. */
  private static Path setUp(Path dir, Case c) throws IOException {
    Files.copy(X3D.resolve("model.onnx"), dir.resolve("model.onnx"));
    Files.copy(X3D.resolve("labels.txt"), dir.resolve("labels.txt"));
    String manifest =
        Files.readString(X3D.resolve("manifest.yaml"))
            .replaceAll("(?m)^onnx: .*$", "onnx: model.onnx")
            .replaceAll("(?m)^labels: .*$", "labels: labels.txt");
    Files.writeString(dir.resolve("manifest.yaml"), c.manifest().apply(manifest));
    c.files().apply(dir);
    String topology =
        Files.readString(Path.of("topologies/demo.yaml"))
            .replace("model: ../config/models/demo-x3d.yaml", "model: manifest.yaml");
    Path file = dir.resolve("topology.yaml");
    Files.writeString(file, c.topology().apply(topology));
    return file;
  }

  private static void assertNothingStarted(Admin admin, Path state, String name) throws Exception {
    assertEquals(Set.of("frames"), admin.listTopics().names().get(), name + ": no topic created");
    List<String> groups =
        admin.listGroups().all().get().stream().map(GroupListing::groupId).toList();
    assertEquals(List.of(), groups, name + ": no consumer group");
    assertFalse(Files.exists(state), name + ": no state directory " + state);
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }

  private static int execute(StringWriter err, String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    return cmd.execute(args);
  }
}
