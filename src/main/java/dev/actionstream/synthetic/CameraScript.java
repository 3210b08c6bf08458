package dev.actionstream.synthetic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What a synthetic camera shows when: consecutive segments, each 3–8 s of one {@link Action},
 * covering [start, end) in epoch milliseconds without gaps.
 *
 * <p>Actions are dealt from shuffled decks of all eight, so every stretch of eight segments shows
 * each action once: a one-minute demo or accuracy run covers all classes instead of whatever a
 * uniform draw happens to favour. A seed reproduces the script exactly.
 */
public final class CameraScript {
  public static final long MIN_SEGMENT_MS = 3_000;
  public static final long MAX_SEGMENT_MS = 8_000;

  /** One action over [startMs, endMs); {@code index} counts segments from 0. */
  public record Segment(int index, Action action, long startMs, long endMs) {
    public long durationMs() {
      return endMs - startMs;
    }

    public boolean contains(long timeMs) {
      return timeMs >= startMs && timeMs < endMs;
    }
  }

  private final long startMs;
  private final long endMs;
  private final List<Segment> segments;

  public CameraScript(long startMs, List<Segment> segments) {
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("a script needs at least one segment");
    }
    for (int i = 1; i < segments.size(); i++) {
      if (segments.get(i).startMs() != segments.get(i - 1).endMs()) {
        throw new IllegalArgumentException("segments must be contiguous: " + segments.get(i));
      }
    }
    if (segments.get(0).startMs() != startMs) {
      throw new IllegalArgumentException("the first segment must start at " + startMs);
    }
    this.startMs = startMs;
    this.endMs = segments.get(segments.size() - 1).endMs();
    this.segments = List.copyOf(segments);
  }

  /** A seeded random script of {@code durationMs} from {@code startMs}; the last segment may be cut short. */
  public static CameraScript random(long seed, long startMs, long durationMs) {
    if (durationMs < 1) {
      throw new IllegalArgumentException("duration must be positive, got " + durationMs);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    List<Segment> out = new ArrayList<>();
    List<Action> deck = new ArrayList<>();
    long t = startMs;
    long end = startMs + durationMs;
    while (t < end) {
      if (deck.isEmpty()) {
        Collections.addAll(deck, Action.values());
        shuffle(deck, rng);
        if (!out.isEmpty() && deck.get(0) == out.get(out.size() - 1).action()) {
          Collections.swap(deck, 0, deck.size() - 1); // no action twice in a row across decks
        }
      }
      long length = rng.nextLong(MIN_SEGMENT_MS, MAX_SEGMENT_MS + 1);
      long segmentEnd = Math.min(end, t + length);
      out.add(new Segment(out.size(), deck.remove(0), t, segmentEnd));
      t = segmentEnd;
    }
    return new CameraScript(startMs, out);
  }

  private static void shuffle(List<Action> deck, SplittableRandom rng) {
    for (int i = deck.size() - 1; i > 0; i--) {
      Collections.swap(deck, i, rng.nextInt(i + 1));
    }
  }

  public long startMs() {
    return startMs;
  }

  public long endMs() {
    return endMs;
  }

  public List<Segment> segments() {
    return segments;
  }

  /** The segment showing at {@code timeMs}, if within [start, end). */
  public Optional<Segment> segmentAt(long timeMs) {
    if (timeMs < startMs || timeMs >= endMs) {
      return Optional.empty();
    }
    int lo = 0;
    int hi = segments.size() - 1;
    while (lo < hi) { // last segment starting at or before timeMs
      int mid = (lo + hi + 1) >>> 1;
      if (segments.get(mid).startMs() <= timeMs) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return Optional.of(segments.get(lo));
  }

  /** The true action at {@code timeMs}, if the script covers it. */
  public Optional<Action> actionAt(long timeMs) {
    return segmentAt(timeMs).map(Segment::action);
  }

  /**
   * The segment that wholly contains the closed interval [fromMs, toMs], if one does: both ends
   * show the same segment. A window ending exactly where the next segment starts is not contained.
   */
  public Optional<Segment> segmentContaining(long fromMs, long toMs) {
    if (toMs < fromMs) {
      throw new IllegalArgumentException("interval [" + fromMs + ", " + toMs + "] is reversed");
    }
    return segmentAt(fromMs).filter(s -> s.contains(toMs));
  }
}
