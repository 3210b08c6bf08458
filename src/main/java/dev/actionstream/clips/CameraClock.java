package dev.actionstream.clips;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Value of the {@code window-schedule} store: where one camera's windows stand, in camera time.
 *
 * @param streamTime newest capture time seen (the camera's observed stream time)
 * @param nextEnd end of the next window to infer; windows end on multiples of the hop
 * @param lastEnd end of the last window inferred or skipped; {@code Long.MIN_VALUE} before the
 *     first
 */
public record CameraClock(long streamTime, long nextEnd, long lastEnd) {

  public static final Serde<CameraClock> SERDE = Serdes.serdeFrom(new Ser(), new De());

  private static final class Ser implements Serializer<CameraClock> {
    @Override
    public byte[] serialize(String topic, CameraClock c) {
      return c == null
          ? null
          : ByteBuffer.allocate(3 * Long.BYTES)
              .putLong(c.streamTime)
              .putLong(c.nextEnd)
              .putLong(c.lastEnd)
              .array();
    }
  }

  private static final class De implements Deserializer<CameraClock> {
    @Override
    public CameraClock deserialize(String topic, byte[] b) {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      return new CameraClock(buf.getLong(), buf.getLong(), buf.getLong());
    }
  }
}
