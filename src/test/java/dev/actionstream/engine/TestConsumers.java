package dev.actionstream.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** A subscriber's view of the output topics, for integration tests. */
public final class TestConsumers {
  private TestConsumers() {}

  /**
   * Everything committed on {@code topics} that this reader has not read before (read_committed,
   * one consumer group per JVM), once the topics have been quiet for 3 s.
   */
  public static Map<String, List<ConsumerRecord<byte[], byte[]>>> readAll(String bootstrap, List<String> topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
    topics.forEach(t -> out.put(t, new ArrayList<>()));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(topics);
      int idle = 0;
      while (idle < 10) {
        var records = c.poll(Duration.ofMillis(300));
        idle = records.isEmpty() ? idle + 1 : 0;
        records.forEach(r -> out.get(r.topic()).add(r));
      }
    }
    return out;
  }

  /**
   * One key's records on {@code topic}, from the beginning, in offset order: returns as soon as
   * {@code atLeast} of them arrived and the topic was quiet for 300 ms more, or at {@code timeout}
   * with what arrived (a fresh consumer group each call, so nothing is skipped).
   */
  public static List<ConsumerRecord<byte[], byte[]>> readKey(
      String bootstrap, String topic, String key, int atLeast, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-key-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(topic));
      while (System.nanoTime() < deadline) {
        var records = c.poll(Duration.ofMillis(300));
        if (records.isEmpty() && out.size() >= atLeast) {
          break;
        }
        records.forEach(r -> {
          if (Arrays.equals(k, r.key())) {
            out.add(r);
          }
        });
      }
    }
    return out;
  }
}
