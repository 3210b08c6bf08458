package dev.actionstream.cli;

import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code actionstream validate MANIFEST}: the checks the engine makes at start, without starting.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check a model manifest and its ONNX model, as the engine does at start.",
      "",
      "Loads the manifest and its label file, opens the ONNX model and checks its inputs and "
          + "outputs against the manifest, then prints a summary. Exit code 2 and a message "
          + "naming the field when something does not match."
    })
final class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MANIFEST", description = "the model's manifest.yaml")
  Path manifestFile;

  @Override
  public Integer call() {
    ModelManifest m = ManifestLoader.load(manifestFile);
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
}
