package dev.actionstream.metrics;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.concurrent.TimeUnit;

/** Percentiles for reports: exact ones of kept samples, bounded ones of histogram buckets. */
public final class Quantiles {
  private Quantiles() {}

  /** Nearest-rank quantile of sorted values; NaN when empty. */
  public static double nearestRank(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /**
   * Upper bound of the {@code q} quantile from cumulative bucket counts (a Micrometer timer's
   * service-level-objective buckets), in milliseconds: the smallest bucket bound holding at least
   * q of {@code total}; +Inf when it lies beyond the last bucket, NaN when total is 0. Same
   * resolution as Prometheus' histogram_quantile, without its interpolation.
   */
  public static double bucketBoundMs(CountAtBucket[] cumulative, long total, double q) {
    if (total <= 0) {
      return Double.NaN;
    }
    double need = q * total;
    for (CountAtBucket b : cumulative) {
      if (b.count() >= need) {
        return b.bucket(TimeUnit.MILLISECONDS);
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
