package dev.actionstream.synthetic;

import java.util.SplittableRandom;

/**
 * Procedural backgrounds (no image files, so the demo runs anywhere): flat colour, linear
 * gradient, smooth colour noise, per-pixel noise, stripes, and a "street" of muted blocks that
 * stands in for the photographs the Python generator sometimes uses. RGB floats in [0, 1], rows of
 * width·3.
 */
final class Backgrounds {
  private Backgrounds() {}

  enum Kind {
    FLAT,
    GRADIENT,
    SMOOTH_NOISE,
    NOISY,
    STRIPES,
    BLOCKS
  }

  static Kind randomKind(SplittableRandom rng) {
    Kind[] kinds = Kind.values();
    return kinds[rng.nextInt(kinds.length)];
  }

  static float[] render(Kind kind, SplittableRandom rng, int w, int h) {
    float[] c1 = color(rng);
    float[] c2 = color(rng);
    float[] px = new float[w * h * 3];
    switch (kind) {
      case FLAT -> fill(px, (x, y, k) -> c1[k], w, h);
      case GRADIENT -> {
        double a = rng.nextDouble(2 * Math.PI);
        double ca = Math.cos(a);
        double sa = Math.sin(a);
        double min = Math.min(0, w * ca) + Math.min(0, h * sa);
        double span = Math.abs(w * ca) + Math.abs(h * sa);
        fill(px, (x, y, k) -> {
          double p = (x * ca + y * sa - min) / span;
          return (float) (c1[k] * (1 - p) + c2[k] * p);
        }, w, h);
      }
      case SMOOTH_NOISE -> {
        int cells = 3 + rng.nextInt(10);
        float[] grid = new float[(cells + 1) * (cells + 1) * 3];
        for (int i = 0; i < grid.length; i++) {
          grid[i] = (float) rng.nextDouble();
        }
        double gain = rng.nextDouble(0.4, 1.0);
        double offset = rng.nextDouble(-0.2, 0.3);
        fill(px, (x, y, k) -> (float) (smooth(grid, cells, (x + 0.5) / w, (y + 0.5) / h, k) * gain + offset), w, h);
      }
      case NOISY -> {
        double sigma = rng.nextDouble(0.05, 0.15);
        fill(px, (x, y, k) -> (float) (c1[k] + rng.nextGaussian() * sigma), w, h);
      }
      case STRIPES -> {
        double a = rng.nextDouble(Math.PI);
        double f = rng.nextDouble(0.03, 0.25);
        double ca = Math.cos(a) * f;
        double sa = Math.sin(a) * f;
        fill(px, (x, y, k) -> Math.sin(x * ca + y * sa) > 0 ? c1[k] : c2[k], w, h);
      }
      case BLOCKS -> blocks(px, rng, w, h, c1, c2);
    }
    for (int i = 0; i < px.length; i++) {
      px[i] = Math.min(1f, Math.max(0f, px[i]));
    }
    return px;
  }

  /** Luma of a rectangle (the view): its 10th percentile, mean and 90th percentile. */
  static double[] luma(float[] px, int w, int x0, int y0, int x1, int y1) {
    int[] histogram = new int[256];
    double sum = 0;
    long n = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int i = (y * w + x) * 3;
        double l = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        sum += l;
        histogram[(int) Math.min(255, Math.max(0, l * 255))]++;
        n++;
      }
    }
    return new double[] {percentile(histogram, n, 0.1), sum / Math.max(1, n), percentile(histogram, n, 0.9)};
  }

  private static double percentile(int[] histogram, long n, double q) {
    long seen = 0;
    for (int b = 0; b < histogram.length; b++) {
      seen += histogram[b];
      if (seen >= q * n) {
        return (b + 0.5) / 255;
      }
    }
    return 1;
  }

  private interface PixelFn {
    float at(int x, int y, int channel);
  }

  private static void fill(float[] px, PixelFn fn, int w, int h) {
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        for (int k = 0; k < 3; k++) {
          px[i + k] = fn.at(x, y, k);
        }
      }
    }
  }

  /** Smoothstep-weighted interpolation in a (cells+1)² grid: soft colour blobs. */
  private static double smooth(float[] grid, int cells, double u, double v, int k) {
    double x = u * cells;
    double y = v * cells;
    int x0 = Math.min((int) x, cells - 1);
    int y0 = Math.min((int) y, cells - 1);
    double fx = x - x0;
    double fy = y - y0;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    int row = cells + 1;
    double a = grid[(y0 * row + x0) * 3 + k];
    double b = grid[(y0 * row + x0 + 1) * 3 + k];
    double c = grid[((y0 + 1) * row + x0) * 3 + k];
    double d = grid[((y0 + 1) * row + x0 + 1) * 3 + k];
    return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy;
  }

  /** A sky-to-ground gradient with muted buildings, windows and a little grain. */
  private static void blocks(float[] px, SplittableRandom rng, int w, int h, float[] sky, float[] ground) {
    int horizon = (int) (h * rng.nextDouble(0.3, 0.7));
    fill(px, (x, y, k) -> y < horizon ? sky[k] * 0.8f + 0.2f : ground[k] * 0.6f, w, h);
    int blocks = 8 + rng.nextInt(20);
    for (int b = 0; b < blocks; b++) {
      int bw = 10 + rng.nextInt(Math.max(11, w / 4));
      int bh = 10 + rng.nextInt(Math.max(11, h / 2));
      int x0 = rng.nextInt(-bw / 2, w);
      int y1 = horizon + rng.nextInt(-h / 10, h / 10 + 1);
      float[] c = color(rng);
      float grey = (float) Look.luma(c);
      float sat = (float) rng.nextDouble(0.2, 0.7);
      boolean windows = rng.nextBoolean();
      for (int y = Math.max(0, y1 - bh); y < Math.min(h, y1); y++) {
        for (int x = Math.max(0, x0); x < Math.min(w, x0 + bw); x++) {
          boolean window = windows && ((x - x0) % 9 < 4) && ((y1 - y) % 12 < 5);
          int i = (y * w + x) * 3;
          for (int k = 0; k < 3; k++) {
            float v = grey + (c[k] - grey) * sat;
            px[i + k] = window ? v * 0.5f + 0.1f : v;
          }
        }
      }
    }
    for (int i = 0; i < px.length; i++) {
      px[i] += (float) (rng.nextDouble(-0.03, 0.03));
    }
  }

  private static float[] color(SplittableRandom rng) {
    return new float[] {(float) rng.nextDouble(), (float) rng.nextDouble(), (float) rng.nextDouble()};
  }
}
