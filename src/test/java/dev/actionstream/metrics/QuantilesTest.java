package dev.actionstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Nearest-rank quantiles of samples, and quantile bounds read off a real timer's buckets. */
class QuantilesTest {

  @Test
  void nearestRankOfSortedSamples() {
    double[] s = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    assertEquals(List.of(10.0, 50.0, 100.0, 100.0),
        List.of(Quantiles.nearestRank(s, 0.0), Quantiles.nearestRank(s, 0.5), Quantiles.nearestRank(s, 0.95),
            Quantiles.nearestRank(s, 0.99)));
    assertTrue(Double.isNaN(Quantiles.nearestRank(new double[0], 0.5)));
  }

  @Test
  void bucketBoundIsTheSmallestBucketHoldingTheQuantile() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      Timer t = Timer.builder("t").serviceLevelObjectives(
          Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500)).register(r);
      // 90 values at 50 ms, 8 at 150 ms, 2 at 2 s (beyond the last bucket).
      for (int i = 0; i < 90; i++) {
        t.record(50, TimeUnit.MILLISECONDS);
      }
      for (int i = 0; i < 8; i++) {
        t.record(150, TimeUnit.MILLISECONDS);
      }
      t.record(2, TimeUnit.SECONDS);
      t.record(2, TimeUnit.SECONDS);
      var counts = t.takeSnapshot().histogramCounts();
      assertEquals(List.of(100.0, 200.0, Double.POSITIVE_INFINITY),
          List.of(Quantiles.bucketBoundMs(counts, 100, 0.5), Quantiles.bucketBoundMs(counts, 100, 0.95),
              Quantiles.bucketBoundMs(counts, 100, 0.99)));
      assertTrue(Double.isNaN(Quantiles.bucketBoundMs(counts, 0, 0.5)));
    } finally {
      r.close();
    }
  }
}
