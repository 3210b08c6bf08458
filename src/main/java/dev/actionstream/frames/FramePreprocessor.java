package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.function.IntBinaryOperator;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One decoded frame → the C x crop x crop normalised floats a model input holds for it: exactly
 * tools/modelkit/preprocess.py (optional region crop, × scale, bilinear short-side resize with
 * half-pixel centres and no antialiasing, centre crop, (x − mean) / std, channels as the manifest
 * orders them).
 *
 * <p>Only the crop × crop pixels that survive the centre crop are interpolated, straight from the
 * 8-bit pixels, with the arithmetic of PyTorch's channels-last bilinear kernel (see {@link Axis}
 * for the weights; one float32 weighted sum of the four neighbours). Resizing the whole frame with
 * OpenCV and then cropping gives the same numbers within 1e-6 (FramePreprocessorTest checks both)
 * but interpolates and converts every pixel of the frame, most of which the crop throws away.
 *
 * <p>Not thread-safe: it keeps the sampling tables of the last frame size and a scratch copy of the
 * source rows it needs. One instance per thread; a frame of a new size rebuilds the tables.
 */
public final class FramePreprocessor implements FrameStage {
  private static final int C = ModelManifest.CHANNELS;

  private final int shortSide;
  private final int crop;
  private final float[] mean = new float[C];
  private final float[] std = new float[C];
  private final float[] toFloat = new float[256]; // uint8 → uint8 · scale, as float32
  private final RegionOfInterest region;
  private final boolean bgrOut;

  // Sampling tables for frames of (tableWidth, tableHeight); built on first use and size change.
  private int tableWidth = -1;
  private int tableHeight = -1;
  private int regionX;
  private int regionY;
  private int[] x0; // per output column: byte offset of the left neighbour in a patch row
  private int[] x1;
  private float[] wx0;
  private float[] wx1;
  private int[] y0; // per output row: patch row of the upper neighbour
  private int[] y1;
  private float[] wy0;
  private float[] wy1;
  private int[] sourceRows; // patch row r holds source row sourceRows[r] (ROI-relative)
  private int columnFrom; // first source column of the patch (ROI-relative)
  private int patchRowBytes;
  private byte[] patch = new byte[0];
  private float[] plane = new float[0]; // for FloatBuffer output
  private int reductionWidth = -1;
  private int reductionHeight = -1;
  private int reduction = 1;
  private final IntBinaryOperator reducer = this::reduction;

  public FramePreprocessor(ModelManifest.Preprocessing pre) {
    this(pre, RegionOfInterest.FULL);
  }

  public FramePreprocessor(ModelManifest.Preprocessing pre, RegionOfInterest region) {
    this.shortSide = pre.shortSide();
    this.crop = pre.crop();
    if (crop < 1 || crop > shortSide) {
      throw new IllegalArgumentException("crop " + crop + " must be in 1..short side " + shortSide);
    }
    for (int c = 0; c < C; c++) {
      mean[c] = (float) (double) pre.mean().get(c);
      std[c] = (float) (double) pre.std().get(c);
    }
    float scale = (float) pre.scale();
    for (int v = 0; v < 256; v++) {
      toFloat[v] = (float) v * scale;
    }
    this.region = Objects.requireNonNull(region, "region");
    this.bgrOut = pre.channelOrder() == ChannelOrder.BGR;
  }

  public int crop() {
    return crop;
  }

  public RegionOfInterest region() {
    return region;
  }

  /**
   * The largest JPEG decode reduction (8, 4, 2, else 1) after which this camera's region of a
   * width × height frame still has a short side of at least the model's: the resize then still
   * only shrinks, from fewer pixels. For {@code input.decode-scale: auto}.
   */
  public int reduction(int width, int height) {
    if (width != reductionWidth || height != reductionHeight) { // a camera's size rarely changes
      reductionWidth = width;
      reductionHeight = height;
      reduction = reduction(region, shortSide, width, height);
    }
    return reduction;
  }

  /** {@link #reduction(int, int)} for any stage that resizes a region to a short side. */
  static int reduction(RegionOfInterest region, int shortSide, int width, int height) {
    for (int r = 8; r > 1; r /= 2) {
      int[] roi = region.pixels(ceilDiv(width, r), ceilDiv(height, r));
      if (Math.min(roi[2], roi[3]) >= shortSide) {
        return r;
      }
    }
    return 1;
  }

  /** {@link #reduction} as the decoder asks for it. */
  @Override
  public IntBinaryOperator reducer() {
    return reducer;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** Floats written per frame: C · crop · crop. */
  @Override
  public int frameFloats() {
    return C * crop * crop;
  }

  /**
   * Preprocesses an 8UC3 image (as {@link FrameDecoder} returns, BGR) into {@code dst[offset,
   * offset + frameFloats())}, laid out C x crop x crop.
   */
  @Override
  public void process(Mat image, ChannelOrder imageOrder, float[] dst, int offset) {
    if (image.type() != CV_8UC3) {
      throw new IllegalArgumentException("expected an 8-bit 3-channel image, got Mat type " + image.type());
    }
    prepare(image.cols(), image.rows());
    BytePointer data = image.data();
    long step = image.step();
    long from = (long) regionX * C + (long) columnFrom * C;
    for (int r = 0; r < sourceRows.length; r++) {
      data.position((regionY + sourceRows[r]) * step + from).get(patch, r * patchRowBytes, patchRowBytes);
    }
    interpolate(imageOrder, dst, offset);
  }

  /** As {@link #process(Mat, ChannelOrder, float[], int)} into a buffer at {@code index}. */
  public void process(Mat image, ChannelOrder imageOrder, FloatBuffer dst, int index) {
    ensurePlane();
    process(image, imageOrder, plane, 0);
    dst.put(index, plane, 0, plane.length);
  }

  /**
   * Preprocesses interleaved 8-bit pixels (height x width x 3, rows packed, as frames.u8 of a
   * golden set holds them) into {@code dst[offset, offset + frameFloats())}.
   */
  public void process(byte[] pixels, int width, int height, ChannelOrder imageOrder, float[] dst, int offset) {
    if ((long) width * height * C > pixels.length) {
      throw new IllegalArgumentException(
          "%d bytes cannot hold %dx%d x 3 pixels".formatted(pixels.length, width, height));
    }
    prepare(width, height);
    int from = (regionX + columnFrom) * C;
    for (int r = 0; r < sourceRows.length; r++) {
      int row = (regionY + sourceRows[r]) * width * C;
      System.arraycopy(pixels, row + from, patch, r * patchRowBytes, patchRowBytes);
    }
    interpolate(imageOrder, dst, offset);
  }

  /** As {@link #process(byte[], int, int, ChannelOrder, float[], int)} into a buffer. */
  public void process(byte[] pixels, int width, int height, ChannelOrder imageOrder, FloatBuffer dst, int index) {
    ensurePlane();
    process(pixels, width, height, imageOrder, plane, 0);
    dst.put(index, plane, 0, plane.length);
  }

  private void ensurePlane() {
    if (plane.length != frameFloats()) {
      plane = new float[frameFloats()];
    }
  }

  /** The resized size (height, width) preprocess.py's resized_size gives, short side first. */
  static int[] resizedSize(int h, int w, int shortSide) {
    // Same operation order as Python's h / w * short_side, in double, then floor.
    if (w < h) {
      return new int[] {(int) Math.floor((double) h / w * shortSide), shortSide};
    }
    return new int[] {shortSide, (int) Math.floor((double) w / h * shortSide)};
  }

  private void prepare(int width, int height) {
    if (width == tableWidth && height == tableHeight) {
      return;
    }
    int[] roi = region.pixels(width, height);
    regionX = roi[0];
    regionY = roi[1];
    int w = roi[2];
    int h = roi[3];
    int[] size = resizedSize(h, w, shortSide);
    int top = (size[0] - crop) / 2;
    int left = (size[1] - crop) / 2;

    Axis cols = new Axis(w, size[1], left, crop);
    Axis rows = new Axis(h, size[0], top, crop);
    columnFrom = cols.min;
    patchRowBytes = (cols.max - cols.min + 1) * C;
    x0 = new int[crop];
    x1 = new int[crop];
    for (int i = 0; i < crop; i++) {
      x0[i] = (cols.i0[i] - columnFrom) * C;
      x1[i] = (cols.i1[i] - columnFrom) * C;
    }
    wx0 = cols.l0;
    wx1 = cols.l1;
    // Only the distinct source rows the crop reads are copied: a 720p frame needs ~2·crop rows.
    int[] patchRowOf = new int[h];
    java.util.Arrays.fill(patchRowOf, -1);
    int n = 0;
    int[] needed = new int[2 * crop];
    for (int i = 0; i < crop; i++) {
      for (int src : new int[] {rows.i0[i], rows.i1[i]}) {
        if (patchRowOf[src] < 0) {
          patchRowOf[src] = n;
          needed[n++] = src;
        }
      }
    }
    sourceRows = java.util.Arrays.copyOf(needed, n);
    y0 = new int[crop];
    y1 = new int[crop];
    for (int i = 0; i < crop; i++) {
      y0[i] = patchRowOf[rows.i0[i]] * patchRowBytes;
      y1[i] = patchRowOf[rows.i1[i]] * patchRowBytes;
    }
    wy0 = rows.l0;
    wy1 = rows.l1;
    if (patch.length < n * patchRowBytes) {
      patch = new byte[n * patchRowBytes];
    }
    tableWidth = width;
    tableHeight = height;
  }

  /**
   * Source indices and weights of the output positions [from, from + count) of a resize from
   * {@code in} to {@code out} samples, half-pixel centres (align_corners false), as PyTorch
   * computes them.
   */
  private static final class Axis {
    final int[] i0;
    final int[] i1;
    final float[] l0;
    final float[] l1;
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;

    Axis(int in, int out, int from, int count) {
      i0 = new int[count];
      i1 = new int[count];
      l0 = new float[count];
      l1 = new float[count];
      // The ratio is rounded to float32 but the source position is computed in double: probing
      // torch 1.13's kernel with unit impulses shows exactly these weights (an all-float32
      // position is off by up to 6e-6, 2.7e-5 after normalisation).
      double ratio = (float) in / out;
      for (int k = 0; k < count; k++) {
        int d = from + k;
        if (in == out) {
          i0[k] = d;
          i1[k] = d;
          l0[k] = 1f;
          l1[k] = 0f;
        } else {
          double real = Math.max(ratio * (d + 0.5) - 0.5, 0.0);
          int index = (int) real;
          i0[k] = index;
          i1[k] = index + (index < in - 1 ? 1 : 0);
          float lambda = (float) Math.min(Math.max(real - index, 0.0), 1.0);
          l1[k] = lambda;
          l0[k] = 1f - lambda;
        }
        min = Math.min(min, i0[k]);
        max = Math.max(max, i1[k]);
      }
    }
  }

  private void interpolate(ChannelOrder imageOrder, float[] dst, int offset) {
    int area = crop * crop;
    // Output channel k reads source byte srcK of a pixel: identity, or a swap of R and B.
    boolean swap = (imageOrder == ChannelOrder.BGR) != bgrOut;
    int s0 = swap ? 2 : 0;
    int s2 = swap ? 0 : 2;
    // (v - mean) · (1 / std) instead of a division: 3 divisions per pixel were a third of the time,
    // and the results move by at most an ulp (golden parity stays below 1e-6).
    float m0 = mean[0], m1 = mean[1], m2 = mean[2];
    float r0 = 1f / std[0], r1 = 1f / std[1], r2 = 1f / std[2];
    byte[] p = patch;
    float[] f = toFloat;
    for (int y = 0; y < crop; y++) {
      int top = y0[y];
      int bottom = y1[y];
      float h0 = wy0[y];
      float h1 = wy1[y];
      int out = offset + y * crop;
      for (int x = 0; x < crop; x++) {
        int a = top + x0[x];
        int b = top + x1[x];
        int c = bottom + x0[x];
        int d = bottom + x1[x];
        float w00 = h0 * wx0[x];
        float w01 = h0 * wx1[x];
        float w10 = h1 * wx0[x];
        float w11 = h1 * wx1[x];
        float v0 = f[p[a + s0] & 0xff] * w00 + f[p[b + s0] & 0xff] * w01
            + f[p[c + s0] & 0xff] * w10 + f[p[d + s0] & 0xff] * w11;
        float v1 = f[p[a + 1] & 0xff] * w00 + f[p[b + 1] & 0xff] * w01
            + f[p[c + 1] & 0xff] * w10 + f[p[d + 1] & 0xff] * w11;
        float v2 = f[p[a + s2] & 0xff] * w00 + f[p[b + s2] & 0xff] * w01
            + f[p[c + s2] & 0xff] * w10 + f[p[d + s2] & 0xff] * w11;
        dst[out + x] = (v0 - m0) * r0;
        dst[out + area + x] = (v1 - m1) * r1;
        dst[out + 2 * area + x] = (v2 - m2) * r2;
      }
    }
  }
}
