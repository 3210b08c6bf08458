package dev.actionstream.inference;

import dev.actionstream.model.ModelManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Reusable direct, native-order buffers for a batch of clips: one per model input (N x C x T x H x
 * W floats, or N·K x C·S x H x W for NCHW) and one for the scores (N x classes, or N·K x classes
 * when the engine averages the segments).
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
  private final ModelManifest.Input[] in; // manifest inputs
  private final int[] clipFloats; // per input: one clip's floats (C·T·H·W, or K·C·S·H·W)
  private final FloatBuffer[] inputs; // per input: batchSize clips back to back
  private final int rows; // output rows per clip: K segments averaged, or 1
  private final FloatBuffer scores; // batchSize · rows rows of classes

  ClipBuffers(ModelManifest manifest, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.manifest = manifest;
    this.batchSize = batchSize;
    this.classes = manifest.output().classes();
    List<ModelManifest.Input> list = manifest.inputs();
    this.in = list.toArray(ModelManifest.Input[]::new);
    this.clipFloats = new int[in.length];
    this.inputs = new FloatBuffer[in.length];
    for (int i = 0; i < in.length; i++) {
      long floats = 1;
      for (long d : manifest.clipShape(in[i])) {
        floats *= d;
      }
      clipFloats[i] = Math.toIntExact(floats);
      inputs[i] = allocate(Math.multiplyExact(clipFloats[i], batchSize));
    }
    this.rows = manifest.outputRowsPerClip();
    this.scores = allocate(Math.multiplyExact(Math.multiplyExact(classes, rows), batchSize));
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

  /** Floats in one clip of input {@code input}: C·T·H·W (NCTHW) or K·C·S·H·W (NCHW). */
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

  /**
   * Scores of one clip slot from the last run, copied out: its row, or with {@code consensus:
   * average} the mean of its K segment rows (in float32, segment order, as the reference's mean).
   */
  public float[] scores(int slot) {
    Objects.checkIndex(slot, batchSize);
    float[] row = new float[classes];
    FloatBuffer all = scores.duplicate().clear();
    int base = slot * rows * classes;
    if (rows == 1) {
      all.position(base).get(row);
      return row;
    }
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < classes; k++) {
        row[k] += all.get(base + r * classes + k);
      }
    }
    for (int k = 0; k < classes; k++) {
      row[k] /= rows;
    }
    return row;
  }

  /** The first {@code n} clips of an input, positioned for OnnxTensor.createTensor. */
  FloatBuffer inputBatch(int input, int n) {
    return inputs[input].clear().limit(n * clipFloats[input]);
  }

  long[] inputShape(int input, int n) {
    return manifest.inputShape(in[input], n);
  }

  /** The score rows of the first {@code n} clips, positioned for OnnxTensor.createTensor. */
  FloatBuffer scoresBatch(int n) {
    return scores.clear().limit(n * rows * classes);
  }

  long[] scoresShape(int n) {
    return new long[] {(long) n * rows, classes};
  }
}
