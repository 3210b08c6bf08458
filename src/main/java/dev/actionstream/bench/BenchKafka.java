package dev.actionstream.bench;

import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.config.KafkaProperties;
import dev.actionstream.engine.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** The brokers a bench runs against: an in-process KRaft broker, or an existing cluster. */
final class BenchKafka implements AutoCloseable {
  /** Partitions of the frames topics bench creates (as the demo's). */
  static final int PARTITIONS = 4;

  private final EmbeddedBroker broker; // null: an existing cluster
  private final String servers;
  private final Map<String, String> client;

  private BenchKafka(EmbeddedBroker broker, String servers, Map<String, String> client) {
    this.broker = broker;
    this.servers = servers;
    this.client = client;
  }

  /**
   * @param external an existing cluster; null = start one in-process
   * @param client the topology's streams properties (TLS/SASL settings apply to bench's clients)
   */
  static BenchKafka start(String external, Map<String, String> client, PrintStream out) {
    if (external != null) {
      return new BenchKafka(null, external, client);
    }
    long t0 = System.nanoTime();
    EmbeddedBroker b = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
    out.printf("bench: Kafka broker (KRaft, in-process) on %s, started in %.1f s%n",
        b.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
    return new BenchKafka(b, b.bootstrapServers(), Map.of());
  }

  String servers() {
    return servers;
  }

  boolean inProcess() {
    return broker != null;
  }

  void createTopic(String name) {
    if (broker != null) {
      broker.createTopics(Map.of(name, PARTITIONS));
    } else {
      Topics.createMissing(servers, client, "streams", List.of(name), PARTITIONS, Duration.ofSeconds(20));
    }
  }

  /**
   * A {@code read_committed} consumer without a group (callers assign partitions), bytes in,
   * fetches large enough for whole frames, connecting as the topology's {@code streams} say.
   */
  static KafkaConsumer<byte[], byte[]> consumer(String servers, Map<String, String> streams) {
    Properties p = KafkaProperties.committedReader(servers, streams);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
    return new KafkaConsumer<>(p);
  }

  /** Every partition of {@code topic}, assigned to {@code c} and positioned at the beginning. */
  static List<TopicPartition> assignFromStart(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> parts = new ArrayList<>();
    c.partitionsFor(topic, Duration.ofSeconds(20)).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
    c.assign(parts);
    c.seekToBeginning(parts);
    return parts;
  }

  @Override
  public void close() {
    if (broker != null) {
      broker.close();
    }
  }
}
