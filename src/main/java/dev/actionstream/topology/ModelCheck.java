package dev.actionstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.actionstream.inference.ExecutionProvider;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.ModelSignature;
import dev.actionstream.inference.ProviderUnavailable;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig.Inference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a topology's model and checks it against its manifest and the topology, so that a model
 * that does not fit is refused at start with a {@link TopologyError} on field {@code model} (or
 * {@code inference.batch}), not at the first clip. It opens the model on the topology's execution
 * provider, so a GPU provider this build or machine lacks is refused here too, on field {@code
 * inference.provider}.
 */
public final class ModelCheck {
  private ModelCheck() {}

  /**
   * Opens the model once on one thread and closes it: the check of {@code validate} and of every
   * engine start (it reads the graph, runs nothing).
   */
  public static ModelSignature check(TopologyConfig config) {
    List<ModelSession> sessions = openAll(config, new SessionSettings(1));
    ModelSignature first = sessions.get(0).signature();
    sessions.forEach(ModelSession::close);
    return first;
  }

  /**
   * Opens the model for use, with the same checks as {@link #check}: an engine that opens its
   * session through here needs no separate check. A fusion's first member only; see {@link
   * #openAll}.
   */
  public static ModelSession open(TopologyConfig config, SessionSettings settings) {
    return open(config, config.model(), "model", settings);
  }

  /** Every model a window runs through (a fusion's members, in order), each checked. */
  public static List<ModelSession> openAll(TopologyConfig config, SessionSettings settings) {
    if (config.fusion() == null) {
      return List.of(open(config, settings));
    }
    List<ModelSession> sessions = new ArrayList<>();
    try {
      List<TopologyConfig.Member> members = config.fusion().members();
      for (int i = 0; i < members.size(); i++) {
        sessions.add(open(config, members.get(i).manifest(), "model.fuse[" + i + "].manifest", settings));
      }
    } catch (RuntimeException e) {
      sessions.forEach(ModelSession::close);
      throw e;
    }
    return List.copyOf(sessions);
  }

  private static ModelSession open(
      TopologyConfig config, ModelManifest m, String field, SessionSettings settings) {
    ModelSession session;
    try {
      session = ModelSession.open(m, settings.withProvider(provider(config.inference())));
    } catch (ProviderUnavailable e) {
      // The topology asks for a provider this machine or build lacks: one line, exit code 4.
      throw new TopologyError(config.file(), "inference.provider", e.getMessage(), e);
    } catch (ManifestError e) {
      throw new TopologyError(
          config.file(), field, modelPath(config, m) + ": " + e.getMessage() + exportHint(e, m), e);
    }
    int batch = config.inference().batch();
    if (batch > session.signature().maxBatch()) {
      session.close();
      throw new TopologyError(
          config.file(),
          "inference.batch",
          "%d, but model %s has a fixed batch of %d; use batch: 1 or export it with a dynamic"
              .formatted(batch, m.name(), session.signature().maxBatch())
              + " batch axis");
    }
    return session;
  }

  /** The topology's inference section as ONNX Runtime settings. */
  static ExecutionProvider provider(Inference i) {
    ExecutionProvider.Kind kind =
        switch (i.provider()) {
          case CPU -> ExecutionProvider.Kind.CPU;
          case CUDA -> ExecutionProvider.Kind.CUDA;
          case TENSORRT -> ExecutionProvider.Kind.TENSORRT;
        };
    return new ExecutionProvider(kind, i.deviceId(), i.gpuMemLimit(), i.fp16(), i.trtCacheDir());
  }

  /** The manifest as the topology names it, relative to the topology file. */
  private static Path modelPath(TopologyConfig config, ModelManifest m) {
    return config.file().getParent().relativize(m.file());
  }

  /**
   * The official models' ONNX files exist only once the user has exported them: say how, with the
   * command the manifest itself records ({@code source.export}, written by modelkit.export).
   */
  private static String exportHint(ManifestError e, ModelManifest m) {
    if (!e.field().equals("onnx") || Files.exists(m.onnx())) {
      return "";
    }
    JsonNode source = manifestSource(m.file());
    String command = source.path("export").asText("");
    String weights = source.path("weights").asText("");
    if (command.isEmpty()) {
      return ". Export the model with tools/modelkit (python3 -m modelkit.export, see"
          + " tools/modelkit/MANIFEST.md) so that this file exists";
    }
    String hint = ". Create it from the repository root with: " + command;
    if (command.contains("--checkpoint") && weights.startsWith("https://")) {
      hint += " (download the checkpoint first: " + weights + ")";
    }
    return hint;
  }

  private static JsonNode manifestSource(Path manifest) {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(manifest.toFile()).path("source");
    } catch (IOException | RuntimeException e) {
      return MissingNode.getInstance();
    }
  }
}
