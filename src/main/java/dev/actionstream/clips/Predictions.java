package dev.actionstream.clips;

import dev.actionstream.events.Prediction;
import dev.actionstream.events.Prediction.LabelScore;
import dev.actionstream.topology.TopologyConfig;
import java.util.ArrayList;
import java.util.List;

/** Builds prediction records from a clip's probabilities. */
public final class Predictions {
  private Predictions() {}

  public static Prediction of(
      String camera,
      long start,
      long end,
      int frames,
      float[] probs,
      TopologyConfig config,
      long inferenceNanos,
      long wallNow) {
    List<String> labels = config.model().labels();
    int k = Math.min(config.outputs().topK(), probs.length);
    List<LabelScore> top = new ArrayList<>(k);
    int previous = -1;
    for (int i = 0; i < k; i++) {
      previous = next(probs, previous);
      top.add(new LabelScore(labels.get(previous), round(probs[previous])));
    }
    List<Double> all = new ArrayList<>(probs.length);
    for (float p : probs) {
      all.add(round(p));
    }
    return new Prediction(
        camera,
        start,
        end,
        frames,
        top.get(0).label(),
        top.get(0).score(),
        top,
        all,
        config.modelName(),
        config.applicationId(),
        Math.round(inferenceNanos / 1e4) / 100.0,
        wallNow - end);
  }

  /**
   * The class ranked after {@code previous} (-1: the first) in the order score descending, then
   * index ascending: what a stable sort by descending score gives, found by one pass per rank (k
   * is a handful) instead of sorting all classes as boxed indices.
   */
  static int next(float[] probs, int previous) {
    int best = -1;
    for (int i = 0; i < probs.length; i++) {
      if (previous >= 0) {
        int c = Float.compare(probs[i], probs[previous]);
        if (c > 0 || (c == 0 && i <= previous)) {
          continue; // ranked before or at previous
        }
      }
      if (best < 0 || Float.compare(probs[i], probs[best]) > 0) {
        best = i;
      }
    }
    return best;
  }

  /** Six decimals: enough for scores, and keeps records short. */
  private static double round(float p) {
    return Math.round(p * 1e6) / 1e6;
  }
}
