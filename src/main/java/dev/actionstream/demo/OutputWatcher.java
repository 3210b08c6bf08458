package dev.actionstream.demo;

import dev.actionstream.config.KafkaProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.topology.TopologyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what the engine published, as any subscriber would (read_committed): predictions, events
 * and dead letters of this run. Prints events as they come and keeps what the summary needs.
 * Starts at the topics' current ends, so an existing cluster's older records do not count.
 */
final class OutputWatcher implements Runnable, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TopologyConfig.Outputs topics;
  private final PrintStream out;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  // Guarded by this.
  private final Map<String, Map<Long, String>> predicted = new HashMap<>();
  private int predictions;
  private int duplicates;
  private int events;
  private int deadLetters;
  private final Set<String> episodes = new HashSet<>();

  OutputWatcher(
      String bootstrapServers, Map<String, String> streams, TopologyConfig.Outputs topics, PrintStream out) {
    // Connects as the engine does (TLS, SASL from the topology's streams:).
    this.consumer = new KafkaConsumer<>(KafkaProperties.committedReader(bootstrapServers, streams));
    this.topics = topics;
    this.out = out;
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : List.of(topics.predictions(), topics.events(), topics.deadLetters())) {
      consumer.partitionsFor(t, Duration.ofSeconds(20)).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve the end offsets now, before frames flow
    this.thread = new Thread(this, "demo-output-watcher");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    while (running.get()) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        handle(r);
      }
    }
  }

  private synchronized void handle(ConsumerRecord<byte[], byte[]> r) {
    if (r.topic().equals(topics.deadLetters())) {
      deadLetters++;
      return;
    }
    JsonNode v;
    try {
      v = JSON.readTree(r.value());
    } catch (IOException e) {
      out.println("demo: unreadable record on " + r.topic() + ": " + e.getMessage());
      return;
    }
    if (r.topic().equals(topics.predictions())) {
      predictions++;
      String previous =
          predicted
              .computeIfAbsent(v.get("camera").asText(), c -> new HashMap<>())
              .put(v.get("window_end").asLong(), v.get("label").asText());
      if (previous != null) {
        duplicates++;
      }
    } else if (r.topic().equals(topics.events())) {
      events++;
      episodes.add(v.get("id").asText());
      out.println(line(v));
    }
  }

  /** One terminal line per event: time, camera, type, label, score, episode. */
  static String line(JsonNode e) {
    String type = e.get("type").asText();
    String when = CLOCK.format(Instant.ofEpochMilli(e.get("window_end").asLong()));
    String tail =
        type.equals("end")
            ? "lasted %.1f s (%s)"
                .formatted(
                    (e.get("end").asLong() - e.get("start").asLong()) / 1000.0,
                    e.get("end_reason").asText())
            : "top %.2f".formatted(e.get("top_score").asDouble());
    return "%s  %-8s %-6s %-11s %.2f  %s  episode %s%s"
        .formatted(
            when,
            e.get("camera").asText(),
            type.toUpperCase(java.util.Locale.ROOT),
            e.get("label").asText(),
            e.get("score").asDouble(),
            tail,
            e.get("id").asText().substring(0, 8),
            e.get("alert").asBoolean() ? "  ALERT" : "");
  }

  synchronized int predictions() {
    return predictions;
  }

  synchronized int duplicates() {
    return duplicates;
  }

  synchronized int events() {
    return events;
  }

  synchronized int episodes() {
    return episodes.size();
  }

  synchronized int deadLetters() {
    return deadLetters;
  }

  /** Copy of the predicted label per camera per window end. */
  synchronized Map<String, Map<Long, String>> predicted() {
    Map<String, Map<Long, String>> copy = new HashMap<>();
    predicted.forEach((c, m) -> copy.put(c, new HashMap<>(m)));
    return copy;
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(2));
  }
}
