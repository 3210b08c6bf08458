package dev.actionstream.clips;

import java.util.ArrayList;
import java.util.List;

/**
 * When a camera's windows are due, in camera time (DESIGN.md "Windowing semantics").
 *
 * <ul>
 *   <li>Window k covers [end − D, end] with end a multiple of {@code hop}; the first window of a
 *       camera is the first whose start is at or after its first frame, so it is full.
 *   <li>A window is due once the camera's stream time reaches end + grace: frames up to grace
 *       out of order are placed in it; a frame older than stream time − grace is late.
 *   <li>After a gap longer than D without frames the schedule restarts as for a new camera: the
 *       windows of a silent camera are not windows.
 * </ul>
 */
public final class WindowPlan {
  private final long hop;
  private final long duration;
  private final long grace;

  public WindowPlan(long hopMs, long durationMs, long graceMs) {
    if (hopMs <= 0 || durationMs <= 0 || graceMs < 0) {
      throw new IllegalArgumentException(
          "hop %d, duration %d, grace %d ms".formatted(hopMs, durationMs, graceMs));
    }
    this.hop = hopMs;
    this.duration = durationMs;
    this.grace = graceMs;
  }

  public long hop() {
    return hop;
  }

  public long duration() {
    return duration;
  }

  public long grace() {
    return grace;
  }

  /** The clock of a camera whose first frame is at {@code ts}. */
  public CameraClock start(long ts) {
    return new CameraClock(ts, firstEndAfter(ts), Long.MIN_VALUE);
  }

  /** Smallest multiple of hop ≥ ts + D: the first full window starting at or after ts. */
  long firstEndAfter(long ts) {
    return Math.floorDiv(ts + duration + hop - 1, hop) * hop;
  }

  /** Whether a frame at {@code ts} arrives too late to be placed in its windows. */
  public boolean isLate(CameraClock clock, long ts) {
    return clock != null && ts < clock.streamTime() - grace;
  }

  /** The clock after a (not late) frame at {@code ts}, before any window is taken. */
  public CameraClock advance(CameraClock clock, long ts) {
    if (clock == null) {
      return start(ts);
    }
    return new CameraClock(Math.max(clock.streamTime(), ts), clock.nextEnd(), clock.lastEnd());
  }

  /** Ends of the windows now due, oldest first (the caller takes them all, then calls taken). */
  public List<Long> due(CameraClock clock) {
    List<Long> ends = new ArrayList<>(2);
    for (long end = clock.nextEnd(); end + grace <= clock.streamTime(); end += hop) {
      ends.add(end);
    }
    return ends;
  }

  /** The clock once the window ending at {@code end} has been inferred or skipped. */
  public CameraClock taken(CameraClock clock, long end) {
    return new CameraClock(clock.streamTime(), end + hop, end);
  }

  /**
   * The clock after a gap: when the camera sent nothing in the window ending at {@code end} and
   * its next frame is at {@code nextFrameTs}, windows restart at that frame.
   */
  public CameraClock restartAt(CameraClock clock, long nextFrameTs) {
    return new CameraClock(clock.streamTime(), firstEndAfter(nextFrameTs), clock.lastEnd());
  }

  /** Frames older than this can no longer be in any window of {@code clock}. */
  public long retainFrom(CameraClock clock) {
    return clock.nextEnd() - duration;
  }
}
