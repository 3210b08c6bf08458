package dev.actionstream;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real models the tests run: every manifest.yaml under the models directory that has a golden/
 * set beside it. The directory is {@code -Dactionstream.models.dir=...} (or the environment
 * variable ACTIONSTREAM_MODELS_DIR), else {@code <repo>/models}.
 *
 * <p>Finding none fails the tests that need them: a parity suite that passes on zero models proves
 * nothing.
 */
public final class TestModels {
  public static final String PROPERTY = "actionstream.models.dir";
  public static final String ENV = "ACTIONSTREAM_MODELS_DIR";

  private TestModels() {}

  public static Path dir() {
    String dir = System.getProperty(PROPERTY, System.getenv(ENV));
    // Surefire runs tests in the project directory, where models/ lives.
    return Path.of(dir == null || dir.isBlank() ? "models" : dir).toAbsolutePath().normalize();
  }

  /** Manifests with a golden set, sorted by path; fails when there are none. */
  public static List<Path> withGolden() {
    Path dir = dir();
    List<Path> found;
    if (!Files.isDirectory(dir)) {
      found = List.of();
    } else {
      try (Stream<Path> files = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
        found =
            files
                .filter(p -> p.getFileName().toString().equals("manifest.yaml"))
                .filter(
                    p ->
                        Files.isRegularFile(
                            p.resolveSibling(GoldenSet.DIR).resolve(GoldenSet.FILE)))
                .sorted()
                .toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertFalse(
        found.isEmpty(),
        String.format(
            "no manifest.yaml with a golden/ set under %s; export one (tools/modelkit/export.py)"
                + " or point -D%s=DIR at some",
            dir, PROPERTY));
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
