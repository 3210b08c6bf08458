package dev.actionstream.synthetic;

import java.util.Locale;

/**
 * The eight synthetic actions, in the output order of the demo models (models/demo/x3d/labels.txt).
 * Each is defined by what the main object does over a clip (tools/modelkit/SYNTH.md), never by how
 * it looks.
 */
public enum Action {
  /** The main object stays put (or there is none); only distractors move. */
  IDLE,
  /** Its centre moves left at a steady speed. */
  MOVE_LEFT,
  MOVE_RIGHT,
  /** Its centre moves up (towards row 0). */
  MOVE_UP,
  MOVE_DOWN,
  /** It grows steadily: end/start size 1.4–2.5 per clip. */
  APPROACH,
  /** It shrinks steadily: end/start size 0.4–0.7 per clip. */
  RECEDE,
  /** An upright object tips 90° about a bottom corner within about half a second and lies flat. */
  FALL;

  /** The label as the models' label files spell it, e.g. {@code move_left}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
