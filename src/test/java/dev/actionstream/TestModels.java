package dev.actionstream;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real models the tests run: every manifest.yaml that has a golden/ set beside it, under the
 * model directories. These are {@code -Dactionstream.models.dir=DIR[:DIR...]} (or the environment
 * variable ACTIONSTREAM_MODELS_DIR), else {@code <repo>/models} plus {@code target/test-models}
 * when present: bin/test exports an official architecture there with the model kit, so that
 * parity covers PyTorch's export of a full-size X3D too.
 *
 * <p>Finding none fails the tests that need them: a parity suite that passes on zero models proves
 * nothing.
 */
public final class TestModels {
  public static final String PROPERTY = "actionstream.models.dir";
  public static final String ENV = "ACTIONSTREAM_MODELS_DIR";

  private TestModels() {}

  public static List<Path> dirs() {
    String dirs = System.getProperty(PROPERTY, System.getenv(ENV));
    if (dirs != null && !dirs.isBlank()) {
      return Stream.of(dirs.split(File.pathSeparator))
          .map(d -> Path.of(d).toAbsolutePath().normalize())
          .toList();
    }
    // Surefire runs tests in the project directory, where models/ lives.
    return Stream.of(Path.of("models"), Path.of("target", "test-models"))
        .map(d -> d.toAbsolutePath().normalize())
        .filter(d -> d.getFileName().toString().equals("models") || Files.isDirectory(d))
        .toList();
  }

  /** Manifests with a golden set, sorted by path; fails when there are none. */
  public static List<Path> withGolden() {
    List<Path> found = new ArrayList<>();
    for (Path dir : dirs()) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
        files
            .filter(p -> p.getFileName().toString().equals("manifest.yaml"))
            .filter(p -> Files.isRegularFile(p.resolveSibling(GoldenSet.DIR).resolve(GoldenSet.FILE)))
            .forEach(found::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    found.sort(Comparator.naturalOrder());
    assertFalse(
        found.isEmpty(),
        String.format(
            "no manifest.yaml with a golden/ set under %s; export one (tools/modelkit/export.py)"
                + " or point -D%s=DIR at some",
            dirs(), PROPERTY));
    return found;
  }

  /** The model with the smallest ONNX file: for tests that open or run a model many times. */
  public static ModelManifest smallest() {
    return withGolden().stream()
        .map(ManifestLoader::load)
        .min(Comparator.comparingLong(m -> size(m.onnx())))
        .orElseThrow();
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
