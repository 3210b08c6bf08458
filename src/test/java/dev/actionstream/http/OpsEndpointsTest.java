package dev.actionstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OpsEndpointsTest {
  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void metricsHealthAndReadiness() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("actionstream.test.things").tag("camera", "a").register(registry).increment(3);
    AtomicReference<String> notReady = new AtomicReference<>("kafka streams state REBALANCING");
    try (HttpEndpoints http = OpsEndpoints.start(HttpSettings.defaults(0), registry, notReady::get)) {
      String base = http.baseUrl();
      assertTrue(base.startsWith("http://127.0.0.1:"), base);

      HttpResponse<String> metrics = get(base + "/metrics");
      assertEquals(200, metrics.statusCode());
      assertEquals(OpsEndpoints.PROMETHEUS_CONTENT_TYPE, metrics.headers().firstValue("Content-Type").orElseThrow());
      assertTrue(metrics.body().contains("actionstream_test_things_total{camera=\"a\"} 3.0"), metrics.body());
      assertEquals(404, get(base + "/metrics/other").statusCode());

      assertEquals(200, get(base + "/healthz").statusCode());
      HttpResponse<String> r = get(base + "/readyz");
      assertEquals(503, r.statusCode());
      assertEquals("not ready: kafka streams state REBALANCING\n", r.body());
      notReady.set(null);
      assertEquals(200, get(base + "/readyz").statusCode());
      notReady.set("engine stopped");
      assertEquals(503, get(base + "/readyz").statusCode());
    }
  }

  @Test
  void disabledStartsNothingAndABusyPortIsNamed() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    assertNull(OpsEndpoints.start(HttpSettings.DISABLED, registry, () -> null));
    try (HttpEndpoints first = OpsEndpoints.start(HttpSettings.defaults(0), registry, () -> null)) {
      HttpBindError e = assertThrows(HttpBindError.class,
          () -> OpsEndpoints.start(HttpSettings.defaults(first.port()), registry, () -> null));
      assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
      assertTrue(e.getMessage().contains("--http-port"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> HttpSettings.defaults(65536));
    assertThrows(IllegalArgumentException.class, () -> new HttpSettings(" ", 80));
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
