package dev.actionstream.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ViewStateTest {
  private static final long T = 1_800_000_000_000L;
  private static final List<String> LABELS = List.of("idle", "move_left", "fall");

  private static ViewState state(ViewState.Limits limits) {
    return new ViewState(
        limits, new ViewState.Topics("frames", "predictions", "events"), LABELS, List.of("fall"), 1 << 20);
  }

  private static ViewState state() {
    return state(ViewState.Limits.defaults());
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, String key, byte[] value, long ts) {
    return new ConsumerRecord<>(
        topic, partition, offset, ts, TimestampType.CREATE_TIME, -1, -1,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), Optional.empty());
  }

  private static ConsumerRecord<byte[], byte[]> json(String topic, int partition, String camera, String json) {
    return record(topic, partition, 0, camera, json.getBytes(StandardCharsets.UTF_8), T);
  }

  private static byte[] jpeg(int size, int fill) {
    byte[] b = new byte[size];
    b[0] = (byte) 0xff;
    b[1] = (byte) 0xd8;
    for (int i = 2; i < size; i++) {
      b[i] = (byte) fill;
    }
    return b;
  }

  private static String prediction(String camera, String label, double score, long end) {
    return """
        {"camera":"%s","window_start":%d,"window_end":%d,"frames":8,"label":"%s","score":%s,
         "top_k":[{"label":"%s","score":%s},{"label":"idle","score":0.01},{"label":"x","score":0.005},{"label":"y","score":0.001}],
         "scores":[0.1],"model":"m","topology":"t"}"""
        .formatted(camera, end - 1600, end, label, score, label, score);
  }

  private static String event(String type, String id, String camera, String label, long start, Long end, long windowEnd) {
    return """
        {"type":"%s","id":"%s","camera":"%s","label":"%s","score":0.8,"top_score":0.9,"start":%d,%s"window_end":%d,"alert":%s,"model":"m","topology":"t"}"""
        .formatted(type, id, camera, label, start, end == null ? "" : "\"end\":" + end + ",", windowEnd, label.equals("fall"));
  }

  @Test
  void recordsFromEveryPartitionMakeOneTilePerCamera() {
    ViewState s = state();
    // Cameras on different partitions (as several engine instances would have them).
    s.accept(record("frames", 0, 10, "cam-1", jpeg(100, 1), T - 1000), T);
    s.accept(record("frames", 3, 7, "cam-2", jpeg(100, 2), T - 1000), T);
    s.accept(json("predictions", 0, "cam-1", prediction("cam-1", "move_left", 0.97, T - 300)), T);
    s.accept(json("predictions", 2, "cam-3", prediction("cam-3", "fall", 0.88, T - 300)), T);
    s.accept(json("events", 1, "cam-3", event("new", "e1", "cam-3", "fall", T - 2000, null, T - 300)), T);

    ViewState.Snapshot snap = s.snapshot(T + 1000);
    assertEquals(List.of("cam-1", "cam-2", "cam-3"), snap.cameras().stream().map(ViewState.CameraView::camera).toList());
    ViewState.CameraView c1 = snap.cameras().get(0);
    assertEquals("live", c1.state());
    assertEquals("move_left", c1.label());
    assertEquals(0.97, c1.score());
    assertEquals(3, c1.topK().size(), "top 3 kept");
    assertEquals(T - 1000, c1.frameTs());
    assertFalse(c1.alert());
    ViewState.CameraView c2 = snap.cameras().get(1);
    assertNull(c2.label(), "a frame but no prediction yet");
    ViewState.CameraView c3 = snap.cameras().get(2);
    assertEquals("down", c3.state(), "predictions but no frame");
    assertTrue(c3.alert());
    assertEquals(1, c3.episodes().size());
    assertNull(c3.episodes().get(0).end());
    assertEquals(List.of("fall"), snap.alertLabels());
  }

  @Test
  void newestPredictionWinsAndEpisodesOpenUpdateAndEnd() {
    ViewState s = state();
    s.accept(json("predictions", 0, "cam-1", prediction("cam-1", "move_left", 0.9, T)), T);
    s.accept(json("predictions", 0, "cam-1", prediction("cam-1", "fall", 0.7, T - 1000)), T);
    assertEquals("move_left", s.snapshot(T).cameras().get(0).label(), "an older window does not replace a newer one");

    s.accept(json("events", 0, "cam-1", event("new", "e1", "cam-1", "move_left", T - 3000, null, T - 1000)), T);
    s.accept(json("events", 0, "cam-1", event("update", "e1", "cam-1", "move_left", T - 3000, null, T)), T);
    s.accept(json("events", 0, "cam-1", event("end", "e1", "cam-1", "move_left", T - 3000, T + 2000, T + 2000)), T);
    s.accept(json("events", 0, "cam-1", event("update", "e1", "cam-1", "move_left", T - 3000, null, T + 1000)), T);
    s.accept(json("events", 0, "cam-1", event("new", "e2", "cam-1", "fall", T + 2000, null, T + 3000)), T);
    List<ViewState.Episode> eps = s.snapshot(T + 4000).cameras().get(0).episodes();
    assertEquals(2, eps.size());
    assertEquals("e1", eps.get(0).id());
    assertEquals(T + 2000, eps.get(0).end(), "a late update does not reopen an ended episode");
    assertEquals("e2", eps.get(1).id());
    assertTrue(eps.get(1).alert());
  }

  @Test
  void statesFollowTheAgeOfTheNewestFrame() {
    ViewState s = state();
    s.onFrame("cam-1", jpeg(10, 0), T, T);
    assertEquals("live", s.snapshot(T + 4_000).cameras().get(0).state());
    assertEquals("stale", s.snapshot(T + 6_000).cameras().get(0).state());
    assertEquals("down", s.snapshot(T + 61_000).cameras().get(0).state());
    // A camera clock ahead of ours does not keep it live.
    s.onFrame("cam-2", jpeg(10, 0), T + 3_600_000, T);
    assertEquals("down", s.snapshot(T + 61_000).cameras().get(1).state());
  }

  @Test
  void framesAreThrottledAndOnlyTheNewestIsKept() {
    ViewState s = state();
    s.onFrame("cam-1", jpeg(50, 1), T, T);
    s.onFrame("cam-1", jpeg(50, 2), T + 66, T + 66);   // within 200 ms: not kept
    assertEquals(1, s.frame("cam-1").orElseThrow().bytes()[10]);
    s.onFrame("cam-1", jpeg(60, 3), T + 200, T + 200);
    assertEquals(3, s.frame("cam-1").orElseThrow().bytes()[10]);
    s.onFrame("cam-1", jpeg(70, 4), T + 100, T + 300); // older: not kept
    assertEquals(60, s.frameBytes(), "one frame held per camera");
    assertEquals("image/jpeg", s.frame("cam-1").orElseThrow().contentType());
    // A camera whose clock went back is not frozen.
    s.onFrame("cam-1", jpeg(40, 5), T - 600_000, T + 400);
    assertEquals(5, s.frame("cam-1").orElseThrow().bytes()[10]);
    assertTrue(s.frame("cam-9").isEmpty());
  }

  @Test
  void malformedRecordsAreCountedNotShown() {
    ViewState s = state();
    s.accept(record("frames", 0, 0, null, jpeg(10, 0), T), T);              // no camera id
    s.accept(record("frames", 0, 1, "cam-1", new byte[0], T), T);          // empty
    s.accept(record("frames", 0, 2, "cam-1", new byte[(1 << 20) + 1], T), T); // too large
    s.accept(json("predictions", 0, "cam-1", "not json"), T);
    s.accept(json("events", 0, "cam-1", "{\"type\":\"new\"}"), T);
    s.accept(json("alerts", 0, "cam-1", "{}"), T);                          // not a view topic
    assertEquals(List.of(), s.snapshot(T).cameras());
    assertEquals(5, s.counts()[1]);
  }

  @Test
  void memoryIsBounded() {
    ViewState.Limits limits =
        new ViewState.Limits(
            3, 4, 250, Duration.ofMinutes(5), Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofMinutes(30));
    ViewState s = state(limits);
    // Cameras: the one heard from longest ago is forgotten.
    for (int i = 1; i <= 5; i++) {
      s.onFrame("cam-" + i, jpeg(100, i), T + i, T + i);
    }
    List<String> ids = s.snapshot(T + 10).cameras().stream().map(ViewState.CameraView::camera).toList();
    assertEquals(List.of("cam-3", "cam-4", "cam-5"), ids);
    // Frame bytes: 3 × 100 > 250, so the stalest camera's frame went.
    assertTrue(s.frameBytes() <= 250, "frame bytes " + s.frameBytes());
    assertTrue(s.frame("cam-5").isPresent());
    assertTrue(s.frame("cam-3").isEmpty());
    // Episodes: at most 4 per camera, the newest kept.
    for (int i = 0; i < 20; i++) {
      s.onEvent("new", "e" + i, "cam-5", "move_left", 0.8, 0.8, T + i * 1000, null, T + i * 1000, false, T + 20);
      s.onEvent("end", "e" + i, "cam-5", "move_left", 0.3, 0.8, T + i * 1000, T + i * 1000 + 500, T + i * 1000 + 500, false, T + 20);
    }
    List<ViewState.Episode> eps = s.snapshot(T + 21_000).cameras().get(2).episodes();
    assertEquals(List.of("e16", "e17", "e18", "e19"), eps.stream().map(ViewState.Episode::id).toList());
    // Off the timeline (5 min) episodes go; after 30 min of silence cameras go.
    assertEquals(List.of(), s.snapshot(T + 21_000 + 300_000).cameras().get(2).episodes());
    assertEquals(List.of(), s.snapshot(T + 31 * 60_000).cameras());
    assertEquals(0, s.frameBytes());
  }

  @Test
  void pngFramesKeepTheirType() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    assertEquals("image/png", ViewState.contentType(png));
  }
}
