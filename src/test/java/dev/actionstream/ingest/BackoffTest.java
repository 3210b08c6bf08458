package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Capped exponential backoff with at most 20 % jitter, and reset. */
class BackoffTest {

  private static void assertWithinJitter(long nominal, long wait) {
    assertTrue(wait <= nominal && wait >= Math.round(nominal * 0.8),
        "wait " + wait + " ms for nominal " + nominal + " ms");
  }

  @Test
  void doublesUpToTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 1);
    long[] nominal = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (long n : nominal) {
      assertWithinJitter(n, b.nextMillis());
    }
  }

  @Test
  void aCapThatIsNoPowerOfTwoStepIsHeld() {
    Backoff b = new Backoff(Duration.ofMillis(300), Duration.ofMillis(1000), 3);
    long[] nominal = {300, 600, 1000, 1000};
    for (long n : nominal) {
      assertWithinJitter(n, b.nextMillis());
    }
  }

  @Test
  void jitterIsAtMostTwentyPercentAndSpreadsCameras() {
    List<Long> first = new ArrayList<>();
    for (int seed = 0; seed < 500; seed++) {
      long w = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), seed).nextMillis();
      assertWithinJitter(10_000, w);
      first.add(w);
    }
    Set<Long> distinct = new HashSet<>(first);
    assertTrue(distinct.size() > 100, "cameras do not reconnect in lock step: " + distinct.size());
    long min = first.stream().mapToLong(Long::longValue).min().orElseThrow();
    long max = first.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(min < 8_400 && max > 9_600, "jitter uses its range: " + min + ".." + max);
  }

  @Test
  void resetStartsOver() {
    Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 7);
    for (int i = 0; i < 6; i++) {
      b.nextMillis();
    }
    assertWithinJitter(5000, b.nextMillis());
    b.reset();
    assertWithinJitter(200, b.nextMillis());
    assertWithinJitter(400, b.nextMillis());
  }

  @Test
  void aMaxBelowTheInitialIsTheInitial() {
    Backoff b = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 1);
    assertWithinJitter(2000, b.nextMillis());
    assertWithinJitter(2000, b.nextMillis());
    assertEquals(true, new Backoff(Duration.ZERO, Duration.ZERO, 1).nextMillis() >= 1);
  }
}
