package dev.actionstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void namesWithoutFunctionsLabelsAndKeywords() {
    assertEquals(
        Set.of("actionstream_inference_seconds_bucket"),
        PromQl.metricNames(
            "histogram_quantile(0.95, sum by (le) (rate(actionstream_inference_seconds_bucket{job=\"engine\"}[$__rate_interval])))"));
    assertEquals(
        Set.of("actionstream_windows_total"),
        PromQl.metricNames("sum without (instance) (rate(actionstream_windows_total{outcome=~\"skipped|x\"}[5m])) * 60"));
    assertEquals(
        Set.of("a_sum", "a_count"),
        PromQl.metricNames("sum(rate(a_sum[1m])) / on (job) group_left sum(rate(a_count[1m]))"));
    assertEquals(Set.of("up"), PromQl.metricNames("up{camera=\"$camera\"} == 1e3"));
  }

  @Test
  void expositionParsesAndRefusesGarbage() {
    String text = "# HELP x_total help text\n# TYPE x_total counter\nx_total{camera=\"a\",reason=\"b c\"} 3.0\n"
        + "y NaN\nz_bucket{le=\"+Inf\"} 2\n";
    assertEquals(Set.of("x_total", "y", "z_bucket"), PromQl.exposedNames(text));
    assertEquals(3.0, PromQl.value(text, "x_total", "camera=\"a\""));
    assertThrows(IllegalArgumentException.class, () -> PromQl.exposedNames("x_total{camera=a} 1\n"));
  }
}
