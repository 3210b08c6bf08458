package dev.actionstream.inference;

import dev.actionstream.model.ModelManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Reusable direct, native-order buffers for a batch of clips: one per model input (N x C x T x H x
 * W floats) and one for the scores (N x classes).
 *
 * <p>ONNX Runtime wraps direct buffers without copying (OnnxTensor.createTensor over a heap buffer
 * would copy the whole clip on every run), and reusing them keeps the hot path free of large
 * garbage. Not thread-safe: each caller owns its own, writes clips into its slots, then hands it to
 * {@link ModelSession#run}. Obtain one from {@link ModelSession#newBuffers(int)}.
 */
public final class ClipBuffers {
  private final ModelManifest manifest;
  private final int batchSize;
  private final int classes;
  private final long[][] clipShapes; // per input: C, T, H, W
  private final int[] clipFloats; // per input: C·T·H·W
  private final FloatBuffer[] inputs; // per input: batchSize clips back to back
  private final FloatBuffer scores; // batchSize rows of classes

  ClipBuffers(ModelManifest manifest, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.manifest = manifest;
    this.batchSize = batchSize;
    this.classes = manifest.output().classes();
    List<ModelManifest.Input> in = manifest.inputs();
    this.clipShapes = new long[in.size()][];
    this.clipFloats = new int[in.size()];
    this.inputs = new FloatBuffer[in.size()];
    for (int i = 0; i < in.size(); i++) {
      clipShapes[i] = manifest.clipShape(in.get(i));
      long floats = 1;
      for (long d : clipShapes[i]) {
        floats *= d;
      }
      clipFloats[i] = Math.toIntExact(floats);
      inputs[i] = allocate(Math.multiplyExact(clipFloats[i], batchSize));
    }
    this.scores = allocate(Math.multiplyExact(classes, batchSize));
  }

  /**
   * Buffers for a manifest without opening its model (benchmarks, tests); the engine gets them from
   * {@link ModelSession#newBuffers(int)}, which checks the manifest against the model first.
   */
  public static ClipBuffers allocate(ModelManifest manifest, int batchSize) {
    return new ClipBuffers(manifest, batchSize);
  }

  private static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES))
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  public ModelManifest manifest() {
    return manifest;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Model inputs, in manifest order. */
  public int inputCount() {
    return inputs.length;
  }

  /** Floats in one clip of input {@code input}: C·T·H·W. */
  public int clipFloats(int input) {
    return clipFloats[input];
  }

  /**
   * One clip slot of one input, as a view to write C x T x H x W floats into (position 0). Views
   * are cheap but not free: callers on a hot path keep the ones they use.
   */
  public FloatBuffer clip(int input, int slot) {
    Objects.checkIndex(slot, batchSize);
    int from = slot * clipFloats[input];
    return inputs[input].duplicate().clear().position(from).limit(from + clipFloats[input]).slice();
  }

  /**
   * Copies {@code src[from, from + length)} to floats {@code [at, at + length)} of clip slot {@code
   * slot} of input {@code input}: an absolute bulk put, without the views {@link #clip} makes.
   */
  public void put(int input, int slot, int at, float[] src, int from, int length) {
    Objects.checkIndex(slot, batchSize);
    Objects.checkFromIndexSize(at, length, clipFloats[input]);
    FloatBuffer all = inputs[input];
    all.clear(); // a run limits the buffer to its batch; absolute puts respect the limit
    all.put(slot * clipFloats[input] + at, src, from, length);
  }

  /** Scores of one clip slot from the last run, copied out. */
  public float[] scores(int slot) {
    Objects.checkIndex(slot, batchSize);
    float[] row = new float[classes];
    scores.duplicate().clear().position(slot * classes).get(row);
    return row;
  }

  /** The first {@code n} clips of an input, positioned for OnnxTensor.createTensor. */
  FloatBuffer inputBatch(int input, int n) {
    return inputs[input].clear().limit(n * clipFloats[input]);
  }

  long[] inputShape(int input, int n) {
    long[] s = clipShapes[input];
    return new long[] {n, s[0], s[1], s[2], s[3]};
  }

  /** The first {@code n} score rows, positioned for OnnxTensor.createTensor. */
  FloatBuffer scoresBatch(int n) {
    return scores.clear().limit(n * classes);
  }

  long[] scoresShape(int n) {
    return new long[] {n, classes};
  }
}
