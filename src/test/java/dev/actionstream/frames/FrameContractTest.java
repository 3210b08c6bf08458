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

  /**
   * Header numbers are read from the bytes when they are plain ASCII decimals; every value must
   * still give what Long.parseLong of the trimmed text gives, or the same refusal.
   */
  @Test
  void headerNumbersParseAsLongParseLongOfTheTrimmedText() {
    byte[] cam = "c".getBytes(StandardCharsets.UTF_8);
    String[] texts = {
      "1700000000123", " 1700000000123\t", "\n42\r", "+42", "0042", "-0", "+0", "7",
      "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
      "-5", "-", "+", "", " ", "1 2", "12a", "0x10", "1_000", "１２", "\u0664\u0662", "42\u00a0", "\u000042"
    };
    for (String text : texts) {
      Long expected;
      try {
        expected = Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        expected = null;
      }
      // capture-ts: any parseable value is taken (and then checked against 1970 and the clock).
      if (expected == null) {
        assertEquals("invalid-capture-ts", reason(cam, JPEG, headers("capture-ts", text), NOW), text);
      } else if (expected > 0 && expected <= NOW) {
        assertEquals(expected.longValue(), contract.check(cam, JPEG, headers("capture-ts", text), NOW, NOW).captureTs(), text);
      }
      // frame-seq: parseable and not negative.
      if (expected == null || expected < 0) {
        assertEquals("invalid-frame-seq", reason(cam, JPEG, headers("frame-seq", text), NOW), text);
      } else {
        assertEquals(expected.longValue(), contract.check(cam, JPEG, headers("frame-seq", text), NOW, NOW).seq(), text);
      }
      long plain = FrameContract.plainDecimal(text.getBytes(StandardCharsets.UTF_8));
      if (plain != FrameContract.NOT_PLAIN) {
        assertEquals(expected, Long.valueOf(plain), text);
      }
    }
  }

  @Test
  void cameraIdsDecodeAsStrictUtf8WhetherAsciiOrNot() {
    for (String id : new String[] {"cam-1", "gate 3/north", "\u0001ctl", "café-ü", "カメラ7", "x".repeat(255)}) {
      assertEquals(id, contract.check(id.getBytes(StandardCharsets.UTF_8), JPEG, headers(), NOW, NOW).camera());
    }
    assertEquals("invalid-camera-id", reason(new byte[] {'a', (byte) 0x80}, JPEG, headers(), NOW));
  }

  @Test
  void onlyTheTwoImageContentTypesPass() {
    byte[] cam = "c".getBytes(StandardCharsets.UTF_8);
    contract.check(cam, JPEG, headers("content-type", "image/jpeg"), NOW, NOW);
    contract.check(cam, JPEG, headers("content-type", "image/png"), NOW, NOW);
    for (String type : new String[] {"image/jpe", "image/jpeg ", "IMAGE/JPEG", "image/pngx", ""}) {
      assertEquals("unsupported-content-type", reason(cam, JPEG, headers("content-type", type), NOW), type);
    }
  }
}
