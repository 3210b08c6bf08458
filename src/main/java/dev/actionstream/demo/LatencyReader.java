package dev.actionstream.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.config.KafkaProperties;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads output topics (predictions, events) from their current end, as a {@code read_committed}
 * subscriber (assigned partitions, no group), and keeps per record the wall clock at which it was
 * seen minus its {@code window_end}: the frame-to-output latency a downstream consumer sees,
 * transaction commit included.
 */
public final class LatencyReader implements Runnable, AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private final ObjectMapper json = new ObjectMapper();
  private final List<String> topics;
  private final Map<String, double[]> bufs = new HashMap<>(); // guarded by this
  private final Map<String, Integer> sizes = new HashMap<>(); // guarded by this

  /** @param streams the topology's streams properties: connects as the engine does (TLS, SASL) */
  public LatencyReader(String bootstrapServers, Map<String, String> streams, List<String> topics) {
    this.topics = List.copyOf(topics);
    this.consumer = new KafkaConsumer<>(KafkaProperties.committedReader(bootstrapServers, streams));
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : this.topics) {
      consumer.partitionsFor(topic, Duration.ofSeconds(20))
          .forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
      bufs.put(topic, new double[1024]);
      sizes.put(topic, 0);
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position);
    this.thread = new Thread(this, "latency-reader");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long seen = System.currentTimeMillis();
          try {
            JsonNode node = json.readTree(r.value());
            add(r.topic(), seen - node.get("window_end").asLong());
          } catch (IOException | RuntimeException e) {
            // not a prediction or event record: ignore
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  private synchronized void add(String topic, double ms) {
    double[] buf = bufs.get(topic);
    int n = sizes.get(topic);
    if (n == buf.length) {
      buf = Arrays.copyOf(buf, n * 2);
      bufs.put(topic, buf);
    }
    buf[n] = ms;
    sizes.put(topic, n + 1);
  }

  /** The latencies (ms) of the first topic seen since the last call. */
  public double[] drain() {
    return drain(topics.get(0));
  }

  /** The latencies (ms) of {@code topic} seen since the last call for it. */
  public synchronized double[] drain(String topic) {
    double[] d = Arrays.copyOf(bufs.get(topic), sizes.get(topic));
    sizes.put(topic, 0);
    return d;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(5000);
  }
}
