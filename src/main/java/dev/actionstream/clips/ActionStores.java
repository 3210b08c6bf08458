package dev.actionstream.clips;

/**
 * Names of the topology's stores and processors. They fix the changelog topic names
 * ({@code <application-id>-<store>-changelog}): renaming one loses its state on upgrade.
 */
public final class ActionStores {
  public static final String FRAMES_SOURCE = "frames-source";
  public static final String CLIP_WINDOWS = "clip-windows";
  public static final String EPISODES = "episodes";

  /** key: camera id; value: {@link CameraClock}. */
  public static final String WINDOW_SCHEDULE = "window-schedule";
  /** key: camera id; value: {@link ReplayMark}. Frames themselves are held in memory. */
  public static final String REPLAY_MARKS = "replay-marks";
  /** key: as {@link FrameKeys}; value: image bytes of frames held for a camera gone silent. */
  public static final String PARKED_FRAMES = "parked-frames";
  /** key: camera id; value: the camera's recent scores and open episodes. */
  public static final String OPEN_EPISODES = "open-episodes";

  public static final String TO_PREDICTIONS = "predictions-sink";
  public static final String TO_EPISODES = EPISODES;
  public static final String TO_DEAD_LETTERS = "dead-letters-sink";
  public static final String TO_EVENTS = "events-sink";
  public static final String TO_ALERTS = "alerts-sink";

  /** Preprocessed frames one task keeps in memory: 64 Mi floats = 256 MiB at most. */
  static final long DECODED_CACHE_FLOATS = 64L << 20;

  private ActionStores() {}
}
