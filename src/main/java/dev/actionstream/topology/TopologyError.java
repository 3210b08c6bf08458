package dev.actionstream.topology;

import java.nio.file.Path;

/**
 * A topology file is wrong: invalid, or its model cannot be loaded or does not match its manifest.
 *
 * <p>The message names the file and the field at fault ({@code "topology topologies/demo.yaml:
 * windows.hop: must be a duration such as 500ms, 2s or 1m, got 'abc'"}), as {@link
 * dev.actionstream.model.ManifestError} does for manifests, so that the operator knows which line
 * to fix.
 */
public class TopologyError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String field;
  private final String reason;

  public TopologyError(Path file, String field, String reason) {
    this(file, field, reason, null);
  }

  public TopologyError(Path file, String field, String reason, Throwable cause) {
    super("topology " + shown(file) + ": " + field + ": " + reason, cause);
    this.file = file;
    this.field = field;
    this.reason = reason;
  }

  /** The topology file. */
  public Path file() {
    return file;
  }

  /** The dotted YAML path of the field at fault, e.g. {@code episodes.enter} or {@code model}. */
  public String field() {
    return field;
  }

  /** The message without the file and field. */
  public String reason() {
    return reason;
  }

  /** Relative to the working directory when the file lies under it: shorter, and what was typed. */
  static Path shown(Path file) {
    Path cwd = Path.of("").toAbsolutePath();
    Path abs = file.toAbsolutePath().normalize();
    return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs) : file;
  }
}
