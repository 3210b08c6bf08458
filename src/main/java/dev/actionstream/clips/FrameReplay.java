package dev.actionstream.clips;

import dev.actionstream.config.KafkaProperties;
import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads one input partition from a given offset up to the application's committed offset
 * there: the frames a task held when it was last closed or crashed. Records from the committed
 * offset on are not replayed; the task's own consumer processes them next.
 *
 * <p>The consumer connects as the topology's {@code streams} settings say (TLS, SASL), reads
 * committed data only, and joins no group: the group id is set only to look up the committed
 * offset, which under exactly-once waits until the last owner's transaction has been committed or
 * aborted.
 */
final class FrameReplay {
  private static final Logger log = LoggerFactory.getLogger(FrameReplay.class);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private FrameReplay() {}

  /**
   * Calls {@code each} for every committed record of {@code partition} in [from, committed).
   *
   * @return records replayed
   */
  static long read(TopologyConfig config, int partition, long from, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Properties c = KafkaProperties.committedReader(config.bootstrapServers(), config.streams());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-frame-replay-" + partition);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId()); // for committed() only: no subscribe
    c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(1 << 20, config.input().maxFrameBytes() + (64 << 10)));
    // Deleted by retention already: replay what is left and say so (below).
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    TopicPartition tp = new TopicPartition(config.input().topic(), partition);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
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
