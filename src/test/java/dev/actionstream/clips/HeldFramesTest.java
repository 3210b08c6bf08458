package dev.actionstream.clips;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class HeldFramesTest {
  private static final byte[] JPEG = {1};

  @Test
  void framesAreKeptPerCameraInCaptureTimeOrder() {
    HeldFrames f = new HeldFrames();
    f.put(FrameKeys.key("b", 150, 0), new HeldFrames.Held(JPEG, 1, ReplayMark.NO_TIME));
    f.put(FrameKeys.key("a", 300, 0), new HeldFrames.Held(JPEG, 3, 200));
    f.put(FrameKeys.key("a", 200, 0), new HeldFrames.Held(JPEG, 2, ReplayMark.NO_TIME));
    f.put(FrameKeys.key("a", 200, 1), new HeldFrames.Held(JPEG, 4, 300));
    assertEquals(
        List.of(200L, 200L, 300L),
        f.list("a", 0, Long.MAX_VALUE).stream().map(e -> FrameKeys.captureTs(e.getKey())).toList());
    assertEquals(List.of(150L), f.list("b", 100, 150).stream().map(e -> FrameKeys.captureTs(e.getKey())).toList());
    assertEquals(300L, f.firstAfter("a", 200));
    assertNull(f.firstAfter("a", 300));
    assertTrue(f.contains(FrameKeys.key("a", 200, 1)));
    assertFalse(f.contains(FrameKeys.key("a", 200, 2)));
  }

  @Test
  void aMarkIsTheHeldFrameThatArrivedFirstNotTheOldest() {
    HeldFrames f = new HeldFrames();
    // Arrival (offset) order 10, 11, 12; capture order 12, 10, 11: the frame at offset 12 came late.
    f.put(FrameKeys.key("a", 1_000, 0), new HeldFrames.Held(JPEG, 10, 900));
    f.put(FrameKeys.key("a", 1_100, 0), new HeldFrames.Held(JPEG, 11, 1_000));
    f.put(FrameKeys.key("a", 950, 0), new HeldFrames.Held(JPEG, 12, 1_100));
    assertEquals(new ReplayMark(10, 900), f.mark("a"));
    List<Map.Entry<Bytes, HeldFrames.Held>> purged = f.purge("a", 1_001);
    assertEquals(2, purged.size());
    assertEquals(new ReplayMark(11, 1_000), f.mark("a"));
    f.purge("a", 2_000);
    assertNull(f.mark("a"), "nothing held, nothing to replay");
    assertEquals(0, f.size());
  }

  /** TreeMap moves keys between nodes when it deletes one: purge must hand back what it removed. */
  @Test
  void purgeReturnsExactlyTheFramesItRemoved() {
    HeldFrames f = new HeldFrames();
    for (int i = 0; i < 60; i++) {
      f.put(FrameKeys.key("a", 1_000 + i, 0), new HeldFrames.Held(JPEG, 2L * i, 0));
      f.put(FrameKeys.key("b", 1_000 + i, 0), new HeldFrames.Held(JPEG, 2L * i + 1, 0));
    }
    List<Map.Entry<Bytes, HeldFrames.Held>> gone = f.purge("a", 1_030);
    assertEquals(
        java.util.stream.LongStream.range(1_000, 1_030).boxed().toList(),
        gone.stream().map(e -> FrameKeys.captureTs(e.getKey())).toList());
    assertTrue(gone.stream().allMatch(e -> e.getValue().offset() == 2 * (FrameKeys.captureTs(e.getKey()) - 1_000)));
    assertEquals(90, f.size());
    assertEquals(new ReplayMark(60, 0), f.mark("a"));
  }

  @Test
  void parkedFramesAreNotReplayedSoTheMarkSkipsThem() {
    HeldFrames f = new HeldFrames();
    f.put(FrameKeys.key("a", 1_000, 0), new HeldFrames.Held(JPEG, 10, 900));
    f.put(FrameKeys.key("a", 1_100, 0), new HeldFrames.Held(JPEG, 11, 1_000));
    f.put(FrameKeys.key("b", 1_000, 0), new HeldFrames.Held(JPEG, 12, 900));
    assertEquals(2, f.park("a").size());
    assertEquals(List.of(), f.park("a"), "parked once");
    assertNull(f.mark("a"), "only parked frames: nothing to replay");
    assertEquals(new ReplayMark(12, 900), f.mark("b"));
    // The camera comes back: its new frame is where replay starts; parked ones purge as usual.
    f.put(FrameKeys.key("a", 5_000, 0), new HeldFrames.Held(JPEG, 40, 1_100));
    assertEquals(new ReplayMark(40, 1_100), f.mark("a"));
    List<Map.Entry<Bytes, HeldFrames.Held>> gone = f.purge("a", 4_000);
    assertEquals(2, gone.size());
    assertTrue(gone.stream().allMatch(e -> e.getValue().parked()));
  }
}
