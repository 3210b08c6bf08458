package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.Arrays;
import java.util.Random;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class OpticalFlowTest {
  /** A smooth random texture, shifted by (dx, dy) pixels (content moves right and down). */
  static Mat texture(int w, int h, int dx, int dy) {
    Random r = new Random(7);
    double[][] wave = new double[6][3];
    for (double[] k : wave) {
      k[0] = 0.05 + 0.2 * r.nextDouble();
      k[1] = 0.05 + 0.2 * r.nextDouble();
      k[2] = 2 * Math.PI * r.nextDouble();
    }
    byte[] px = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 0;
        for (double[] k : wave) {
          v += Math.sin(k[0] * (x - dx) + k[2]) * Math.cos(k[1] * (y - dy) + k[2]);
        }
        int g = (int) Math.round(128 + 20 * v);
        Arrays.fill(px, (y * w + x) * 3, (y * w + x) * 3 + 3, (byte) Math.max(0, Math.min(255, g)));
      }
    }
    Mat m = new Mat(h, w, CV_8UC3);
    m.data().put(px);
    return m;
  }

  private static double median(float[] a, int from, int w, int h, int margin) {
    double[] v = new double[(w - 2 * margin) * (h - 2 * margin)];
    int n = 0;
    for (int y = margin; y < h - margin; y++) {
      for (int x = margin; x < w - margin; x++) {
        v[n++] = a[from + y * w + x];
      }
    }
    Arrays.sort(v);
    return v[n / 2];
  }

  @ParameterizedTest
  @EnumSource(OpticalFlow.Method.class)
  void aShiftedFrameGivesTheShiftAsTwoPlanes(OpticalFlow.Method method) {
    int w = 128;
    int h = 96;
    float[] f = new float[1 + 2 * w * h];
    try (OpticalFlow flow = new OpticalFlow(method); Mat a = texture(w, h, 0, 0); Mat b = texture(w, h, 2, 1)) {
      flow.compute(a, b, f, 1);
    }
    assertEquals(2.0, median(f, 1, w, h, 16), 0.25, "x plane first");
    assertEquals(1.0, median(f, 1 + w * h, w, h, 16), 0.25, "then y");
    assertEquals(0f, f[0], "nothing before the offset");
  }

  @Test
  void framesOfDifferentSizesOrTooSmallADestinationAreRefused() {
    try (OpticalFlow flow = new OpticalFlow(OpticalFlow.Method.FARNEBACK);
        Mat a = texture(64, 48, 0, 0);
        Mat b = texture(48, 64, 0, 0)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> flow.compute(a, b, new float[2 * 64 * 48], 0));
      assertTrue(e.getMessage().contains("differ in size"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> flow.compute(a, a, new float[64 * 48], 0));
      assertTrue(e.getMessage().contains("flow needs 2 x 64 x 48"), e.getMessage());
    }
  }
}
