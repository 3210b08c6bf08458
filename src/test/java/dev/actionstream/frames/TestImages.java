package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;

/** Seeded test pictures: smooth enough for JPEG, varied enough to catch a wrong pixel. */
final class TestImages {
  private TestImages() {}

  /** Interleaved 3-channel bytes: gradients plus a few rectangles plus a little noise. */
  static byte[] pixels(int width, int height, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    byte[] px = new byte[width * height * 3];
    int[][] boxes = new int[4][];
    for (int i = 0; i < boxes.length; i++) {
      int x = rng.nextInt(width);
      int y = rng.nextInt(height);
      boxes[i] = new int[] {x, y, x + 1 + rng.nextInt(Math.max(1, width / 3)),
          y + 1 + rng.nextInt(Math.max(1, height / 3)), rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)};
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = (y * width + x) * 3;
        int r = 255 * x / Math.max(1, width - 1);
        int g = 255 * y / Math.max(1, height - 1);
        int b = (r + g) / 2;
        for (int[] box : boxes) {
          if (x >= box[0] && x < box[2] && y >= box[1] && y < box[3]) {
            r = box[4];
            g = box[5];
            b = box[6];
          }
        }
        px[p] = (byte) clamp(r + rng.nextInt(7) - 3);
        px[p + 1] = (byte) clamp(g + rng.nextInt(7) - 3);
        px[p + 2] = (byte) clamp(b + rng.nextInt(7) - 3);
      }
    }
    return px;
  }

  static Mat mat(byte[] pixels, int width, int height) {
    Mat m = new Mat(height, width, CV_8UC3);
    m.data().put(pixels, 0, pixels.length);
    return m;
  }

  static byte[] bytes(Mat m) {
    byte[] out = new byte[m.rows() * m.cols() * m.channels()];
    m.data().get(out);
    return out;
  }

  /** The same pixels with the first and third byte of each pixel swapped (RGB ↔ BGR). */
  static byte[] swapRedBlue(byte[] px) {
    byte[] out = px.clone();
    for (int p = 0; p < out.length; p += 3) {
      out[p] = px[p + 2];
      out[p + 2] = px[p];
    }
    return out;
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
