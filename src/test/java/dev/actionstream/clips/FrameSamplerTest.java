package dev.actionstream.clips;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FrameSamplerTest {

  @Test
  void samplesUniformlyOverTheWindowTakingNearestFrames() {
    // 15 fps frames over [0, 1600]; 8 samples at 0, 228.6, ..., 1600
    long[] times = new long[25];
    for (int i = 0; i < times.length; i++) {
      times[i] = Math.round(i * 1000 / 15.0);
    }
    int[] picks = new int[8];
    int distinct = FrameSampler.sample(times, 24, 1600, 1600, picks);
    // nearest to 0, 228.6, 457.1, 685.7, 914.3, 1142.9, 1371.4, 1600 (frame 24 at 1600 is excluded:
    // count 24 -> last frame 23 at 1533)
    assertArrayEquals(new int[] {0, 3, 7, 10, 14, 17, 21, 23}, picks);
    assertEquals(8, distinct);
  }

  @Test
  void slowCameraRepeatsFramesAndCountsDistinctOnes() {
    long[] times = {0, 500, 1000, 1500};
    int[] picks = new int[8];
    int distinct = FrameSampler.sample(times, 4, 1600, 1600, picks);
    assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3}, picks);
    assertEquals(4, distinct);
  }

  @Test
  void tiesGoToTheEarlierFrame() {
    long[] times = {0, 100};
    int[] picks = new int[3]; // samples at 0, 50, 100
    FrameSampler.sample(times, 2, 100, 100, picks);
    assertArrayEquals(new int[] {0, 0, 1}, picks);
  }

  @Test
  void singleFrameFillsTheClip() {
    int[] picks = new int[4];
    assertEquals(1, FrameSampler.sample(new long[] {700}, 1, 1600, 1600, picks));
    assertArrayEquals(new int[] {0, 0, 0, 0}, picks);
  }
}
