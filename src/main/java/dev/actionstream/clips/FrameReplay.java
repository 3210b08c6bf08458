package dev.actionstream.clips;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads one input partition from a given offset up to the application's committed offset
 * there: the frames a task held when it was last closed or crashed. Records from the committed
 * offset on are not replayed; the task's own consumer processes them next.
 *
 * <p>The consumer gets the application's consumer settings, reads committed data only, and joins
 * no group: the group id is set only to look up the committed offset, which under exactly-once
 * waits until the last owner's transaction has been committed or aborted.
 */
final class FrameReplay {
  private static final Logger log = LoggerFactory.getLogger(FrameReplay.class);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private FrameReplay() {}

  /**
   * The application's consumer settings (brokers, security, fetch sizes): plain consumer keys,
   * then those under Kafka Streams' {@code consumer.} and {@code restore.consumer.} prefixes.
   */
  static Map<String, Object> consumerConfigs(Map<String, Object> appConfigs) {
    Map<String, Object> c = new HashMap<>();
    Set<String> names = ConsumerConfig.configNames();
    for (String prefix : List.of("", StreamsConfig.CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX)) {
      appConfigs.forEach(
          (k, v) -> {
            if (k.startsWith(prefix) && names.contains(k.substring(prefix.length()))) {
              c.put(k.substring(prefix.length()), v);
            }
          });
    }
    return c;
  }

  /**
   * Calls {@code each} for every committed record of {@code partition} in [from, committed).
   *
   * @return records replayed
   */
  static long read(
      Map<String, Object> appConfigs,
      String topic,
      int partition,
      long from,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    String applicationId = String.valueOf(appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG));
    Map<String, Object> c = consumerConfigs(appConfigs);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, applicationId + "-frame-replay-" + partition);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, applicationId);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Deleted by retention already: replay what is left and say so (below).
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    TopicPartition tp = new TopicPartition(topic, partition);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      OffsetAndMetadata committed = consumer.committed(Set.of(tp), WAIT).get(tp);
      if (committed == null || committed.offset() <= from) {
        return 0;
      }
      long end = committed.offset();
      consumer.assign(List.of(tp));
      consumer.seek(tp, from);
      long replayed = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (consumer.position(tp) < end) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "replaying frames of %s: stuck at offset %d of %d..%d after %d s"
                  .formatted(tp, consumer.position(tp), from, end, WAIT.toSeconds()));
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < from) {
            continue;
          }
          if (r.offset() >= end) {
            break;
          }
          if (replayed == 0 && r.offset() > from) {
            log.warn("{}: frames from offset {} are gone (retention); replaying from {}", tp, from, r.offset());
          }
          each.accept(r);
          replayed++;
        }
      }
      return replayed;
    }
  }
}
