package dev.actionstream.http;

/**
 * Where the process's HTTP server (metrics, health, live view) listens.
 *
 * @param bind address to bind: {@value HttpEndpoints#DEFAULT_BIND} by default, so nothing is
 *     reachable from other hosts unless asked for (e.g. {@code 0.0.0.0} in a container)
 * @param port TCP port; 0 = any free port; -1 = no HTTP server
 */
public record HttpSettings(String bind, int port) {
  public static final int DISABLED_PORT = -1;
  /** The engine's default port ({@code run}, {@code demo}). */
  public static final int ENGINE_PORT = 8080;
  /** The camera ingest's default port: beside an engine on the same host. */
  public static final int INGEST_PORT = 8081;

  public static final HttpSettings DISABLED = new HttpSettings(HttpEndpoints.DEFAULT_BIND, DISABLED_PORT);

  public HttpSettings {
    if (bind == null || bind.isBlank()) {
      throw new IllegalArgumentException("http bind address must not be blank");
    }
    if (port < DISABLED_PORT || port > 65535) {
      throw new IllegalArgumentException("http port must be in 0..65535, or -1 for none, got " + port);
    }
    bind = bind.strip();
  }

  public static HttpSettings defaults(int port) {
    return new HttpSettings(HttpEndpoints.DEFAULT_BIND, port);
  }

  public boolean enabled() {
    return port != DISABLED_PORT;
  }

  public HttpSettings withPort(int p) {
    return new HttpSettings(bind, p);
  }

  public HttpSettings withBind(String b) {
    return new HttpSettings(b, port);
  }

  /** {@code 127.0.0.1:8080}, or {@code off}. */
  @Override
  public String toString() {
    return enabled() ? bind + ":" + port : "off";
  }
}
