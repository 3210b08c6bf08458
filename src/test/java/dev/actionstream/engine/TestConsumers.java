package dev.actionstream.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
}
