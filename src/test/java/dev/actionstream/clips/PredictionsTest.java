package dev.actionstream.clips;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.actionstream.engine.OutputSerializer;
import dev.actionstream.events.Prediction;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PredictionsTest {
  private static final TopologyConfig DEMO = TopologyLoader.load(Path.of("topologies", "demo.yaml"));

  /** What the records ranked by before: a stable sort of boxed indices by descending score. */
  private static int[] sortedIndices(float[] probs, int k) {
    Integer[] order = new Integer[probs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
    int[] top = new int[k];
    for (int i = 0; i < k; i++) {
      top[i] = order[i];
    }
    return top;
  }

  @Test
  void topKIsScoreDescendingThenClassOrderAsTheStableSortGave() {
    SplittableRandom rng = new SplittableRandom(5);
    float[] odd = {0f, -0f, Float.NaN, 1f, 0.25f};
    for (int trial = 0; trial < 2000; trial++) {
      float[] p = new float[1 + rng.nextInt(24)];
      for (int i = 0; i < p.length; i++) {
        // Few distinct values: many ties, and now and then ±0 and NaN.
        p[i] = rng.nextInt(10) == 0 ? odd[rng.nextInt(odd.length)] : rng.nextInt(5) / 4f;
      }
      int k = 1 + rng.nextInt(p.length);
      int[] got = new int[k];
      int previous = -1;
      for (int r = 0; r < k; r++) {
        got[r] = previous = Predictions.next(p, previous);
      }
      assertArrayEquals(sortedIndices(p, k), got, Arrays.toString(p) + " k=" + k);
    }
  }

  /** The predictions topic's bytes, as they were before the top-k selection changed. */
  @Test
  void predictionRecordSerialisesAsBefore() {
    float[] probs = {0.02f, 0.3071f, 0.05f, 0.3071f, 0.1f, 0.3e-4f, 0.0012345f, 0.2145155f};
    Prediction p = Predictions.of(
        "gate-3", 1_700_000_000_000L, 1_700_000_001_600L, 7, probs, DEMO, 12_345_678L, 1_700_000_001_680L);

    String json = new String(new OutputSerializer().serialize("predictions", p), StandardCharsets.UTF_8);

    // A tie (classes 1 and 3) ranks by class order; 3e-5 prints as Double.toString does.
    assertEquals(
        "{\"camera\":\"gate-3\",\"window_start\":1700000000000,\"window_end\":1700000001600,\"frames\":7,"
            + "\"label\":\"move_left\",\"score\":0.3071,"
            + "\"top_k\":[{\"label\":\"move_left\",\"score\":0.3071},{\"label\":\"move_up\",\"score\":0.3071},{\"label\":\"fall\",\"score\":0.214516}],"
            + "\"scores\":[0.02,0.3071,0.05,0.3071,0.1,3.0E-5,0.001234,0.214516],"
            + "\"model\":\"demo_x3d\",\"topology\":\"actionstream-demo\",\"inference_ms\":12.35,\"latency_ms\":80}",
        json);
  }
}
