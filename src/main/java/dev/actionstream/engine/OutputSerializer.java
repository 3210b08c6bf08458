package dev.actionstream.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Keys and values of every output topic: bytes pass through untouched (dead letters keep the
 * original record's bytes, even an invalid key), strings are UTF-8, records are JSON.
 */
public final class OutputSerializer implements Serializer<Object> {
  public static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public byte[] serialize(String topic, Object data) {
    if (data == null || data instanceof byte[]) {
      return (byte[]) data;
    }
    if (data instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return JSON.writeValueAsBytes(data);
    } catch (JsonProcessingException e) {
      throw new SerializationException("cannot write " + data.getClass().getSimpleName(), e);
    }
  }
}
