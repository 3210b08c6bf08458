package dev.actionstream.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws the main object's motion for one segment of an action, with SYNTH.md's statistics
 * expressed per model clip of {@link #CLIP_SECONDS} (the demo models' D) and relative to the view's
 * side: moves of 15–75 % of the side per clip, growth by 1.4–2.5 (shrinking by 0.4–0.7) per clip,
 * falls of 0.3–0.6 s by objects 1.8–3.5 times taller than wide. Where the definition allows a
 * range, the planner keeps away from its ends, so that every clip-long stretch is a clear example.
 */
final class MotionPlanner {
  /** The clip duration SYNTH.md's per-clip rates refer to. */
  static final double CLIP_SECONDS = 1.6;

  private MotionPlanner() {}

  /** The motion, or a {@link Motion.Still} with a null pose for an empty idle scene. */
  static Motion plan(Action action, SplittableRandom rng, View view, double duration) {
    double side = view.side();
    double height = rng.nextDouble(0.2, 0.42) * side;
    double aspect = rng.nextDouble(0.5, 1.8);
    double hh = height / 2;
    double hw = Math.min(height * aspect, 0.6 * side) / 2;
    double margin = 0.06 * side;
    return switch (action) {
      case IDLE -> {
        if (rng.nextDouble() < 0.08) {
          yield new Motion.Still(null); // idle also covers "nothing there"
        }
        yield new Motion.Still(new Pose(
            within(rng, view.x() + margin + hw, view.x() + side - margin - hw),
            within(rng, view.y() + margin + hh, view.y() + side - margin - hh), hw, hh, 0, 0));
      }
      case MOVE_LEFT, MOVE_RIGHT, MOVE_UP, MOVE_DOWN -> glide(action, rng, view, hw, hh, margin, duration);
      case APPROACH, RECEDE -> zoom(action == Action.APPROACH, rng, view, aspect, duration);
      case FALL -> topple(rng, view, duration);
    };
  }

  private static Motion glide(Action action, SplittableRandom rng, View view, double hw, double hh,
      double margin, double duration) {
    double side = view.side();
    boolean horizontal = action == Action.MOVE_LEFT || action == Action.MOVE_RIGHT;
    int sign = action == Action.MOVE_LEFT || action == Action.MOVE_UP ? -1 : 1;
    // Mid-range speeds (the models saw 0.15–0.75 side per clip, uniformly): slow moves on a busy
    // background read as idle.
    double perClip = rng.nextDouble(0.3, 0.5);
    double speed = perClip * side / CLIP_SECONDS;
    // Upper half of the size range: a small cross or triangle on stripes or noise was read as idle.
    double grow = rng.nextDouble(0.25, 0.42) * side / (2 * hh);
    hw = Math.min(hw * grow, 0.3 * side);
    hh *= grow;
    // Perpendicular coordinate: anywhere the object fits; its drift (at most 10 % of the speed)
    // must not carry it out of the view before the segment ends.
    double perpHalf = horizontal ? hh : hw;
    double perpLow = (horizontal ? view.y() : view.x()) + margin + perpHalf;
    double perpHigh = (horizontal ? view.y() : view.x()) + side - margin - perpHalf;
    double perp = within(rng, perpLow, perpHigh);
    double room = Math.max(perpHigh - perp, perp - perpLow);
    double drift = Math.min(rng.nextDouble(0, 0.1) * speed, room / duration)
        * (perpHigh - perp >= perp - perpLow ? 1 : -1);
    double start = rng.nextDouble(horizontal ? view.x() : view.y(), (horizontal ? view.x() : view.y()) + side);
    double vx = horizontal ? sign * speed : drift;
    double vy = horizontal ? drift : sign * speed;
    return new Motion.Glide(horizontal ? start : perp, horizontal ? perp : start, hw, hh, vx, vy,
        horizontal, view);
  }

  private static Motion zoom(boolean approach, SplittableRandom rng, View view, double aspect, double duration) {
    double side = view.side();
    aspect = Math.min(Math.max(aspect, 0.6), 1.0);
    // One sweep from small (16 % of the side) to large (85 %, the whole object in view) per
    // segment: a window holding a restart (the size jumps back) is one the models may miss.
    double small = 0.16 * side;
    double large = 0.85 * side;
    // With this span one sweep lasts a whole segment of up to 8 s at x1.4 per clip or more
    // (the generator's range is x1.4-2.5).
    double perClip = Math.min(2.2, Math.max(1.4, Math.pow(large / small, CLIP_SECONDS / duration)));
    double rate = (approach ? 1 : -1) * Math.log(perClip) / CLIP_SECONDS;
    double cycle = Math.log(large / small) / Math.abs(rate);
    double start = approach ? small : large;
    double hh = start / 2;
    double hw = start * aspect / 2;
    double bigHalfW = large * aspect / 2;
    double bigHalfH = large / 2;
    double cx = within(rng, view.x() + bigHalfW + 0.02 * side, view.x() + side - bigHalfW - 0.02 * side);
    double cy = within(rng, view.y() + bigHalfH + 0.02 * side, view.y() + side - bigHalfH - 0.02 * side);
    double drift = 0.02 * side / CLIP_SECONDS;
    return new Motion.Zoom(cx, cy, hw, hh, rate, cycle,
        rng.nextDouble(-drift, drift), rng.nextDouble(-drift, drift));
  }

  /**
   * Falls follow each other closely enough that every clip-long stretch holds one whole fall: the
   * gap between consecutive fall starts plus the next fall stays under the clip less 60 ms at each
   * end (each lying time is cut to fit). Within that budget, short falls (0.3–0.38 s) and brief
   * standing (0.1–0.15 s) leave the longest lying time, so most windows end, as every generator
   * fall clip does, on a fallen object; longer falls left more windows ending on a new upright or
   * half-tipped object, and the models called many of those idle.
   */
  private static Motion topple(SplittableRandom rng, View view, double duration) {
    double side = view.side();
    double margin = 0.06 * side;
    List<double[]> timing = new ArrayList<>(); // stand, fall
    for (double t = 0; t < duration + 2; t += 1) {
      timing.add(new double[] {rng.nextDouble(0.1, 0.15), rng.nextDouble(0.3, 0.38)});
    }
    List<Motion.Topple.Fall> falls = new ArrayList<>();
    double t = 0;
    for (int k = 0; t < duration; k++) {
      // Each new object stands at its own spot, as the generator's respawned objects do. One
      // spot for all of them read as idle: a window that starts and ends with an upright object
      // at the same place shows no change.
      double height = rng.nextDouble(0.3, 0.5) * side;
      double hh = height / 2;
      double hw = height / rng.nextDouble(1.8, 3.5) / 2;
      int fallSide = rng.nextBoolean() ? 1 : -1;
      // Room for the lying object: one height on the falling side, and it ends lower down.
      double lo = view.x() + margin + hw + (fallSide < 0 ? height : 0);
      double hi = view.x() + side - margin - hw - (fallSide > 0 ? height : 0);
      double cx = within(rng, lo, hi);
      double cy = within(rng, view.y() + margin + hh, view.y() + side - margin - hh);
      double stand = timing.get(k)[0];
      double fallTime = timing.get(k)[1];
      double[] next = timing.get(k + 1);
      double lie = Math.max(0.12, Math.min(rng.nextDouble(0.5, 0.8),
          CLIP_SECONDS - 0.12 - next[1] - fallTime - next[0]));
      double fallStart = t + stand;
      double end = fallStart + fallTime + lie;
      falls.add(new Motion.Topple.Fall(t, fallStart, fallTime, end, cx, cy, hw, hh, fallSide));
      t = end;
    }
    return new Motion.Topple(falls);
  }

  /** Uniform in [a, b], or their middle when the range is empty. */
  static double within(SplittableRandom rng, double a, double b) {
    return a < b ? rng.nextDouble(a, b) : (a + b) / 2;
  }
}
