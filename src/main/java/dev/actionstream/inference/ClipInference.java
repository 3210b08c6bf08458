package dev.actionstream.inference;

import ai.onnxruntime.OrtException;
import dev.actionstream.frames.ClipAssembler;
import dev.actionstream.model.ModelManifest;

/**
 * One caller's way into the shared {@link ModelSession}: its own reused input buffers, so any
 * number of stream threads can infer at once. Not thread-safe: one instance per task.
 */
public final class ClipInference {
  private final ModelSession session;
  private final ClipBuffers buffers;
  private final ClipAssembler assembler;
  private final boolean logits;

  public ClipInference(ModelSession session) {
    this.session = session;
    this.buffers = session.newBuffers(1);
    this.assembler = new ClipAssembler(session.manifest());
    this.logits = session.manifest().output().type() == ModelManifest.OutputType.LOGITS;
  }

  public ModelManifest manifest() {
    return session.manifest();
  }

  /**
   * Runs one clip.
   *
   * @param frames the T clip frames' preprocessed C×H×W planes, in clip order (repeats allowed)
   * @return class probabilities (softmax of the logits where the model outputs logits)
   */
  public float[] probabilities(float[][] frames) throws OrtException {
    assembler.fill(buffers, 0, frames);
    session.runInPlace(buffers, 1);
    float[] scores = buffers.scores(0);
    return logits ? softmax(scores) : scores;
  }

  /** Softmax of logits, computed stably (max subtracted). */
  public static float[] softmax(float[] x) {
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
