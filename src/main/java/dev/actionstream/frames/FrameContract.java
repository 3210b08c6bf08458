package dev.actionstream.frames;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The frame message contract (README "Frame contract"): key = camera id (UTF-8), value = JPEG or
 * PNG, capture time = header {@code capture-ts} (epoch ms, decimal text) or else the record
 * timestamp, optional headers {@code frame-seq} and {@code content-type}. Checks everything that
 * can be checked without decoding the image; the decoder checks the rest.
 */
public final class FrameContract {
  public static final String CAPTURE_TS = "capture-ts";
  public static final String FRAME_SEQ = "frame-seq";
  public static final String CONTENT_TYPE = "content-type";

  /** Longest camera id accepted, in UTF-8 bytes: ids appear in keys, metrics and logs. */
  public static final int MAX_CAMERA_ID_BYTES = 255;

  private final int maxFrameBytes;
  private final long maxFutureMs;

  public FrameContract(int maxFrameBytes, long maxFutureMs) {
    this.maxFrameBytes = maxFrameBytes;
    this.maxFutureMs = maxFutureMs;
  }

  /** A frame that passed the contract; its image is not decoded yet. */
  public record IncomingFrame(String camera, long captureTs, long seq, byte[] image) {}

  /**
   * @param recordTs the Kafka record timestamp
   * @param wallNow wall clock, to refuse capture times in the future
   * @throws InvalidFrame with the reason the record goes to dead letters
   */
  public IncomingFrame check(byte[] key, byte[] value, Headers headers, long recordTs, long wallNow) {
    String camera = cameraId(key);
    if (value == null || value.length == 0) {
      throw new InvalidFrame("empty-value", "the record has no image bytes");
    }
    if (value.length > maxFrameBytes) {
      throw new InvalidFrame(
          "frame-too-large", value.length + " bytes > input.max-frame-bytes " + maxFrameBytes);
    }
    String type = header(headers, CONTENT_TYPE);
    if (type != null && !type.equals("image/jpeg") && !type.equals("image/png")) {
      throw new InvalidFrame(
          "unsupported-content-type", "content-type '" + type + "' (image/jpeg or image/png)");
    }
    long ts = captureTs(headers, recordTs);
    if (ts <= 0) {
      throw new InvalidFrame("invalid-timestamp", "capture time " + ts + " is not after 1970");
    }
    if (ts > wallNow + maxFutureMs) {
      throw new InvalidFrame(
          "future-timestamp",
          "capture time %d is %d ms ahead of the wall clock (windows.max-future %d ms)"
              .formatted(ts, ts - wallNow, maxFutureMs));
    }
    return new IncomingFrame(camera, ts, seq(headers), value);
  }

  private static String cameraId(byte[] key) {
    if (key == null || key.length == 0) {
      throw new InvalidFrame("missing-camera-id", "the record key (camera id) is empty");
    }
    if (key.length > MAX_CAMERA_ID_BYTES) {
      throw new InvalidFrame(
          "invalid-camera-id", "camera id of " + key.length + " bytes > " + MAX_CAMERA_ID_BYTES);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(key))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidFrame("invalid-camera-id", "the record key is not UTF-8");
    }
  }

  private static long captureTs(Headers headers, long recordTs) {
    String text = header(headers, CAPTURE_TS);
    if (text == null) {
      return recordTs;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidFrame(
          "invalid-capture-ts", "header capture-ts '" + clip(text) + "' is not epoch milliseconds");
    }
  }

  private static long seq(Headers headers) {
    String text = header(headers, FRAME_SEQ);
    if (text == null) {
      return 0;
    }
    try {
      long seq = Long.parseLong(text.trim());
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidFrame(
        "invalid-frame-seq", "header frame-seq '" + clip(text) + "' is not a non-negative integer");
  }

  /** The last value of a header as text, or null. */
  static String header(Headers headers, String name) {
    if (headers == null) {
      return null;
    }
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String clip(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
