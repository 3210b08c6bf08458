package dev.actionstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.clips.DeadLetters;
import dev.actionstream.demo.Demo;
import dev.actionstream.demo.DemoSummary;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline against a real (in-process KRaft) broker: synthetic cameras for a minute,
 * bad frames mixed in, everything read back by an independent read_committed consumer.
 */
class EngineIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path state;

  @Test
  void camerasForAMinuteGiveOnePredictionPerWindowEpisodesAndDeadLetters() throws Exception {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(
          Map.of("frames", 4, "predictions", 4, "events", 4, "alerts", 4, "dead-letters", 4));
      ByteArrayOutputStream console = new ByteArrayOutputStream();
      Thread saboteur = new Thread(() -> sendBadFrames(bootstrap), "bad-frames");
      saboteur.start();
      DemoSummary s =
          Demo.run(
              new Demo.Options(
                  3,
                  Duration.ofSeconds(60),
                  Path.of("topologies/demo.yaml"),
                  bootstrap,
                  11,
                  15,
                  state,
                  new PrintStream(console, true, StandardCharsets.UTF_8)),
              new CountDownLatch(1));
      saboteur.join();
      System.out.println(console.toString(StandardCharsets.UTF_8));

      // An independent subscriber's view of what the engine committed.
      Map<String, List<ConsumerRecord<byte[], byte[]>>> topics =
          TestConsumers.readAll(bootstrap, List.of("predictions", "events", "alerts", "dead-letters"));
      Map<String, TreeSet<Long>> windows = new HashMap<>();
      int duplicates = 0;
      for (ConsumerRecord<byte[], byte[]> r : topics.get("predictions")) {
        JsonNode p = JSON.readTree(r.value());
        assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.PREDICTION, p));
        if (!windows.computeIfAbsent(p.get("camera").asText(), c -> new TreeSet<>()).add(p.get("window_end").asLong())) {
          duplicates++;
        }
      }
      assertEquals(0, duplicates, "exactly one prediction per (camera, window)");
      assertEquals(Set.of("cam-1", "cam-2", "cam-3"), windows.keySet());
      for (Map.Entry<String, TreeSet<Long>> cam : windows.entrySet()) {
        // Nothing lost: every hop between a camera's first and last window was predicted.
        TreeSet<Long> ends = cam.getValue();
        long expected = (ends.last() - ends.first()) / 1000 + 1;
        assertEquals(expected, ends.size(), cam.getKey() + " windows " + ends);
        assertTrue(ends.size() >= 55, cam.getKey() + ": " + ends.size() + " windows in a minute");
      }
      assertEquals(s.predictions(), topics.get("predictions").size());
      assertEquals(s.windows(), s.predictions(), "no window skipped on an idle machine");
      assertTrue(s.accuracy() >= 95.0, s.line());

      List<JsonNode> events = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : topics.get("events")) {
        JsonNode e = JSON.readTree(r.value());
        assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.EVENT, e));
        events.add(e);
      }
      long news = events.stream().filter(e -> e.get("type").asText().equals("new")).count();
      long ends = events.stream().filter(e -> e.get("type").asText().equals("end")).count();
      assertTrue(news >= 10, "episodes opened: " + news);
      assertTrue(ends >= news - 3, "episodes ended: " + ends + " of " + news);
      for (ConsumerRecord<byte[], byte[]> r : topics.get("alerts")) {
        assertEquals("fall", JSON.readTree(r.value()).get("label").asText());
      }

      List<String> reasons = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : topics.get("dead-letters")) {
        reasons.add(new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8));
      }
      reasons.sort(null);
      assertEquals(
          List.of("empty-value", "future-timestamp", "invalid-camera-id", "late-frame", "missing-camera-id", "undecodable-image", "unsupported-format"),
          reasons);
      assertEquals(7, s.deadLetters());
    }
  }

  /** One of each kind of bad frame, 20 s into the run, on the cameras' own keys. */
  private static void sendBadFrames(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        SyntheticCamera cam =
            new SyntheticCamera("x", CameraScript.random(5, 0, 10_000), 5)) {
      Thread.sleep(20_000);
      long now = System.currentTimeMillis();
      byte[] jpeg = cam.next().jpeg();
      byte[] garbage = new byte[2000];
      new Random(3).nextBytes(garbage);
      byte[] cam1 = "cam-1".getBytes(StandardCharsets.UTF_8);
      send(producer, cam1, garbage, now);
      send(producer, cam1, Arrays.copyOf(jpeg, jpeg.length / 2), now);
      send(producer, cam1, new byte[0], now);
      send(producer, cam1, jpeg, now - 10_000); // late
      send(producer, cam1, jpeg, now + 3_600_000); // an hour ahead
      send(producer, null, jpeg, now);
      send(producer, new byte[] {(byte) 0xff, (byte) 0xfe, 0x41}, jpeg, now);
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, byte[] key, byte[] value, long ts) {
    RecordHeaders h = new RecordHeaders();
    h.add("capture-ts", Long.toString(ts).getBytes(StandardCharsets.UTF_8));
    producer.send(new ProducerRecord<>("frames", null, ts, key, value, h));
  }

}
