package dev.actionstream.synthetic;

import java.util.List;

/**
 * The main object's pose over a segment, {@code t} in seconds from the segment's start. Every
 * stretch of a segment as long as a model clip (1.6 s) shows its action: moves wrap around the
 * view, growth restarts, falls repeat.
 */
sealed interface Motion {

  /** The pose at {@code t}, or null when no main object is in view. */
  Pose at(double t);

  /** Idle: nothing moves (or, with a null pose, there is nothing). */
  record Still(Pose pose) implements Motion {
    @Override
    public Pose at(double t) {
      return pose;
    }
  }

  /**
   * Steady motion at (vx, vy) px/s. Along the main axis the view wraps round: what leaves on one
   * side re-enters on the other at once (SYNTH.md's wrap for long segments), so every instant
   * shows the same amount of object moving the same way. A wrap with a gap (the object wholly out
   * of view, then back) made the windows around it read as idle. The small perpendicular drift
   * was planned to stay inside the view.
   */
  record Glide(double x0, double y0, double hw, double hh, double vx, double vy, boolean horizontal,
      View view) implements Motion {
    @Override
    public Pose at(double t) {
      double x = x0 + vx * t;
      double y = y0 + vy * t;
      double side = view.side();
      if (horizontal) {
        x = view.x() + mod(x - view.x(), side);
      } else {
        y = view.y() + mod(y - view.y(), side);
      }
      Pose.Wrap wrap = new Pose.Wrap(horizontal ? side : 0, horizontal ? 0 : side,
          horizontal ? view.x() : Double.NEGATIVE_INFINITY, horizontal ? Double.NEGATIVE_INFINITY : view.y(),
          horizontal ? view.x() + side : Double.POSITIVE_INFINITY,
          horizontal ? Double.POSITIVE_INFINITY : view.y() + side);
      return new Pose(x, y, hw, hh, 0, 0, wrap);
    }

    private static double mod(double v, double m) {
      double r = v % m;
      return r < 0 ? r + m : r;
    }
  }

  /**
   * Exponential growth (rate > 0, approach) or shrinking (rate < 0, recede) of the size by
   * exp(rate·t), restarting from the initial size every {@code cycle} seconds; the centre drifts a
   * little and restarts with it.
   */
  record Zoom(double cx, double cy, double hw, double hh, double rate, double cycle, double vx, double vy)
      implements Motion {
    @Override
    public Pose at(double t) {
      double local = t % cycle;
      double s = Math.exp(rate * local);
      return new Pose(cx + vx * local, cy + vy * local, hw * s, hh * s, 0, (int) (t / cycle));
    }
  }

  /**
   * Repeated falls. Object k stands upright from {@code start} to {@code fallStart}, tips 90°
   * about its bottom corner on the falling side with angle 90°·τ² (τ from 0 to 1 over {@code
   * fallTime}), then lies still until the next cycle replaces it with a new upright object.
   */
  record Topple(List<Fall> falls) implements Motion {

    record Fall(double start, double fallStart, double fallTime, double end, double cx, double cy,
        double hw, double hh, int side) {}

    @Override
    public Pose at(double t) {
      int k = 0;
      while (k < falls.size() - 1 && t >= falls.get(k).end()) {
        k++;
      }
      Fall f = falls.get(k);
      double tau = Math.min(1, Math.max(0, (t - f.fallStart()) / f.fallTime()));
      double theta = 0.5 * Math.PI * tau * tau; // accelerating, as a real fall
      int s = f.side();
      // The pivot is the bottom corner on the falling side; the centre turns around it.
      double px = f.cx() + s * f.hw();
      double py = f.cy() + f.hh();
      double rx = -s * f.hw();
      double ry = -f.hh();
      double cos = Math.cos(s * theta);
      double sin = Math.sin(s * theta);
      return new Pose(px + rx * cos - ry * sin, py + rx * sin + ry * cos, f.hw(), f.hh(), s * theta, k);
    }
  }
}
