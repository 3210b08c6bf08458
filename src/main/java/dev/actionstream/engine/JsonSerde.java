package dev.actionstream.engine;

import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** JSON serde for state-store values (Jackson; the same mapper as the output topics). */
public final class JsonSerde {
  private JsonSerde() {}

  private static final OutputSerializer WRITER = new OutputSerializer();

  public static <T> Serde<T> of(Class<T> type) {
    // One reader per serde: the type is resolved here, not on every record read.
    ObjectReader reader = OutputSerializer.JSON.readerFor(type);
    return Serdes.serdeFrom(
        WRITER::serialize,
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          try {
            return reader.readValue(bytes);
          } catch (IOException e) {
            throw new SerializationException("cannot read " + type.getSimpleName(), e);
          }
        });
  }
}
