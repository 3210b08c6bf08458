package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.FlowEncoding;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Two consecutive frames' grayscale crops ({@link GrayCrop}) → the flow field a flow model's input
 * stacks: 2 x crop x crop floats, x then y, each displacement clipped to ±bound, encoded (raw or
 * quantized to the 8-bit flow-image value) and normalised with the manifest's scale, mean and std.
 * Float32 arithmetic in the order MANIFEST.md gives, so that it equals the Python reference.
 *
 * <p>Not thread-safe: it reuses its images and the flow solver.
 */
public final class FlowFields implements AutoCloseable {
  private final OpticalFlow flow;
  private final int crop;
  private final int area;
  private final float bound;
  private final boolean quantized;
  private final float levels; // 255 / (2·bound)
  private final float scale;
  private final float[] mean = new float[2];
  private final float[] std = new float[2];
  private final Mat prev;
  private final Mat next;
  private final byte[] bytes;
  private final float[] raw;

  public FlowFields(ModelManifest manifest) {
    ModelManifest.Flow f = manifest.flow();
    if (f == null) {
      throw new IllegalArgumentException("model " + manifest.name() + " has no flow modality");
    }
    this.flow = new OpticalFlow(f.method() == ModelManifest.FlowMethod.TVL1
        ? OpticalFlow.Method.TVL1
        : OpticalFlow.Method.FARNEBACK);
    this.crop = manifest.preprocessing().crop();
    this.area = crop * crop;
    this.bound = (float) f.bound();
    this.quantized = f.encoding() == FlowEncoding.QUANTIZED;
    this.levels = (float) (255.0 / (2.0 * f.bound()));
    this.scale = (float) manifest.preprocessing().scale();
    for (int k = 0; k < 2; k++) {
      mean[k] = (float) (double) manifest.preprocessing().mean().get(k);
      std[k] = (float) (double) manifest.preprocessing().std().get(k);
    }
    this.prev = new Mat(crop, crop, CV_8UC1);
    this.next = new Mat(crop, crop, CV_8UC1);
    this.bytes = new byte[area];
    this.raw = new float[2 * area];
  }

  /** Floats of one field: 2 · crop · crop. */
  public int fieldFloats() {
    return 2 * area;
  }

  /**
   * The field from frame {@code a} to frame {@code b} (their gray crops at {@code offset}) into
   * {@code dst[0, fieldFloats())}.
   */
  public void compute(float[] a, float[] b, int offset, float[] dst) {
    load(a, offset, prev);
    load(b, offset, next);
    flow.computeGray(prev, next, raw, 0);
    for (int k = 0; k < 2; k++) {
      int from = k * area;
      for (int i = from; i < from + area; i++) {
        float v = Math.max(-bound, Math.min(bound, raw[i]));
        float value = quantized ? (float) Math.rint((v + bound) * levels) : v;
        dst[i] = (value * scale - mean[k]) / std[k];
      }
    }
  }

  private void load(float[] gray, int offset, Mat into) {
    for (int i = 0; i < area; i++) {
      bytes[i] = (byte) (int) gray[offset + i];
    }
    into.data().put(bytes, 0, area);
  }

  @Override
  public void close() {
    flow.close();
    prev.close();
    next.close();
  }
}
