package dev.actionstream.topology;

import dev.actionstream.config.ConfigError;
import java.nio.file.Path;

/**
 * A topology file is wrong: invalid, or its model cannot be loaded or does not match its manifest.
 *
 * <p>The message names the file and the field at fault ({@code "topology topologies/demo.yaml:
 * windows.hop: must be a duration such as 500ms, 2s or 1m, got 'abc'"}), as {@link
 * dev.actionstream.model.ManifestError} does for manifests.
 */
public class TopologyError extends ConfigError {
  private static final long serialVersionUID = 1L;

  public TopologyError(Path file, String field, String reason) {
    this(file, field, reason, null);
  }

  public TopologyError(Path file, String field, String reason, Throwable cause) {
    super("topology", file, field, reason, cause);
  }
}
