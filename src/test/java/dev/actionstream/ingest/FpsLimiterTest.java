package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Thinning by dropping: the average holds for faster sources, slower ones keep all, gaps no burst. */
class FpsLimiterTest {

  /** Capture times of a source at {@code fps} for {@code seconds}, whole milliseconds, from t0. */
  private static List<Long> source(long t0, double fps, double seconds) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < fps * seconds; i++) {
      out.add(t0 + Math.round(i * 1000 / fps));
    }
    return out;
  }

  private static List<Long> kept(FpsLimiter limiter, List<Long> times) {
    return times.stream().filter(limiter::accept).toList();
  }

  @Test
  void twentyFiveToTenKeepsTenPerSecond() {
    FpsLimiter limiter = new FpsLimiter(10);
    List<Long> kept = kept(limiter, source(1_700_000_000_000L, 25, 60));
    assertTrue(Math.abs(kept.size() - 600) <= 1, "kept " + kept.size() + " of 1500 in 60 s");
    // Every second on its own keeps 10 (± the grid's phase), not a burst then nothing.
    long t0 = kept.get(0);
    for (int s = 0; s < 60; s++) {
      long from = t0 + s * 1000L;
      long n = kept.stream().filter(t -> t >= from && t < from + 1000).count();
      assertTrue(n >= 9 && n <= 11, "second " + s + ": " + n);
    }
    // 25 fps frames land every 40 ms: kept ones are 80 or 120 ms apart, 100 ms on average.
    for (int i = 1; i < kept.size(); i++) {
      long gap = kept.get(i) - kept.get(i - 1);
      assertTrue(gap == 80 || gap == 120, "gap " + gap);
    }
  }

  @Test
  void thirtyToFifteenAndOddRatesHoldTheAverage() {
    assertEquals(450, kept(new FpsLimiter(15), source(0, 30, 30)).size(), 1);
    assertEquals(300, kept(new FpsLimiter(10), source(0, 29.97, 30)).size(), 1);
    assertEquals(225, kept(new FpsLimiter(7.5), source(0, 25, 30)).size(), 1);
  }

  @Test
  void aSlowerSourceKeepsEveryFrame() {
    List<Long> times = source(5_000, 8, 30);
    assertEquals(times, kept(new FpsLimiter(10), times));
    List<Long> same = source(5_000, 10, 30);
    assertEquals(same, kept(new FpsLimiter(10), same), "the same rate too");
    // A jittery source at about the target rate, a little early at times, loses nearly nothing.
    List<Long> jitter = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      jitter.add(i * 100L + (i % 3 == 0 ? -3 : i % 3 == 1 ? 2 : 0));
    }
    assertTrue(kept(new FpsLimiter(9.5), jitter).size() >= 280);
  }

  @Test
  void zeroKeepsEverything() {
    List<Long> times = source(0, 60, 10);
    assertEquals(times, kept(new FpsLimiter(0), times));
  }

  @Test
  void aGapDoesNotLetABurstThrough() {
    FpsLimiter limiter = new FpsLimiter(10);
    List<Long> before = kept(limiter, source(0, 25, 5));
    assertEquals(50, before.size(), 1);
    // The camera stalls for 10 s, then frames come at 25 fps again, first a backlog at once.
    List<Long> after = new ArrayList<>();
    long resume = 15_000;
    for (int i = 0; i < 10; i++) {
      after.add(resume + i); // 10 frames within 10 ms
    }
    after.addAll(source(resume + 40, 25, 5));
    List<Long> keptAfter = kept(limiter, after);
    for (int i = 1; i < keptAfter.size(); i++) {
      long gap = keptAfter.get(i) - keptAfter.get(i - 1);
      assertTrue(gap >= 80, "kept frames " + gap + " ms apart after the gap: " + keptAfter);
    }
    long firstSecond = keptAfter.stream().filter(t -> t < resume + 1000).count();
    assertTrue(firstSecond <= 11, "a burst after the gap: " + firstSecond + " in the first second");
    assertEquals(50, keptAfter.size(), 2);
  }
}
