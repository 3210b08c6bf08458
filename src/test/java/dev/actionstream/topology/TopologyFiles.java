package dev.actionstream.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small topology files written for a test, against the demo X3D manifest of this repository. */
final class TopologyFiles {
  /** The demo X3D manifest: 8 labels (idle first), 8 frames over 1.6 s. */
  static final Path DEMO_MODEL = Path.of("config/models/demo-x3d.yaml").toAbsolutePath();

  private TopologyFiles() {}

  /** {@code application-id: t}, the demo model, then {@code yaml}. */
  static Path minimal(Path dir, String yaml) {
    return write(dir, "application-id: t\nmodel: " + DEMO_MODEL + "\n" + yaml);
  }

  static Path write(Path dir, String yaml) {
    try {
      return Files.writeString(dir.resolve("topology.yaml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
