package dev.actionstream.clips;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;

/**
 * The compressed frames one task holds for windows not yet taken, by {@link FrameKeys} key (one
 * camera's frames are one key range, in capture-time order), each with where it came from.
 *
 * <p>In memory only, on purpose: writing every frame to a changelogged store doubled the bytes
 * produced per frame (the frame, then its tombstone) and cost about 1 ms of Kafka Streams work a
 * frame. The input topic already holds every frame, so a task that opens again re-reads them from
 * there ({@link FrameReplay}), starting at each camera's {@link #mark}. Frames of a camera that
 * went silent are parked in a changelogged store instead (offset {@link #PARKED}), so that one
 * camera left offline does not make every later restart re-read the partition since it stopped.
 * One stream thread owns a task, so no guarding is needed.
 */
final class HeldFrames {
  /**
   * @param offset the frame's offset in the input partition, or {@link #PARKED}
   * @param streamTimeBefore the camera's stream time just before it arrived ({@link
   *     ReplayMark#NO_TIME} for a camera's first frame)
   */
  record Held(byte[] image, long offset, long streamTimeBefore) {
    boolean parked() {
      return offset == PARKED;
    }
  }

  /** Offset of a frame kept in the parked-frames store: restored from there, never replayed. */
  static final long PARKED = -1;

  private final TreeMap<Bytes, Held> byKey = new TreeMap<>();

  boolean contains(Bytes key) {
    return byKey.containsKey(key);
  }

  void put(Bytes key, Held frame) {
    byKey.put(key, frame);
  }

  /** The camera's frames with capture times in [from, to], in time order, as a copy. */
  List<Map.Entry<Bytes, Held>> list(String camera, long from, long to) {
    return copy(between(camera, from, to));
  }

  // A live view; its entries are TreeMap nodes, which removing other keys may rewrite (a deleted
  // node takes its successor's key and value), so nothing outside this class gets them.
  private NavigableMap<Bytes, Held> between(String camera, long from, long to) {
    return byKey.subMap(FrameKeys.key(camera, from, 0), true, FrameKeys.key(camera, to, Long.MAX_VALUE), true);
  }

  private static List<Map.Entry<Bytes, Held>> copy(NavigableMap<Bytes, Held> view) {
    List<Map.Entry<Bytes, Held>> out = new ArrayList<>(view.size());
    view.forEach((k, v) -> out.add(Map.entry(k, v)));
    return out;
  }

  /** Capture time of the camera's first frame after {@code ts}, or null. */
  Long firstAfter(String camera, long ts) {
    NavigableMap<Bytes, Held> later = between(camera, ts + 1, Long.MAX_VALUE);
    return later.isEmpty() ? null : FrameKeys.captureTs(later.firstKey());
  }

  /** Removes the camera's frames older than {@code from}; returns them. */
  List<Map.Entry<Bytes, Held>> purge(String camera, long from) {
    NavigableMap<Bytes, Held> old = between(camera, 0, from - 1);
    List<Map.Entry<Bytes, Held>> gone = copy(old);
    old.clear();
    return gone;
  }

  /** Marks all of the camera's frames parked; returns those that were not yet. */
  List<Map.Entry<Bytes, Held>> park(String camera) {
    List<Map.Entry<Bytes, Held>> parked = new ArrayList<>();
    for (Map.Entry<Bytes, Held> e : between(camera, 0, Long.MAX_VALUE).entrySet()) {
      if (!e.getValue().parked()) {
        parked.add(Map.entry(e.getKey(), e.getValue()));
        e.setValue(new Held(e.getValue().image(), PARKED, ReplayMark.NO_TIME));
      }
    }
    return parked;
  }

  /**
   * Where replaying the camera's frames must start: the unparked held frame that arrived first
   * (smallest offset, which after out-of-order arrivals need not be the oldest capture time); null
   * when the camera holds none but parked ones.
   */
  ReplayMark mark(String camera) {
    Held first = null;
    for (Held h : between(camera, 0, Long.MAX_VALUE).values()) {
      if (h.parked()) {
        continue;
      }
      if (first == null || h.offset() < first.offset()) {
        first = h;
      }
    }
    return first == null ? null : new ReplayMark(first.offset(), first.streamTimeBefore());
  }

  int size() {
    return byKey.size();
  }

  void clear() {
    byKey.clear();
  }
}
