package dev.actionstream.clips;

/**
 * Picks the T clip frames of a window: at sample times t_i = end − D + i·D/(T−1) (or a manifest's
 * segment times), each taking the frame nearest in capture time, ties to the earlier (tools/modelkit/preprocess.py
 * nearest_frames; PyTorchVideo's UniformTemporalSubsample over the window's frames). Frames may
 * repeat when the camera is slower than the model's sampling; callers count distinct frames.
 */
public final class FrameSampler {
  private FrameSampler() {}

  /**
   * @param frameTimes capture times of the window's candidate frames, ascending, at least one
   * @param out receives, per clip frame, an index into frameTimes
   * @return the number of distinct frames picked
   */
  public static int sample(long[] frameTimes, int count, long end, long durationMs, int[] out) {
    int t = out.length;
    double[] at = new double[t];
    for (int i = 0; i < t; i++) {
      at[i] = t == 1 ? end : end - durationMs + (double) i * durationMs / (t - 1);
    }
    return sample(frameTimes, count, at, out);
  }

  /**
   * The same for given sample times ({@code ModelManifest.Clip#sampleTimes}: uniform, or TSN's
   * segments), ascending.
   */
  public static int sample(long[] frameTimes, int count, double[] sampleTimes, int[] out) {
    if (count < 1) {
      throw new IllegalArgumentException("no candidate frames");
    }
    int t = out.length;
    int distinct = 0;
    int previous = -1;
    int j = 0;
    for (int i = 0; i < t; i++) {
      double at = sampleTimes[i];
      // Sample times rise, so the search resumes where the last one stopped.
      while (j < count && frameTimes[j] < at) {
        j++;
      }
      int pick;
      if (j == 0) {
        pick = 0;
      } else if (j >= count) {
        pick = count - 1;
      } else {
        pick = frameTimes[j] - at < at - frameTimes[j - 1] ? j : j - 1;
      }
      out[i] = pick;
      if (pick != previous) {
        distinct++;
        previous = pick;
      }
    }
    return distinct;
  }
}
