package dev.actionstream.ingest;

/**
 * Caps a camera's frame rate by dropping frames, never by queueing them: a frame is kept when its
 * capture time reaches the next slot of a grid at the target interval. The grid keeps the average
 * at the target for any faster source; a slower source keeps every frame, and a gap (a stalled
 * camera) restarts the grid instead of letting a burst through.
 */
final class FpsLimiter {
  private final double intervalMs;
  private final double toleranceMs;
  private double nextSlot = Double.NEGATIVE_INFINITY;

  /** @param fps target rate; 0 or less keeps every frame */
  FpsLimiter(double fps) {
    this.intervalMs = fps > 0 ? 1000.0 / fps : 0;
    // A frame up to a quarter interval early still takes its slot: capture times are whole ms and
    // live sources jitter, and a source at exactly the target rate must lose nothing. The grid
    // still advances one interval per kept frame, so the average never exceeds the target.
    this.toleranceMs = Math.max(1.0, intervalMs / 4);
  }

  /** Whether to keep the frame captured at {@code captureMs} (times must not go backwards much). */
  boolean accept(long captureMs) {
    if (intervalMs == 0) {
      return true;
    }
    if (captureMs + toleranceMs < nextSlot) {
      return false;
    }
    nextSlot = captureMs - nextSlot > 2 * intervalMs ? captureMs + intervalMs : nextSlot + intervalMs;
    return true;
  }
}
