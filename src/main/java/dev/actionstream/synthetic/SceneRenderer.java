package dev.actionstream.synthetic;

import java.util.SplittableRandom;

/**
 * Draws a {@link Scene} at one instant into 8-bit BGR pixels (OpenCV's order, ready for imencode).
 *
 * <p>Objects are composited analytically with one pixel of antialiasing, in a float canvas over
 * the scene's background; then camera gain and sensor noise are applied. Noise comes from a
 * precomputed Gaussian table read at a per-frame random offset and stride: a fresh normal draw per
 * channel value cost more than the rest of the frame.
 *
 * <p>Not thread-safe (it reuses its canvas); one renderer per camera thread.
 */
public final class SceneRenderer {
  private static final int NOISE_TABLE = 1 << 16;

  private final int width;
  private final int height;
  private final float[] canvas;
  private final float[] gaussian = new float[NOISE_TABLE];

  public SceneRenderer(int width, int height) {
    if (width < 8 || height < 8) {
      throw new IllegalArgumentException("frame must be at least 8x8, got " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    this.canvas = new float[width * height * 3];
    SplittableRandom rng = new SplittableRandom(0x5EED);
    for (int i = 0; i < NOISE_TABLE; i++) {
      gaussian[i] = (float) rng.nextGaussian();
    }
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * Renders {@code scene} at {@code t} seconds after its segment started into {@code bgr} (height x
   * width x 3 bytes); {@code noiseSeed} fixes this frame's sensor noise.
   */
  void render(Scene scene, double t, long noiseSeed, byte[] bgr) {
    if (scene.width() != width || scene.height() != height) {
      throw new IllegalArgumentException("scene is " + scene.width() + "x" + scene.height()
          + ", renderer " + width + "x" + height);
    }
    System.arraycopy(scene.background(), 0, canvas, 0, canvas.length);
    for (Scene.Clutter c : scene.clutter()) {
      draw(c.look(), c.cx(), c.cy(), c.hw(), c.hh(), c.angle());
    }
    for (Scene.Distractor d : scene.distractors()) {
      double bob = d.walker() ? 0.15 * d.hh() * Math.sin(t * 12.0) : 0;
      double cx = mod(d.cx() + d.vx() * t, width + 2 * d.hw()) - d.hw();
      double cy = mod(d.cy() + d.vy() * t + bob, height + 2 * d.hh()) - d.hh();
      draw(d.look(), cx, cy, d.hw(), d.hh(), 0);
    }
    Pose pose = scene.motion().at(t);
    if (pose != null) {
      Look look = scene.mainLooks().get(pose.instance() % scene.mainLooks().size());
      Pose.Wrap w = pose.wrap();
      if (w == null) {
        draw(look, pose.cx(), pose.cy(), pose.halfWidth(), pose.halfHeight(), pose.angle());
      } else {
        for (int copy = -1; copy <= 1; copy++) {
          draw(look, pose.cx() + copy * w.dx(), pose.cy() + copy * w.dy(), pose.halfWidth(),
              pose.halfHeight(), pose.angle(), w.x0(), w.y0(), w.x1(), w.y1());
        }
      }
    }
    finish(scene.gainAt(t), scene.noiseSigma(), noiseSeed, bgr);
  }

  private static double mod(double v, double m) {
    double r = v % m;
    return r < 0 ? r + m : r;
  }

  private void draw(Look look, double cx, double cy, double hw, double hh, double angle) {
    draw(look, cx, cy, hw, hh, angle, 0, 0, width, height);
  }

  /** Composites one object, clipped to [clipX0, clipX1) x [clipY0, clipY1); angle clockwise. */
  private void draw(Look look, double cx, double cy, double hw, double hh, double angle,
      double clipX0, double clipY0, double clipX1, double clipY1) {
    if (hw < 0.5 || hh < 0.5) {
      return;
    }
    double reach = Math.hypot(hw, hh) + 2;
    int x0 = (int) Math.max(Math.max(0, Math.ceil(clipX0 - 0.5)), cx - reach);
    int x1 = (int) Math.min(Math.min(width, Math.ceil(clipX1 - 0.5)), cx + reach + 1);
    int y0 = (int) Math.max(Math.max(0, Math.ceil(clipY0 - 0.5)), cy - reach);
    int y1 = (int) Math.min(Math.min(height, Math.ceil(clipY1 - 0.5)), cy + reach + 1);
    double ca = Math.cos(angle);
    double sa = Math.sin(angle);
    double pixel = 1.0 / Math.min(hw, hh); // one pixel in normalised units: the antialiasing ramp
    Shape shape = look.shape();
    float[] c1 = look.color();
    float[] c2 = look.color2();
    for (int y = y0; y < y1; y++) {
      double dy = y + 0.5 - cy;
      for (int x = x0; x < x1; x++) {
        double dx = x + 0.5 - cx;
        double u = (dx * ca + dy * sa) / hw; // inverse rotation into object coordinates
        double v = (-dx * sa + dy * ca) / hh;
        double d = shape.distance(u, v);
        double alpha = 0.5 - d / pixel;
        if (alpha <= 0) {
          continue;
        }
        alpha = Math.min(1, alpha);
        double w = look.mix(u, v);
        double inner = look.outline() > 0 ? Math.min(1, Math.max(0, 0.5 - (d + look.outline()) / pixel)) : 1;
        int i = (y * width + x) * 3;
        for (int k = 0; k < 3; k++) {
          double color = (c1[k] * (1 - w) + c2[k] * w) * inner + look.outlineColor()[k] * (1 - inner);
          canvas[i + k] = (float) (canvas[i + k] * (1 - alpha) + color * alpha);
        }
      }
    }
  }

  /** Gain, sensor noise, quantisation; RGB canvas → BGR bytes. */
  private void finish(double gain, double sigma, long noiseSeed, byte[] bgr) {
    SplittableRandom rng = new SplittableRandom(noiseSeed);
    int offset = rng.nextInt(NOISE_TABLE);
    int stride = 1 + 2 * rng.nextInt(NOISE_TABLE / 2); // odd: visits the whole table
    int mask = NOISE_TABLE - 1;
    float g = (float) (gain * 255);
    float s = (float) (sigma * 255);
    int n = width * height;
    int j = offset;
    for (int p = 0; p < n; p++) {
      int i = p * 3;
      for (int k = 0; k < 3; k++) {
        float v = canvas[i + k] * g + gaussian[j] * s + 0.5f;
        j = (j + stride) & mask;
        bgr[i + 2 - k] = (byte) (v <= 0 ? 0 : v >= 255 ? 255 : (int) v);
      }
    }
  }
}
