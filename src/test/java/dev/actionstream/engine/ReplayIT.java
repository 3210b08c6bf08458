package dev.actionstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.clips.DeadLetters;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.synthetic.Action;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames are held in memory, not in a changelog: a task that opens again re-reads them from the
 * input topic. An engine is stopped while its cameras' windows are half full, right after
 * out-of-order, duplicate, late and undecodable frames; a new instance (empty state directory,
 * so its stores come from the changelogs) finishes the stream. Every (camera, window) it and its
 * predecessor publish must equal, frame count and all scores, what one uninterrupted engine
 * publishes for the same records, and the bad frames are dead-lettered once, not again on replay.
 * A third camera goes silent early: the first instance parks its frames (changelogged) after 30 s,
 * and the windows that need them when it comes back must come out the same too.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReplayIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CAMERAS = List.of("cam-a", "cam-b", "cam-c");
  private static final long STEP = 100; // 10 fps
  private static final long SECONDS = 12;
  private static final long CUT = 6_450; // ms into the stream: half-way through overlapping windows
  /**
   * cam-a and cam-b: windows end every second from 2 s (the first full 1.6 s window) to 11 s
   * (due at 11.3 s). cam-c, silent from 4 s to 8 s: 2 s, 3 s, then 4 s and 5 s once it is back
   * (its frames from before the gap), then 10 s and 11 s (a gap longer than the clip restarts
   * its windows).
   */
  private static final int WINDOWS = 2 * 10 + 6;

  @TempDir Path tmp;

  @Test
  void anEngineStoppedMidWindowIsResumedWithExactlyTheFramesItHeld() throws Exception {
    // Capture times five minutes back (backfill: nothing is skipped for lag), off the hop grid.
    long base = (System.currentTimeMillis() - 300_000) / 1000 * 1000 + 37;
    List<ProducerRecord<byte[], byte[]>> early = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> trickle = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> after = new ArrayList<>();
    frames(base, early, trickle, after);

    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(
          Map.of("frames", 1, "pred-ref", 1, "pred-cut", 1, "dl-ref", 1, "dl-cut", 1,
              "events", 1, "alerts", 1));
      send(bootstrap, early, Duration.ZERO);

      TopologyConfig cut = config("cut", bootstrap, "pred-cut", "dl-cut");
      try (Engine first = Engine.start(cut, EngineMetrics.inMemory(), tmp.resolve("cut-1"))) {
        assertTrue(first.awaitRunning(Duration.ofSeconds(60)));
        // Windows due by 3.9 s: ends 2 s and 3 s (grace 300 ms) of each camera.
        awaitRecords(bootstrap, "pred-cut", 3 * 2, Duration.ofSeconds(90));
        // cam-a and cam-b go on, slowly, over 36 s of wall time, while cam-c sends nothing: its
        // held frames (2.4 s .. 3.9 s, for the windows ending at 4 s and 5 s) get parked.
        send(bootstrap, trickle, Duration.ofSeconds(36));
        long parked = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (parked < 16 && System.nanoTime() < deadline) {
          parked += TestConsumers.readAll(bootstrap, List.of("cut-parked-frames-changelog"))
              .get("cut-parked-frames-changelog").size();
        }
        System.out.println("replay: " + parked + " frames parked");
        assertEquals(16, parked, "cam-c's 16 held frames parked, nobody else's");
        // Windows due from the first two parts: ends 2 s .. 6 s of cam-a and cam-b, 2 s and 3 s of cam-c.
        awaitRecords(bootstrap, "pred-cut", 2 * 5 + 2, Duration.ofSeconds(60));
      } // a clean stop commits; the frames it held are gone with it, the parked ones are not
      send(bootstrap, after, Duration.ZERO);
      EngineMetrics secondMetrics = EngineMetrics.inMemory();
      try (Engine second = Engine.start(cut, secondMetrics, tmp.resolve("cut-2"))) {
        assertTrue(second.awaitRunning(Duration.ofSeconds(60)));
        awaitRecords(bootstrap, "pred-cut", WINDOWS, Duration.ofSeconds(90));
        Thread.sleep(2_000); // anything more (a duplicate) would show below
      }
      // Besides every frame it was sent, it decoded those it replayed (cam-a's and cam-b's from
      // 5.4 s, for the windows ending at 7 s on, up to the cut: 11 each) and the parked ones the
      // windows of cam-c that ended at 4 s and 5 s sampled.
      long extra = secondMetrics.framesDecoded() - after.size();
      System.out.println("replay: the second instance decoded " + extra + " frames besides those it was sent");
      assertTrue(extra >= 22, "replayed frames decoded: " + extra);
      TopologyConfig ref = config("ref", bootstrap, "pred-ref", "dl-ref");
      try (Engine whole = Engine.start(ref, EngineMetrics.inMemory(), tmp.resolve("ref"))) {
        assertTrue(whole.awaitRunning(Duration.ofSeconds(60)));
        awaitRecords(bootstrap, "pred-ref", WINDOWS, Duration.ofSeconds(90));
      }

      Map<String, List<ConsumerRecord<byte[], byte[]>>> out =
          TestConsumers.readAll(bootstrap, List.of("pred-ref", "pred-cut", "dl-ref", "dl-cut"));
      Map<String, String> expected = windows(out.get("pred-ref"));
      Map<String, String> resumed = windows(out.get("pred-cut"));
      System.out.println("replay: reference " + expected.keySet() + "\nreplay: resumed " + resumed.keySet());
      assertEquals(out.get("pred-ref").size(), expected.size(), "reference: one prediction per window");
      assertEquals(out.get("pred-cut").size(), resumed.size(), "resumed: one prediction per window");
      assertEquals(WINDOWS, expected.size(), "windows ending 2 s .. 11 s for cam-a and cam-b; 2, 3, 4, 5, 10, 11 s for cam-c");
      assertEquals(expected, resumed);
      assertEquals(List.of("duplicate-frame", "late-frame", "undecodable-image"), reasons(out.get("dl-ref")));
      assertEquals(reasons(out.get("dl-ref")), reasons(out.get("dl-cut")), "dead-lettered once, not again on replay");
    }
  }

  /**
   * Two cameras, 10 fps for 12 s, in capture order except for what the rules are there for, all
   * just before the cut so that the second instance must replay past them: cam-a sends two
   * frames swapped and then one of them again (other pixels: keeping it would change scores),
   * cam-b a frame too late for its windows (also other pixels) and a truncated JPEG.
   */
  private static void frames(
      long base,
      List<ProducerRecord<byte[], byte[]>> early,
      List<ProducerRecord<byte[], byte[]>> trickle,
      List<ProducerRecord<byte[], byte[]>> after)
      throws Exception {
    try (SyntheticCamera a = new SyntheticCamera("cam-a", script(base, Action.MOVE_RIGHT), 1);
        SyntheticCamera b = new SyntheticCamera("cam-b", script(base, Action.APPROACH), 2);
        SyntheticCamera c = new SyntheticCamera("cam-c", script(base, Action.FALL), 3)) {
      for (long t = 0; t < SECONDS * 1000; t += STEP) {
        List<ProducerRecord<byte[], byte[]>> to = t < 4_000 ? early : t < CUT ? trickle : after;
        byte[] ja = a.next().jpeg();
        byte[] jb = b.next().jpeg();
        byte[] jc = c.next().jpeg();
        if (t < 4_000 || t >= 8_000) {
          to.add(frame("cam-c", base + t, jc));
        }
        if (t == 5_600) {
          to.add(frame("cam-a", base + t + STEP, ja)); // 5.7 s before 5.6 s
          to.add(frame("cam-a", base + t, ja));
        } else if (t == 5_700) {
          to.add(frame("cam-a", base + 5_800 - STEP / 2, ja));
        } else if (t == 5_900) {
          to.add(frame("cam-a", base + 5_700, jb)); // same capture time as a frame it holds
        } else if (t != 5_800) {
          to.add(frame("cam-a", base + t, ja));
        }
        to.add(frame("cam-b", base + t, jb));
        if (t == 6_000) {
          to.add(frame("cam-b", base + 5_200, ja)); // 800 ms behind its stream time, grace 300 ms
          to.add(frame("cam-b", base + 6_050, Arrays.copyOf(jb, jb.length / 2)));
        }
      }
    }
  }

  private static CameraScript script(long base, Action action) {
    return new CameraScript(base, List.of(new CameraScript.Segment(0, action, base, base + SECONDS * 1000)));
  }

  private static ProducerRecord<byte[], byte[]> frame(String camera, long ts, byte[] jpeg) {
    RecordHeaders h = new RecordHeaders();
    h.add("capture-ts", Long.toString(ts).getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>("frames", 0, ts, camera.getBytes(StandardCharsets.UTF_8), jpeg, h);
  }

  /** Sends the records in order, spread evenly over {@code over}. */
  private static void send(String bootstrap, List<ProducerRecord<byte[], byte[]>> records, Duration over)
      throws InterruptedException {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        producer.send(r);
        if (!over.isZero()) {
          producer.flush();
          Thread.sleep(over.toMillis() / records.size());
        }
      }
      producer.flush();
    }
  }

  private static TopologyConfig config(String app, String bootstrap, String predictions, String deadLetters) {
    TopologyConfig c = TestTopologies.demo(TopologyConfig.Policy.BACKFILL);
    return new TopologyConfig(
        c.file(), app, bootstrap, c.model(), c.input(), c.windows(), c.realtime(), c.inference(),
        new TopologyConfig.Outputs(predictions, "events", "alerts", deadLetters, 3),
        c.episodes(), c.cameras(), c.streams());
  }

  private static void awaitRecords(String bootstrap, String topic, int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      seen = 0;
      for (String camera : CAMERAS) {
        seen += TestConsumers.readKey(bootstrap, topic, camera, 0, Duration.ofMillis(500)).size();
      }
      if (seen >= n) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(topic + ": " + seen + " records after " + timeout + ", expected " + n);
  }

  /** "camera@window_end" → frames and every score, as published. */
  private static Map<String, String> windows(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
    Map<String, String> m = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode p = JSON.readTree(r.value());
      m.put(p.get("camera").asText() + "@" + p.get("window_end").asLong(),
          p.get("window_start").asLong() + " frames " + p.get("frames").asInt() + " scores " + p.get("scores"));
    }
    return m;
  }

  private static List<String> reasons(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream()
        .map(r -> new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8))
        .sorted()
        .toList();
  }
}
