package dev.actionstream.frames;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The frame message contract (README "Frame contract"): key = camera id (UTF-8), value = JPEG or
 * PNG, capture time = header {@code capture-ts} (epoch ms, decimal text) or else the record
 * timestamp, optional headers {@code frame-seq} and {@code content-type}. Checks everything that
 * can be checked without decoding the image; the decoder checks the rest.
 *
 * <p>Runs for every frame, so the usual record (an ASCII camera id, plain decimal headers, one of
 * the two content types) is read straight from its bytes; anything else takes the general path
 * (strict UTF-8, {@code Long.parseLong} of the trimmed text), which decides and words the error.
 * Both accept and refuse exactly the same records. Stateless; safe to share between threads.
 */
public final class FrameContract {
  public static final String CAPTURE_TS = "capture-ts";
  public static final String FRAME_SEQ = "frame-seq";
  public static final String CONTENT_TYPE = "content-type";

  /** Longest camera id accepted, in UTF-8 bytes: ids appear in keys, metrics and logs. */
  public static final int MAX_CAMERA_ID_BYTES = 255;

  private static final byte[] JPEG_TYPE = "image/jpeg".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PNG_TYPE = "image/png".getBytes(StandardCharsets.US_ASCII);
  /** Not a value {@link #plainDecimal} can return: it reads at most 18 digits. */
  static final long NOT_PLAIN = Long.MIN_VALUE;

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
    byte[] type = headerBytes(headers, CONTENT_TYPE);
    if (type != null && !Arrays.equals(type, JPEG_TYPE) && !Arrays.equals(type, PNG_TYPE)) {
      throw new InvalidFrame(
          "unsupported-content-type",
          "content-type '" + new String(type, StandardCharsets.UTF_8) + "' (image/jpeg or image/png)");
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
    if (isAscii(key)) {
      // ASCII is valid UTF-8 that decodes byte for byte: no decoder (and its buffers) needed.
      return new String(key, StandardCharsets.ISO_8859_1);
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
    byte[] value = headerBytes(headers, CAPTURE_TS);
    if (value == null) {
      return recordTs;
    }
    long plain = plainDecimal(value);
    if (plain != NOT_PLAIN) {
      return plain;
    }
    String text = new String(value, StandardCharsets.UTF_8);
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidFrame(
          "invalid-capture-ts", "header capture-ts '" + clip(text) + "' is not epoch milliseconds");
    }
  }

  private static long seq(Headers headers) {
    byte[] value = headerBytes(headers, FRAME_SEQ);
    if (value == null) {
      return 0;
    }
    long plain = plainDecimal(value);
    if (plain >= 0) { // NOT_PLAIN and negative numbers: the general path decides and words it
      return plain;
    }
    String text = new String(value, StandardCharsets.UTF_8);
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

  /** The last value of a header, or null. */
  private static byte[] headerBytes(Headers headers, String name) {
    if (headers == null) {
      return null;
    }
    Header h = headers.lastHeader(name);
    return h == null ? null : h.value();
  }

  private static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code Long.parseLong(text.trim())} for the common case, read from the bytes: blanks (bytes up
   * to 0x20, what trim removes) around an optional sign and 1 to 18 ASCII digits, which cannot
   * overflow. Anything else, including what parseLong would refuse and the non-ASCII digits it
   * would accept, gives {@link #NOT_PLAIN} for the caller to parse the text.
   */
  static long plainDecimal(byte[] b) {
    int from = 0;
    int to = b.length;
    while (from < to && b[from] >= 0 && b[from] <= ' ') {
      from++;
    }
    while (to > from && b[to - 1] >= 0 && b[to - 1] <= ' ') {
      to--;
    }
    boolean negative = false;
    if (from < to && (b[from] == '-' || b[from] == '+')) {
      negative = b[from] == '-';
      from++;
    }
    if (to - from < 1 || to - from > 18) {
      return NOT_PLAIN;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      int digit = b[i] - '0';
      if (digit < 0 || digit > 9) {
        return NOT_PLAIN;
      }
      n = n * 10 + digit;
    }
    return negative ? -n : n;
  }

  private static String clip(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
