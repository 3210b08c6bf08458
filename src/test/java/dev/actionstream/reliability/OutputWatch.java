package dev.actionstream.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * An independent read_committed subscriber of {@code predictions} and {@code events}, running in
 * the background from the beginning of the topics, noting when each record became visible; and
 * the exactly-once checks over what it saw.
 */
final class OutputWatch implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One prediction: its window, when the engine published it, when it became visible here. */
  record Seen(String camera, long windowEnd, long producedMs, long visibleMs) {}

  final List<Seen> predictions = new CopyOnWriteArrayList<>();
  final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean stop;
  private volatile long lastRecordMs = System.currentTimeMillis();
  private volatile Throwable failure;
  /** Records read again at an offset already seen (should stay 0: the partitions are assigned). */
  volatile long refetched;

  OutputWatch(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    thread =
        new Thread(
            () -> {
              try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
                // Assigned, not subscribed: a group rejoin (after a broker restart) would reset a
                // subscriber without committed offsets to the beginning and read everything twice.
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of("predictions", "events")) {
                  c.partitionsFor(topic, Duration.ofSeconds(30))
                      .forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                Set<String> offsets = new HashSet<>();
                while (!stop) {
                  for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (!offsets.add(r.topic() + "-" + r.partition() + "@" + r.offset())) {
                      refetched++;
                      continue; // the same record read again (a refetch), not a duplicate output
                    }
                    long now = System.currentTimeMillis();
                    lastRecordMs = now;
                    JsonNode v = JSON.readTree(r.value());
                    if (r.topic().equals("events")) {
                      events.add(v);
                    } else {
                      long end = v.get("window_end").asLong();
                      predictions.add(
                          new Seen(v.get("camera").asText(), end, end + v.get("latency_ms").asLong(), now));
                    }
                  }
                }
              } catch (IOException e) {
                failure = new UncheckedIOException(e);
              } catch (RuntimeException e) {
                failure = e;
              }
            },
            "output-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits until {@code done} holds for the predictions seen so far, or the timeout passes. */
  boolean await(Predicate<List<Seen>> done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (failure != null) {
        throw new AssertionError("output watch failed", failure);
      }
      if (done.test(predictions)) {
        return true;
      }
      Thread.sleep(100);
    }
    return done.test(predictions);
  }

  /** Waits until nothing new arrived for {@code quiet}, at most {@code timeout}. */
  void awaitQuiet(Duration quiet, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline
        && System.currentTimeMillis() - lastRecordMs < quiet.toMillis()) {
      Thread.sleep(100);
    }
  }

  long newestWindowEnd(String camera) {
    return predictions.stream()
        .filter(s -> s.camera().equals(camera))
        .mapToLong(Seen::windowEnd)
        .max()
        .orElse(Long.MIN_VALUE);
  }

  /** The windows of each camera, and what is wrong with them (duplicates, gaps). */
  static final class WindowCheck {
    final Map<String, TreeSet<Long>> windows = new TreeMap<>();
    final List<String> duplicates = new ArrayList<>();
    final Map<String, List<Long>> missing = new TreeMap<>();
    int total;

    WindowCheck(List<Seen> seen, long hopMs) {
      for (Seen s : seen) {
        total++;
        if (!windows.computeIfAbsent(s.camera(), c -> new TreeSet<>()).add(s.windowEnd())) {
          duplicates.add(s.camera() + "@" + s.windowEnd());
        }
      }
      for (Map.Entry<String, TreeSet<Long>> cam : windows.entrySet()) {
        List<Long> gaps = new ArrayList<>();
        for (long t = cam.getValue().first(); t <= cam.getValue().last(); t += hopMs) {
          if (!cam.getValue().contains(t)) {
            gaps.add(t);
          }
        }
        if (!gaps.isEmpty()) {
          missing.put(cam.getKey(), gaps);
        }
      }
    }

    String summary() {
      StringBuilder b = new StringBuilder();
      windows.forEach(
          (c, w) -> b.append(c).append(' ').append(w.size()).append(" windows ").append(w.first())
              .append("..").append(w.last()).append("; "));
      return b + "duplicates " + duplicates + ", missing " + missing;
    }
  }

  /** Per episode id: how many new, update, end; and the (id, type, window_end) seen twice. */
  static final class EpisodeCheck {
    final Map<String, int[]> counts = new TreeMap<>();
    final List<String> duplicates = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    int ended;
    int open;

    EpisodeCheck(List<JsonNode> events) {
      Map<String, Boolean> seen = new HashMap<>();
      for (JsonNode e : events) {
        String id = e.get("id").asText();
        String type = e.get("type").asText();
        String key = id + "/" + type + "/" + e.get("window_end").asLong();
        if (seen.put(key, true) != null) {
          duplicates.add(key);
        }
        int[] c = counts.computeIfAbsent(id, i -> new int[3]);
        c[type.equals("new") ? 0 : type.equals("update") ? 1 : 2]++;
      }
      counts.forEach(
          (id, c) -> {
            if (c[0] != 1) {
              problems.add(id + ": " + c[0] + " new events");
            }
            if (c[2] > 1) {
              problems.add(id + ": " + c[2] + " end events");
            }
            if (c[2] == 1) {
              ended++;
            } else {
              open++;
            }
          });
    }

    String summary() {
      return counts.size() + " episodes (" + ended + " ended, " + open + " still open), duplicates "
          + duplicates + ", problems " + problems;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(10_000);
  }
}
