package dev.actionstream.synthetic;

/**
 * The centre square of a frame: what a model sees after short-side resize and centre crop. All
 * main-object motion happens inside it (pixels of the full frame).
 */
record View(double x, double y, double side) {
  static View of(int width, int height) {
    int side = Math.min(width, height);
    return new View((width - side) / 2.0, (height - side) / 2.0, side);
  }
}
