package dev.actionstream.ingest;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Capped exponential backoff between reconnects: initial, 2×, 4×, … up to max, each wait shortened
 * by up to 20 % at random so that cameras behind one failed switch do not reconnect in lock step.
 * {@link #reset()} after a frame arrives.
 */
final class Backoff {
  private final long initialMs;
  private final long maxMs;
  private final SplittableRandom jitter;
  private long nextMs;

  Backoff(Duration initial, Duration max, long seed) {
    this.initialMs = Math.max(1, initial.toMillis());
    this.maxMs = Math.max(initialMs, max.toMillis());
    this.jitter = new SplittableRandom(seed);
    this.nextMs = initialMs;
  }

  /** The next wait, and doubles the one after (up to max). */
  long nextMillis() {
    long wait = nextMs;
    nextMs = Math.min(maxMs, nextMs * 2);
    return Math.max(1, Math.round(wait * (1 - 0.2 * jitter.nextDouble())));
  }

  void reset() {
    nextMs = initialMs;
  }
}
