package dev.actionstream.frames;

/**
 * A rectangle of the frame, as fractions of its width and height, that the model looks at instead
 * of the whole frame (a per-camera setting: a doorway, a platform edge).
 *
 * <p>Fractions rather than pixels so one setting survives a camera's resolution change. Edges are
 * rounded to the nearest pixel independently, so regions that share an edge share its pixel
 * column; a region is never narrower than one pixel.
 */
public record RegionOfInterest(double x, double y, double width, double height) {
  private static final double SLACK = 1e-9; // x + width may exceed 1 by float noise

  public static final RegionOfInterest FULL = new RegionOfInterest(0, 0, 1, 1);

  public RegionOfInterest {
    check("x", x, 0, 1);
    check("y", y, 0, 1);
    check("width", width, Double.MIN_VALUE, 1);
    check("height", height, Double.MIN_VALUE, 1);
    if (x + width > 1 + SLACK || y + height > 1 + SLACK) {
      throw new IllegalArgumentException(
          "region %s reaches outside the frame (x + width and y + height must be <= 1)"
              .formatted(this));
    }
  }

  private static void check(String field, double v, double min, double max) {
    if (!(v >= min && v <= max)) {
      throw new IllegalArgumentException(
          "region %s must be in [%s, 1], got %s".formatted(field, min == 0 ? "0" : "0 (exclusive)", v));
    }
  }

  public boolean isFull() {
    return x == 0 && y == 0 && width == 1 && height == 1;
  }

  /** The pixel rectangle {x, y, width, height} of this region in a frame of the given size. */
  public int[] pixels(int frameWidth, int frameHeight) {
    int x0 = edge(x, frameWidth);
    int x1 = edge(x + width, frameWidth);
    int y0 = edge(y, frameHeight);
    int y1 = edge(y + height, frameHeight);
    x0 = Math.min(x0, frameWidth - 1);
    y0 = Math.min(y0, frameHeight - 1);
    return new int[] {x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)};
  }

  private static int edge(double fraction, int size) {
    return (int) Math.min(size, Math.round(fraction * size));
  }
}
