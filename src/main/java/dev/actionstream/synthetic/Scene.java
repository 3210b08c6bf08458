package dev.actionstream.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Everything one segment shows, drawn once from a seed: background, the main object's looks and
 * motion, distractors (small moving things, half of them bobbing like walkers), static clutter, an
 * occasional crowd of pedestrians, and the camera's brightness and noise. Per SYNTH.md, nothing
 * but the main object is ever larger than 0.4 of its smaller dimension (pedestrians: taller but
 * thin), so the main object is never ambiguous.
 */
record Scene(
    Action action,
    int width,
    int height,
    float[] background,
    Motion motion,
    List<Look> mainLooks,
    List<Distractor> distractors,
    List<Clutter> clutter,
    double gain,
    double swing, // slow brightness change: amplitude
    double swingPeriod,
    double swingPhase,
    double flicker, // mains-like flicker amplitude (3.1 Hz)
    double noiseSigma) {

  record Distractor(Look look, double cx, double cy, double hw, double hh, double vx, double vy, boolean walker) {}

  record Clutter(Look look, double cx, double cy, double hw, double hh, double angle) {}

  static Scene random(Action action, long seed, int width, int height, double duration) {
    SplittableRandom rng = new SplittableRandom(seed);
    View view = View.of(width, height);
    float[] bg = Backgrounds.render(Backgrounds.randomKind(rng), rng, width, height);
    double[] luma = Backgrounds.luma(bg, width, (int) view.x(), (int) view.y(),
        (int) (view.x() + view.side()), (int) (view.y() + view.side()));
    Motion motion = MotionPlanner.plan(action, rng, view, duration);
    List<Look> looks = new ArrayList<>();
    // One look per segment; a fall segment's successive objects look alike, as the generator's
    // respawned ones do.
    Shape shape = action == Action.FALL && rng.nextDouble() < 0.4
        ? Shape.RECT
        : Shape.SOLIDS[rng.nextInt(Shape.SOLIDS.length)];
    looks.add(Look.random(rng, luma, shape));
    Pose first = motion.at(0);
    double side = view.side();
    double mainSmall = first == null ? 0.25 * side : 2 * Math.min(first.halfWidth(), first.halfHeight());
    double mainLong = first == null ? 0.35 * side : 2 * Math.max(first.halfWidth(), first.halfHeight());

    List<Distractor> distractors = new ArrayList<>();
    // Idle means that no object moves (SYNTH.md): idle scenes get static clutter only. Walkers
    // crossing an idle scene made the models call it a move, which the class definition allows.
    int n = action == Action.IDLE ? 0 : new int[] {0, 0, 0, 1, 2}[rng.nextInt(5)];
    for (int i = 0; i < n; i++) {
      double s = rng.nextDouble(0.12, 0.4) * mainSmall / 2;
      boolean walker = rng.nextBoolean();
      double hw = walker ? s * 0.4 : s * rng.nextDouble(0.6, 1.4);
      double speed = rng.nextDouble(0.05, 0.5) * side;
      double a = rng.nextDouble(2 * Math.PI);
      distractors.add(new Distractor(Look.random(rng, luma, Shape.SOLIDS[rng.nextInt(Shape.SOLIDS.length)]),
          rng.nextDouble(width), rng.nextDouble(height), hw, s, speed * Math.cos(a), speed * Math.sin(a), walker));
    }
    // Pedestrians are tall and thin like a standing fall object, and a fall segment already shows
    // a new standing object every second: together they hid the falls, so no crowd there.
    if (rng.nextDouble() < 0.15 && action != Action.FALL && action != Action.IDLE) {
      double ground = rng.nextDouble(0.3, 0.9) * height;
      int people = 1 + rng.nextInt(6);
      for (int i = 0; i < people; i++) {
        double hh = rng.nextDouble(0.3, 0.7) * mainLong / 2;
        double hw = hh * rng.nextDouble(0.3, 0.45);
        double speed = rng.nextDouble(0.03, 0.25) * side;
        double a = rng.nextGaussian() * 0.35 + (rng.nextBoolean() ? Math.PI : 0);
        Look look = Look.random(rng, luma, Shape.PERSON).darker(rng.nextDouble(0.3, 0.8));
        distractors.add(new Distractor(look, rng.nextDouble(width), ground + rng.nextGaussian() * 0.15 * height,
            hw, hh, speed * Math.cos(a), speed * Math.sin(a), true));
      }
    }
    List<Clutter> clutter = new ArrayList<>();
    int m = new int[] {0, 0, 0, 1}[rng.nextInt(4)];
    for (int i = 0; i < m; i++) {
      double s = rng.nextDouble(0.1, 0.4) * mainSmall / 2;
      clutter.add(new Clutter(Look.random(rng, luma, Shape.SOLIDS[rng.nextInt(Shape.SOLIDS.length)]),
          rng.nextDouble(width), rng.nextDouble(height), s * rng.nextDouble(0.5, 1.4), s, rng.nextDouble(Math.PI)));
    }
    double gain = rng.nextDouble(0.75, 1.2);
    // A slow light change of at most ±0.25 per second (SYNTH.md's ramp), kept bounded over long segments.
    double period = rng.nextDouble(4, 10);
    double swing = rng.nextDouble() < 0.4 ? Math.min(0.18, 0.25 * period / (2 * Math.PI)) * rng.nextDouble() : 0;
    double flicker = rng.nextDouble() < 0.3 ? rng.nextDouble(0.06) : 0;
    return new Scene(action, width, height, bg, motion, List.copyOf(looks), List.copyOf(distractors),
        List.copyOf(clutter), gain, swing, period, rng.nextDouble(2 * Math.PI), flicker,
        rng.nextDouble(0.0, 0.04));
  }

  /** Brightness gain at time t. */
  double gainAt(double t) {
    return gain + swing * Math.sin(2 * Math.PI * t / swingPeriod + swingPhase)
        + flicker * Math.sin(2 * Math.PI * 3.1 * t);
  }
}
