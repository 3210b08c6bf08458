package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class FrameContractTest {
  private static final long NOW = 1_800_000_000_000L;
  private final FrameContract contract = new FrameContract(1000, 30_000);
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, 1, 2};

  private static RecordHeaders headers(String... kv) {
    RecordHeaders h = new RecordHeaders();
    for (int i = 0; i < kv.length; i += 2) {
      h.add(kv[i], kv[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return h;
  }

  private String reason(byte[] key, byte[] value, RecordHeaders h, long ts) {
    return assertThrows(InvalidFrame.class, () -> contract.check(key, value, h, ts, NOW)).reason();
  }

  @Test
  void captureTimeHeaderWinsOverRecordTimestamp() {
    var f = contract.check(
        "cam-1".getBytes(StandardCharsets.UTF_8), JPEG, headers("capture-ts", "1700000000123", "frame-seq", "42"), NOW, NOW);
    assertEquals("cam-1", f.camera());
    assertEquals(1_700_000_000_123L, f.captureTs());
    assertEquals(42, f.seq());
  }

  @Test
  void recordTimestampIsTheCaptureTimeWithoutHeader() {
    assertEquals(NOW - 5, contract.check("c".getBytes(StandardCharsets.UTF_8), JPEG, headers(), NOW - 5, NOW).captureTs());
  }

  @Test
  void eachContractBreachHasItsReason() {
    byte[] cam = "c".getBytes(StandardCharsets.UTF_8);
    assertEquals("missing-camera-id", reason(null, JPEG, headers(), NOW));
    assertEquals("missing-camera-id", reason(new byte[0], JPEG, headers(), NOW));
    assertEquals("invalid-camera-id", reason(new byte[] {(byte) 0xC3, 0x28}, JPEG, headers(), NOW));
    assertEquals("empty-value", reason(cam, new byte[0], headers(), NOW));
    assertEquals("empty-value", reason(cam, null, headers(), NOW));
    assertEquals("frame-too-large", reason(cam, new byte[1001], headers(), NOW));
    assertEquals("unsupported-content-type", reason(cam, JPEG, headers("content-type", "text/plain"), NOW));
    assertEquals("invalid-capture-ts", reason(cam, JPEG, headers("capture-ts", "yesterday"), NOW));
    assertEquals("invalid-timestamp", reason(cam, JPEG, headers("capture-ts", "-5"), NOW));
    assertEquals("invalid-timestamp", reason(cam, JPEG, headers(), 0));
    assertEquals("future-timestamp", reason(cam, JPEG, headers(), NOW + 30_001));
    assertEquals("invalid-frame-seq", reason(cam, JPEG, headers("frame-seq", "-1"), NOW));
    assertEquals("invalid-frame-seq", reason(cam, JPEG, headers("frame-seq", "x"), NOW));
  }
}
