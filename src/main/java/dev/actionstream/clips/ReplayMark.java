package dev.actionstream.clips;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Value of the {@code replay-marks} store: where a camera's held frames start in the input
 * partition. Frames are held in memory only; a task that opens again re-reads its partition from
 * the smallest mark to the committed offset ({@link FrameReplay}) and replays the arrival rules
 * from each camera's mark on, which needs the camera's stream time just before that frame.
 *
 * @param offset input offset of the camera's held frame that arrived first
 * @param streamTime the camera's stream time just before that frame arrived; {@link #NO_TIME}
 *     when it was the camera's first frame (no clock yet)
 */
public record ReplayMark(long offset, long streamTime) {
  public static final long NO_TIME = Long.MIN_VALUE;

  public static final Serde<ReplayMark> SERDE = Serdes.serdeFrom(new Ser(), new De());

  private static final class Ser implements Serializer<ReplayMark> {
    @Override
    public byte[] serialize(String topic, ReplayMark m) {
      return m == null
          ? null
          : ByteBuffer.allocate(2 * Long.BYTES).putLong(m.offset).putLong(m.streamTime).array();
    }
  }

  private static final class De implements Deserializer<ReplayMark> {
    @Override
    public ReplayMark deserialize(String topic, byte[] b) {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      return new ReplayMark(buf.getLong(), buf.getLong());
    }
  }
}
