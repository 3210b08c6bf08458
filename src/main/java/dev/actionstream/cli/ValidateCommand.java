package dev.actionstream.cli;

import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.ModelCheck;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code actionstream validate FILE}: the checks the engine makes at start, without starting. FILE
 * is a model manifest or a topology file.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check a model manifest or a topology file, and the ONNX model, as the engine does at start.",
      "",
      "A manifest (format: actionstream-model/v1): loads it and its label file, opens the ONNX "
          + "model and checks its inputs and outputs against the manifest, then prints a summary. "
          + "Exit code 2 and a message naming the field when something does not match.",
      "",
      "A topology file (application-id: ...): checks every field, loads its model as above, "
          + "then prints a summary. Exit code 4 and a message naming the field when something "
          + "is wrong."
    })
final class ValidateCommand implements Callable<Integer> {

  // A manifest declares its format on a top-level line; a topology has no such key. Read as text
  // so that a manifest that is not even valid YAML still gets the manifest loader's message.
  private static final Pattern MANIFEST_LINE = Pattern.compile("^format\\s*:.*");

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "a model's manifest.yaml or a topology file")
  Path file;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT[,...]",
      description =
          "For a topology: the brokers, overriding the ACTIONSTREAM_BOOTSTRAP_SERVERS environment "
              + "variable and the file's bootstrap-servers. Validation does not connect to them.")
  String bootstrapServers;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new ParameterException(spec.commandLine(), file + ": no such file");
    }
    return isManifest(file) ? manifest() : topology();
  }

  private int manifest() {
    ModelManifest m = ManifestLoader.load(file);
    // One thread: validation only opens the graph, it runs nothing.
    try (ModelSession session = ModelSession.open(m, new SessionSettings(1))) {
      PrintWriter out = spec.commandLine().getOut();
      Summary.print(out, session);
      if (GoldenSet.existsFor(m)) {
        GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(m));
        out.printf(
            "  golden    %s/: %d input file(s), tolerance %.1e (model-bench checks parity)%n",
            m.file().getParent().relativize(golden.dir()),
            golden.inputs().size(),
            golden.tolerance());
      } else {
        out.println("  golden    none");
      }
      out.println("OK");
    }
    return ExitCodes.OK;
  }

  private int topology() {
    TopologyConfig config = TopologyLoader.load(file, bootstrapServers);
    // The same model check as at engine start: one thread, opens the graph, runs nothing.
    List<ModelSession> sessions = ModelCheck.openAll(config, new SessionSettings(1));
    try {
      PrintWriter out = spec.commandLine().getOut();
      TopologySummary.print(out, config);
      for (int i = 0; i < sessions.size(); i++) {
        if (config.fusion() != null) {
          out.printf("fused %d of %d, weight %s:%n", i + 1, sessions.size(),
              Summary.num(config.members().get(i).weight()));
        }
        Summary.print(out, sessions.get(i));
      }
      out.println("OK");
    } finally {
      sessions.forEach(ModelSession::close);
    }
    return ExitCodes.OK;
  }

  static boolean isManifest(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.anyMatch(line -> MANIFEST_LINE.matcher(line).matches());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (UncheckedIOException e) {
      return false; // not text: let the topology loader say what is wrong
    }
  }
}
