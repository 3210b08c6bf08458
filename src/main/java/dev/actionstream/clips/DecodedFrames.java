package dev.actionstream.clips;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;

/**
 * Preprocessed frames of one task, by {@code clip-frames} key: a cache, never the truth. The
 * store holds the compressed frames; after a restart or a rebalance an entry is rebuilt from
 * them on first use. Entries leave with their frame (purge) or, past {@code maxFloats}, oldest
 * first. One stream thread owns a task, so no guarding is needed.
 *
 * <p>Arrays of purged frames are kept as spares ({@link #spareOrNew}) for the next frames to fill:
 * a camera purges about as many frames per window as it sends, so in steady state no frame
 * allocates its planes. Invariant: an array from {@link #get} may be refilled once its entry is
 * {@link #remove}d, so whoever reads planes (a clip being assembled) must be done with them
 * before purging their frames. Evicted arrays are not reused: eviction happens while a window is
 * being gathered and may drop a frame that window already holds.
 */
final class DecodedFrames {
  /** Spares kept at most: more than one purge frees at the highest frame rates. */
  static final int MAX_SPARES = 64;

  private final long maxFloats;
  private long floats;
  private final LinkedHashMap<Bytes, float[]> byKey = new LinkedHashMap<>(256, 0.75f, true);
  private final ArrayDeque<float[]> spares = new ArrayDeque<>();

  DecodedFrames(long maxFloats) {
    this.maxFloats = maxFloats;
  }

  float[] get(Bytes key) {
    return byKey.get(key);
  }

  void put(Bytes key, float[] planes) {
    float[] old = byKey.put(key, planes);
    floats += planes.length - (old == null ? 0 : old.length);
    var it = byKey.entrySet().iterator();
    while (floats > maxFloats && it.hasNext()) {
      Map.Entry<Bytes, float[]> eldest = it.next();
      if (eldest.getKey().equals(key)) {
        break;
      }
      floats -= eldest.getValue().length;
      it.remove();
    }
  }

  /** Drops the frame's planes and keeps its array as a spare. */
  void remove(Bytes key) {
    float[] old = byKey.remove(key);
    if (old != null) {
      floats -= old.length;
      if (spares.size() < MAX_SPARES) {
        spares.push(old);
      }
    }
  }

  /**
   * An array of {@code length} floats to fill with a frame's planes: a purged frame's (old
   * contents, every element to be overwritten) or a new one.
   */
  float[] spareOrNew(int length) {
    float[] spare = spares.poll();
    return spare != null && spare.length == length ? spare : new float[length];
  }

  int size() {
    return byKey.size();
  }

  int spares() {
    return spares.size();
  }

  void clear() {
    byKey.clear();
    spares.clear();
    floats = 0;
  }
}
