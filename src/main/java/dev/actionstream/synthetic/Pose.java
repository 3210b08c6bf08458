package dev.actionstream.synthetic;

/**
 * Where an object is at one instant, in frame pixels: centre, half-width and half-height of its
 * unrotated box, rotation (radians, clockwise on screen), and which of a motion's successive
 * objects it is (a fall segment shows a new object for each fall).
 *
 * <p>A pose with a {@link Wrap} is seen through the view as through a window onto a cylinder:
 * the part that leaves on one side comes back in on the other at the same moment.
 */
record Pose(double cx, double cy, double halfWidth, double halfHeight, double angle, int instance, Wrap wrap) {

  Pose(double cx, double cy, double halfWidth, double halfHeight, double angle, int instance) {
    this(cx, cy, halfWidth, halfHeight, angle, instance, null);
  }

  /** Draw copies shifted by ±(dx, dy), everything clipped to [x0, x1) x [y0, y1). */
  record Wrap(double dx, double dy, double x0, double y0, double x1, double y1) {}
}
