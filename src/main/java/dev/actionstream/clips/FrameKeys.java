package dev.actionstream.clips;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the {@code clip-frames} store: camera id, capture time, sequence number.
 *
 * <p>Layout: 2-byte id length, id bytes (UTF-8), 8-byte capture time, 8-byte sequence number, all
 * big-endian. Capture times are positive (earlier checks refuse others), so the store's byte
 * order is the camera's time order and one camera's frames are one contiguous prefix range.
 */
final class FrameKeys {
  static final int SUFFIX = 2 * Long.BYTES;

  private FrameKeys() {}

  static Bytes key(String camera, long captureTs, long seq) {
    byte[] id = camera.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(2 + id.length + SUFFIX)
            .putShort((short) id.length)
            .put(id)
            .putLong(captureTs)
            .putLong(seq)
            .array());
  }

  /** Every key of {@code camera} starts with this. */
  static Bytes prefix(String camera) {
    byte[] id = camera.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(2 + id.length).putShort((short) id.length).put(id).array());
  }

  static long captureTs(Bytes key) {
    byte[] k = key.get();
    return ByteBuffer.wrap(k, k.length - SUFFIX, Long.BYTES).getLong();
  }

  static long seq(Bytes key) {
    byte[] k = key.get();
    return ByteBuffer.wrap(k, k.length - Long.BYTES, Long.BYTES).getLong();
  }

  /** Longest camera id the key layout holds, in UTF-8 bytes. */
  static final int MAX_ID_BYTES = Short.MAX_VALUE;
}
