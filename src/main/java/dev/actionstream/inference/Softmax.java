package dev.actionstream.inference;

/** Class probabilities from a model's logits. */
public final class Softmax {
  private Softmax() {}

  /** Softmax of {@code x}, computed stably (the maximum is subtracted first). */
  public static float[] of(float[] x) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v);
    }
    double sum = 0;
    float[] p = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      p[i] = (float) Math.exp(x[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= (float) sum;
    }
    return p;
  }
}
