package dev.actionstream.cli;

import dev.actionstream.http.HttpSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --http-port}, {@code --http-bind}, {@code --no-http}: override the file's http section. */
final class HttpOptions {
  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "port of /metrics, /healthz, /readyz (and the live view); 0 = any free port, -1 = none. "
              + "Overrides the file's http.port.")
  Integer port;

  @Option(
      names = "--http-bind",
      paramLabel = "ADDRESS",
      description = "address the HTTP server binds (default 127.0.0.1; 0.0.0.0 = all interfaces). "
          + "Overrides the file's http.bind.")
  String bind;

  @Option(names = "--no-http", description = "no HTTP server (same as --http-port -1)")
  boolean off;

  /** The file's settings with the flags applied. */
  HttpSettings resolve(HttpSettings fromFile, CommandSpec spec) {
    HttpSettings s = fromFile;
    try {
      if (bind != null) {
        s = s.withBind(bind);
      }
      if (port != null) {
        s = s.withPort(port);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    return off ? s.withPort(HttpSettings.DISABLED_PORT) : s;
  }
}
