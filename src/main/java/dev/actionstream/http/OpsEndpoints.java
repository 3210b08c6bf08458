package dev.actionstream.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The operating endpoints of a process: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (200 while the process is alive) and {@code /readyz} (200 when the process does
 * its work; 503 with the reason otherwise).
 */
public final class OpsEndpoints {
  /** Prometheus text exposition format 0.0.4. */
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private OpsEndpoints() {}

  /**
   * Registers the three paths.
   *
   * @param notReady the reason the process is not ready, or null when it is (called per request)
   */
  public static void install(
      HttpEndpoints http, PrometheusMeterRegistry registry, Supplier<String> notReady) {
    http.handle("/metrics", ex -> {
      try {
        if (!exact(ex.getRequestURI().getPath(), "/metrics")) {
          HttpEndpoints.respond(ex, 404, "not found\n");
          return;
        }
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        HttpEndpoints.respond(ex, 200, PROMETHEUS_CONTENT_TYPE, body);
      } finally {
        ex.close();
      }
    });
    http.handle("/healthz", ex -> {
      try {
        HttpEndpoints.respond(ex, 200, "ok\n");
      } finally {
        ex.close();
      }
    });
    http.handle("/readyz", ex -> {
      try {
        String reason;
        try {
          reason = notReady.get();
        } catch (RuntimeException e) {
          reason = "readiness check failed: " + e;
        }
        if (reason == null) {
          HttpEndpoints.respond(ex, 200, "ready\n");
        } else {
          HttpEndpoints.respond(ex, 503, "not ready: " + reason + "\n");
        }
      } finally {
        ex.close();
      }
    });
  }

  /**
   * Starts the HTTP server per {@code settings} with the three paths; null when disabled.
   *
   * @throws HttpBindError when it cannot listen there
   */
  public static HttpEndpoints start(
      HttpSettings settings, PrometheusMeterRegistry registry, Supplier<String> notReady) {
    if (!settings.enabled()) {
      return null;
    }
    HttpEndpoints http = HttpEndpoints.start(settings.bind(), settings.port());
    install(http, registry, notReady);
    return http;
  }

  /** The line a command prints at start. */
  public static String describe(HttpEndpoints http) {
    return http == null
        ? "HTTP off (no /metrics, /healthz, /readyz)"
        : "metrics " + http.baseUrl() + "/metrics, health " + http.baseUrl() + "/healthz, readiness "
            + http.baseUrl() + "/readyz";
  }

  private static boolean exact(String path, String expected) {
    return path.equals(expected) || path.equals(expected + "/");
  }
}
