package dev.actionstream.synthetic;

import java.util.SplittableRandom;

/**
 * How an object looks: outline shape, two colours mixed by a texture fixed to the object (so it
 * moves and scales with it), and an optional outline. Colours are linear RGB in [0, 1].
 */
record Look(
    Shape shape,
    float[] color,
    float[] color2,
    Texture texture,
    double frequency,
    double textureCos,
    double textureSin,
    float[] noise, // NOISE_CELLS² values for Texture.NOISE, else null
    double outline, // width in normalised units; 0 = none
    float[] outlineColor) {

  enum Texture {
    FLAT,
    STRIPES,
    CHECKER,
    GRADIENT,
    NOISE
  }

  static final int NOISE_CELLS = 6;
  private static final Texture[] TEXTURES = {
    Texture.FLAT, Texture.FLAT, Texture.STRIPES, Texture.CHECKER, Texture.GRADIENT, Texture.NOISE
  };

  /**
   * A look whose main colour stands out from the background: its luma differs by more than 0.28
   * from the background's mean (SYNTH.md) and, where possible, by 0.2 from its darker and brighter
   * parts too. Mean contrast alone let a green object vanish on the green half of a two-tone
   * background, and the models then saw nothing move.
   */
  static Look random(SplittableRandom rng, double[] backgroundLuma, Shape shape) {
    float[] c = null;
    double bestScore = -1;
    for (int attempt = 0; attempt < 40 && bestScore < 0.2; attempt++) {
      float[] candidate = new float[3];
      for (int k = 0; k < 3; k++) {
        candidate[k] = (float) rng.nextDouble();
      }
      if (rng.nextBoolean()) { // saturated half of the time
        candidate[rng.nextInt(3)] = (float) rng.nextDouble(0, 0.2);
        candidate[rng.nextInt(3)] = (float) rng.nextDouble(0.8, 1.0);
      }
      double l = luma(candidate);
      double score = Math.abs(l - backgroundLuma[1]) > 0.28
          ? Math.min(Math.abs(l - backgroundLuma[0]), Math.abs(l - backgroundLuma[2]))
          : -0.5 + Math.abs(l - backgroundLuma[1]);
      if (score > bestScore) {
        bestScore = score;
        c = candidate;
      }
    }
    float[] c2 = new float[3];
    for (int k = 0; k < 3; k++) {
      c2[k] = (float) Math.min(1, Math.max(0, c[k] + rng.nextDouble(-0.3, 0.3)));
    }
    Texture texture = TEXTURES[rng.nextInt(TEXTURES.length)];
    float[] noise = null;
    if (texture == Texture.NOISE) {
      noise = new float[NOISE_CELLS * NOISE_CELLS];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = (float) rng.nextDouble();
      }
    }
    double angle = rng.nextDouble(Math.PI);
    double outline = rng.nextDouble() < 0.4 ? rng.nextDouble(0.06, 0.15) : 0;
    float o = luma(c) > 0.5 ? 0.05f : 0.95f;
    return new Look(shape, c, c2, texture, rng.nextDouble(1.5, 5), Math.cos(angle), Math.sin(angle),
        noise, outline, new float[] {o, o, o});
  }

  static double luma(float[] rgb) {
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  }

  /** A copy with both colours scaled (pedestrians' dark, muted clothes). */
  Look darker(double factor) {
    float[] a = new float[3];
    float[] b = new float[3];
    for (int k = 0; k < 3; k++) {
      a[k] = (float) (color[k] * factor);
      b[k] = (float) (color2[k] * factor);
    }
    return new Look(shape, a, b, texture, frequency, textureCos, textureSin, noise, outline, outlineColor);
  }

  /** Mix weight of color2 at object coordinates (u, v). */
  double mix(double u, double v) {
    switch (texture) {
      case FLAT:
        return 0;
      case STRIPES:
        return Math.sin((u * textureCos + v * textureSin) * frequency * Math.PI) > 0 ? 1 : 0;
      case CHECKER:
        return (((int) Math.floor((u + 1) * frequency) + (int) Math.floor((v + 1) * frequency)) & 1);
      case GRADIENT:
        return Math.min(1, Math.max(0, (u * textureCos + v * textureSin + 1) / 2));
      default: // NOISE: bilinear in a small grid fixed to the object
        double x = Math.min(Math.max((u + 1) / 2 * (NOISE_CELLS - 1), 0), NOISE_CELLS - 1.001);
        double y = Math.min(Math.max((v + 1) / 2 * (NOISE_CELLS - 1), 0), NOISE_CELLS - 1.001);
        int x0 = (int) x;
        int y0 = (int) y;
        double fx = x - x0;
        double fy = y - y0;
        int i = y0 * NOISE_CELLS + x0;
        return noise[i] * (1 - fx) * (1 - fy) + noise[i + 1] * fx * (1 - fy)
            + noise[i + NOISE_CELLS] * (1 - fx) * fy + noise[i + NOISE_CELLS + 1] * fx * fy;
    }
  }
}
