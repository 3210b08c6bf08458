package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.model.ModelManifest.CropMode;
import dev.actionstream.model.ModelManifest.Resize;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FramePreprocessorTest {
  /**
   * OpenCV computes source positions in float32 (PyTorch, which the golden tests hold us to, in
   * double), so at x ≈ 1000 of a 720p frame its weights drift by ~6e-5 of a pixel: 1.6e-5 after
   * normalisation. Smaller frames agree within 1e-6.
   */
  private static final double OPENCV_TOLERANCE = 5e-5;

  static ModelManifest.Preprocessing pre(int shortSide, int crop, ChannelOrder order) {
    return new ModelManifest.Preprocessing(
        Resize.BILINEAR, shortSide, crop, CropMode.CENTER, 1.0 / 255.0,
        List.of(0.45, 0.40, 0.35), List.of(0.225, 0.25, 0.20), order);
  }

  static Stream<Arguments> geometries() {
    RegionOfInterest full = RegionOfInterest.FULL;
    RegionOfInterest left = new RegionOfInterest(0.1, 0.25, 0.5, 0.6);
    return Stream.of(
        Arguments.of(320, 240, 64, 64, full), // demo models: 4:3 down to 85 x 64, crop 64
        Arguments.of(1280, 720, 182, 160, full), // X3D-S from 720p
        Arguments.of(240, 320, 64, 56, full), // portrait
        Arguments.of(64, 64, 64, 64, full), // no resize at all
        Arguments.of(50, 40, 64, 60, full), // upscaling
        Arguments.of(320, 240, 64, 64, left), // region of interest
        Arguments.of(640, 480, 112, 100, new RegionOfInterest(0.7, 0.0, 0.3, 1.0)));
  }

  /** The largest reduction that leaves the region's short side at least the model's. */
  @Test
  void jpegReductionKeepsTheRegionsShortSideAboveTheModels() {
    ModelManifest.Preprocessing demo = pre(64, 64, ChannelOrder.RGB);
    ModelManifest.Preprocessing x3dS = pre(182, 182, ChannelOrder.RGB);
    assertEquals(8, new FramePreprocessor(demo).reduction(768, 576), "vtest.avi: 96x72");
    assertEquals(2, new FramePreprocessor(demo).reduction(320, 240), "160x120; 1/4 would be 60 high");
    assertEquals(1, new FramePreprocessor(demo).reduction(100, 80));
    assertEquals(4, new FramePreprocessor(x3dS).reduction(1920, 1080), "1080p for X3D-S: 480x270");
    assertEquals(2, new FramePreprocessor(x3dS).reduction(1280, 720), "720p: 640x360; 1/4 is 180 high");
    RegionOfInterest half = new RegionOfInterest(0.25, 0.0, 0.5, 1.0);
    assertEquals(4, new FramePreprocessor(demo, half).reduction(768, 576), "region 384 wide: 96 at 1/4, 48 at 1/8");
    FramePreprocessor p = new FramePreprocessor(demo);
    assertEquals(8, p.reducer().applyAsInt(768, 576));
    assertEquals(2, p.reducer().applyAsInt(320, 240), "a new frame size is worked out anew");
  }

  @ParameterizedTest(name = "{0}x{1} -> short {2}, crop {3}, {4}")
  @MethodSource("geometries")
  void matchesOpenCvFullFrameLinearResizeThenCrop(int w, int h, int shortSide, int crop, RegionOfInterest roi) {
    byte[] rgb = TestImages.pixels(w, h, w * 31L + h);
    ModelManifest.Preprocessing p = pre(shortSide, crop, ChannelOrder.RGB);
    FramePreprocessor fp = new FramePreprocessor(p, roi);
    float[] actual = new float[fp.frameFloats() + 5];
    fp.process(rgb, w, h, ChannelOrder.RGB, actual, 5);

    float[] expected = openCvReference(rgb, w, h, p, roi);

    double max = 0;
    for (int k = 0; k < expected.length; k++) {
      max = Math.max(max, Math.abs(actual[5 + k] - expected[k]));
    }
    assertTrue(max <= OPENCV_TOLERANCE, "max |Δ| vs OpenCV INTER_LINEAR on float32: " + max);
  }

  @Test
  void bgrMatAndRgbBytesOfTheSamePictureGiveTheSameFloats() {
    int w = 320;
    int h = 240;
    byte[] rgb = TestImages.pixels(w, h, 5);
    FramePreprocessor fp = new FramePreprocessor(pre(64, 64, ChannelOrder.RGB));
    float[] fromBytes = new float[fp.frameFloats()];
    float[] fromMat = new float[fp.frameFloats()];

    fp.process(rgb, w, h, ChannelOrder.RGB, fromBytes, 0);
    fp.process(TestImages.mat(TestImages.swapRedBlue(rgb), w, h), ChannelOrder.BGR, fromMat, 0);

    assertArrayEquals(fromBytes, fromMat);
  }

  @Test
  void bgrModelGetsBlueFirst() {
    int w = 96;
    int h = 64;
    byte[] rgb = TestImages.pixels(w, h, 6);
    ModelManifest.Preprocessing sameStats = pre(64, 64, ChannelOrder.BGR);
    float[] bgrModel = new float[3 * 64 * 64];
    float[] rgbModel = new float[3 * 64 * 64];
    new FramePreprocessor(sameStats).process(rgb, w, h, ChannelOrder.RGB, bgrModel, 0);
    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB)).process(rgb, w, h, ChannelOrder.RGB, rgbModel, 0);

    int area = 64 * 64;
    // Channel 0 of the BGR model is blue, normalised with mean[0] / std[0] like any channel 0.
    for (int k = 0; k < area; k += 97) {
      float blue = (rgbModel[2 * area + k] * 0.20f + 0.35f);
      assertEquals(blue, bgrModel[k] * 0.225f + 0.45f, 1e-5);
    }
  }

  @Test
  void regionOfInterestEqualsPreprocessingThePreCroppedFrame() {
    int w = 320;
    int h = 240;
    byte[] rgb = TestImages.pixels(w, h, 8);
    RegionOfInterest roi = new RegionOfInterest(0.25, 0.1, 0.5, 0.75);
    int[] px = roi.pixels(w, h);
    assertArrayEquals(new int[] {80, 24, 160, 180}, px);
    byte[] cropped = new byte[px[2] * px[3] * 3];
    for (int y = 0; y < px[3]; y++) {
      System.arraycopy(rgb, ((px[1] + y) * w + px[0]) * 3, cropped, y * px[2] * 3, px[2] * 3);
    }
    float[] viaRoi = new float[3 * 64 * 64];
    float[] viaCrop = new float[3 * 64 * 64];

    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB), roi).process(rgb, w, h, ChannelOrder.RGB, viaRoi, 0);
    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB)).process(cropped, px[2], px[3], ChannelOrder.RGB, viaCrop, 0);

    assertArrayEquals(viaCrop, viaRoi);
    float[] whole = new float[3 * 64 * 64];
    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB)).process(rgb, w, h, ChannelOrder.RGB, whole, 0);
    assertNotEquals(whole[0], viaRoi[0], "the region changes what the model sees");
  }

  @Test
  void regionOutsideTheFrameIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RegionOfInterest(0.6, 0, 0.5, 1));
    assertThrows(IllegalArgumentException.class, () -> new RegionOfInterest(0, -0.1, 0.5, 1));
    assertThrows(IllegalArgumentException.class, () -> new RegionOfInterest(0, 0, 0, 1));
  }

  @Test
  void floatBufferOutputLandsAtTheIndexAndFrameSizeChangesRebuildTables() {
    FramePreprocessor fp = new FramePreprocessor(pre(64, 64, ChannelOrder.RGB));
    FloatBuffer out = ByteBuffer.allocateDirect(4 * (2 * fp.frameFloats() + 3))
        .order(ByteOrder.nativeOrder()).asFloatBuffer();
    byte[] big = TestImages.pixels(320, 240, 9);
    byte[] small = TestImages.pixels(100, 70, 10);

    fp.process(big, 320, 240, ChannelOrder.RGB, out, 3);
    fp.process(small, 100, 70, ChannelOrder.RGB, out, 3 + fp.frameFloats());

    float[] expectBig = new float[fp.frameFloats()];
    float[] expectSmall = new float[fp.frameFloats()];
    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB)).process(big, 320, 240, ChannelOrder.RGB, expectBig, 0);
    new FramePreprocessor(pre(64, 64, ChannelOrder.RGB)).process(small, 100, 70, ChannelOrder.RGB, expectSmall, 0);
    float[] got = new float[2 * fp.frameFloats()];
    out.get(3, got);
    float[] expect = new float[2 * fp.frameFloats()];
    System.arraycopy(expectBig, 0, expect, 0, fp.frameFloats());
    System.arraycopy(expectSmall, 0, expect, fp.frameFloats(), fp.frameFloats());
    assertArrayEquals(expect, got);
    assertEquals(0f, out.get(0));
  }

  /**
   * The engine's per-frame path reuses everything (decoder buffers, preprocessor tables and
   * patch, and a purged frame's array holding old floats): the same JPEG must give the floats a
   * fresh decoder, preprocessor and array give, bit for bit.
   */
  @Test
  void reusedDecoderPreprocessorAndArrayGiveTheFreshPathsFloats() throws FrameRejected {
    FrameEncoder enc = new FrameEncoder(85);
    byte[] jpeg = enc.jpeg(TestImages.mat(TestImages.pixels(320, 240, 21), 320, 240));
    byte[] other = enc.jpeg(TestImages.mat(TestImages.pixels(640, 480, 22), 640, 480));
    ModelManifest.Preprocessing p = pre(64, 64, ChannelOrder.RGB);

    float[] fresh;
    try (FrameDecoder decoder = new FrameDecoder()) {
      FramePreprocessor fp = new FramePreprocessor(p);
      fresh = new float[fp.frameFloats()];
      fp.process(decoder.decode(jpeg), ChannelOrder.BGR, fresh, 0);
    }

    try (FrameDecoder decoder = new FrameDecoder()) {
      FramePreprocessor fp = new FramePreprocessor(p);
      float[] reused = new float[fp.frameFloats()];
      for (byte[] frame : new byte[][] {jpeg, other, jpeg}) {
        fp.process(decoder.decode(frame), ChannelOrder.BGR, reused, 0);
        if (frame == other) {
          assertNotEquals(fresh[0], reused[0], "another picture in between");
        }
      }
      assertArrayEquals(fresh, reused); // Arrays.equals on floats: same bits
    }
  }

  /** Prints µs per frame (not asserted: timing tests on a shared 2-core box only flake). */
  @Test
  void reportsPreprocessTimePerFrame() {
    for (int[] g : new int[][] {{320, 240, 64, 64}, {1280, 720, 182, 160}}) {
      byte[] rgb = TestImages.pixels(g[0], g[1], 11);
      Mat bgr = TestImages.mat(rgb, g[0], g[1]);
      FramePreprocessor fp = new FramePreprocessor(pre(g[2], g[3], ChannelOrder.RGB));
      float[] out = new float[fp.frameFloats()];
      int n = 2000;
      for (int i = 0; i < n; i++) {
        fp.process(bgr, ChannelOrder.BGR, out, 0); // warm-up
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        fp.process(bgr, ChannelOrder.BGR, out, 0);
      }
      double us = (System.nanoTime() - t0) / 1e3 / n;
      System.out.printf("preprocess %dx%d -> %d -> %d^2: %.1f µs/frame%n", g[0], g[1], g[2], g[3], us);
      bgr.close();
    }
  }

  /** OpenCV's own pipeline: region, float32 · scale, INTER_LINEAR to the short side, crop, normalise. */
  private static float[] openCvReference(byte[] rgb, int w, int h, ModelManifest.Preprocessing p, RegionOfInterest roi) {
    int[] r = roi.pixels(w, h);
    try (Mat src = TestImages.mat(rgb, w, h);
        Mat region = new Mat(src, new Rect(r[0], r[1], r[2], r[3]));
        Mat f = new Mat();
        Mat resized = new Mat()) {
      region.convertTo(f, CV_32F, p.scale(), 0);
      int[] size = FramePreprocessor.resizedSize(r[3], r[2], p.shortSide());
      resize(f, resized, new Size(size[1], size[0]), 0, 0, INTER_LINEAR);
      int top = (size[0] - p.crop()) / 2;
      int left = (size[1] - p.crop()) / 2;
      int c = p.crop();
      float[] out = new float[3 * c * c];
      float[] row = new float[c * 3];
      FloatPointer data = new FloatPointer(resized.data());
      for (int y = 0; y < c; y++) {
        data.position((long) (top + y) * size[1] * 3 + left * 3L).get(row);
        for (int x = 0; x < c; x++) {
          for (int ch = 0; ch < 3; ch++) {
            float mean = (float) (double) p.mean().get(ch);
            float std = (float) (double) p.std().get(ch);
            out[ch * c * c + y * c + x] = (row[x * 3 + ch] - mean) / std;
          }
        }
      }
      return out;
    }
  }
}
