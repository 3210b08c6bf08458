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
    Integer[] order = new Integer[probs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
    List<LabelScore> top = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      top.add(new LabelScore(labels.get(order[i]), round(probs[order[i]])));
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
        config.model().name(),
        config.applicationId(),
        Math.round(inferenceNanos / 1e4) / 100.0,
        wallNow - end);
  }

  /** Six decimals: enough for scores, and keeps records short. */
  private static double round(float p) {
    return Math.round(p * 1e6) / 1e6;
  }
}
