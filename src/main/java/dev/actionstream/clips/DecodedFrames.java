package dev.actionstream.clips;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;

/**
 * Preprocessed frames of one task, by {@code clip-frames} key: a cache, never the truth. The
 * store holds the compressed frames; after a restart or a rebalance an entry is rebuilt from
 * them on first use. Entries leave with their frame (purge) or, past {@code maxFloats}, oldest
 * first. One stream thread owns a task, so no guarding is needed.
 */
final class DecodedFrames {
  private final long maxFloats;
  private long floats;
  private final LinkedHashMap<Bytes, float[]> byKey = new LinkedHashMap<>(256, 0.75f, true);

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

  void remove(Bytes key) {
    float[] old = byKey.remove(key);
    if (old != null) {
      floats -= old.length;
    }
  }

  int size() {
    return byKey.size();
  }

  void clear() {
    byKey.clear();
    floats = 0;
  }
}
