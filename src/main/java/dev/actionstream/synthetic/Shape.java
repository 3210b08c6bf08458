package dev.actionstream.synthetic;

/**
 * Outlines of drawn objects as a distance-like field in the object's normalised coordinates (u, v
 * in [-1, 1] across its box, v = -1 at the top): negative inside, 0 on the edge, about the true
 * distance near it, which is all antialiasing needs.
 */
enum Shape {
  RECT {
    @Override
    double distance(double u, double v) {
      return Math.max(Math.abs(u), Math.abs(v)) - 1;
    }
  },
  ELLIPSE {
    @Override
    double distance(double u, double v) {
      return Math.sqrt(u * u + v * v) - 1;
    }
  },
  /** Apex up. */
  TRIANGLE {
    @Override
    double distance(double u, double v) {
      // Sides from the apex (0, -1) to the base corners (±1, 1), and the base at v = 1.
      return Math.max((2 * Math.abs(u) - v - 1) / Math.sqrt(5), v - 1);
    }
  },
  ROUNDED {
    @Override
    double distance(double u, double v) {
      double r = 0.4;
      double qu = Math.max(Math.abs(u) - (1 - r), 0);
      double qv = Math.max(Math.abs(v) - (1 - r), 0);
      double outside = Math.sqrt(qu * qu + qv * qv);
      double inside = Math.min(Math.max(Math.abs(u) - (1 - r), Math.abs(v) - (1 - r)), 0);
      return outside + inside - r;
    }
  },
  DIAMOND {
    @Override
    double distance(double u, double v) {
      return (Math.abs(u) + Math.abs(v) - 1) * 0.7071;
    }
  },
  CROSS {
    @Override
    double distance(double u, double v) {
      double au = Math.abs(u);
      double av = Math.abs(v);
      double bar = 0.34; // arm half-thickness
      return Math.min(Math.max(au - bar, av - 1), Math.max(au - 1, av - bar));
    }
  },
  /** A pedestrian: a round head on a body, in a tall box. */
  PERSON {
    @Override
    double distance(double u, double v) {
      double hu = u / 0.5;
      double hv = (v + 0.78) / 0.22;
      double head = (Math.sqrt(hu * hu + hv * hv) - 1) * 0.22;
      double body = Math.max(Math.abs(u) - 1, Math.abs(v - 0.2) - 0.8);
      return Math.min(head, body);
    }
  };

  /** The shapes a main object or distractor may have (people are only drawn in crowds). */
  static final Shape[] SOLIDS = {RECT, ELLIPSE, TRIANGLE, ROUNDED, DIAMOND, CROSS};

  abstract double distance(double u, double v);
}
