package dev.actionstream.config;

import java.nio.file.Path;

/**
 * A configuration file is wrong. The message names the kind of file, the file and the field at
 * fault ({@code "cameras config/cameras.yaml: cameras.door.fps: must be > 0, got -1"}), so that the
 * operator knows which line to fix.
 */
public class ConfigError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String field;
  private final String reason;

  public ConfigError(String kind, Path file, String field, String reason, Throwable cause) {
    super(kind + " " + shown(file) + ": " + field + ": " + reason, cause);
    this.file = file;
    this.field = field;
    this.reason = reason;
  }

  /** The file at fault. */
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
  public static Path shown(Path file) {
    Path cwd = Path.of("").toAbsolutePath();
    Path abs = file.toAbsolutePath().normalize();
    return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs) : file;
  }

  /** Builds the error type of one kind of file, so that callers can tell the files apart. */
  @FunctionalInterface
  public interface Factory {
    ConfigError create(Path file, String field, String reason, Throwable cause);
  }
}
