package dev.actionstream.metrics;

/**
 * Events per second over the last few seconds (a camera's published fps), from a ring of
 * fixed-width time buckets: O(1) per event, no allocation. Thread-safe.
 */
public final class RateWindow {
  private final long bucketNanos;
  private final long[] counts;
  private final long[] bucketIds;
  private long first = Long.MIN_VALUE;

  /** A rate over {@code buckets} buckets of {@code bucketNanos} each. */
  public RateWindow(int buckets, long bucketNanos) {
    this.bucketNanos = bucketNanos;
    this.counts = new long[buckets];
    this.bucketIds = new long[buckets];
    java.util.Arrays.fill(bucketIds, Long.MIN_VALUE);
  }

  /** 5 s in 250 ms buckets. */
  public static RateWindow fiveSeconds() {
    return new RateWindow(20, 250_000_000L);
  }

  public synchronized void mark(long nowNanos) {
    if (first == Long.MIN_VALUE) {
      first = nowNanos;
    }
    long id = Math.floorDiv(nowNanos, bucketNanos);
    int i = (int) Math.floorMod(id, counts.length);
    if (bucketIds[i] != id) {
      bucketIds[i] = id;
      counts[i] = 0;
    }
    counts[i]++;
  }

  /**
   * Events per second over the window ending at {@code nowNanos} (over the time since the first
   * event while that is shorter); 0 before any event or after a silent window.
   */
  public synchronized double rate(long nowNanos) {
    if (first == Long.MIN_VALUE) {
      return 0;
    }
    long current = Math.floorDiv(nowNanos, bucketNanos);
    long oldest = current - counts.length + 1;
    long sum = 0;
    for (int i = 0; i < counts.length; i++) {
      if (bucketIds[i] >= oldest && bucketIds[i] <= current) {
        sum += counts[i];
      }
    }
    // The window covers its oldest bucket's start to now; shorter while the first event is newer.
    long span = Math.min(nowNanos - oldest * bucketNanos, nowNanos - first);
    // At least one bucket wide: a rate from a handful of nanoseconds would be meaningless.
    span = Math.max(span, bucketNanos);
    return sum * 1e9 / span;
  }
}
