package dev.actionstream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.clips.DeadLetters;
import dev.actionstream.engine.Engine;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability item 3: 10,000 fuzzed frame records, of every kind the frame contract refuses, mixed
 * into three synthetic cameras on a real broker and a running engine. An independent
 * read_committed consumer checks that each bad record is a dead letter with the reason its kind
 * must get (count per reason = count sent), that every good window is predicted exactly once,
 * and that the engine is still RUNNING at the end.
 */
class FuzzIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SEED = 20261127L;
  private static final int BAD_RECORDS = 10_000;
  private static final int MAX_FRAME_BYTES = 100_000;
  private static final long VIDEO_MS = 30_000;
  private static final List<String> CAMERAS = List.of("cam-1", "cam-2", "cam-3");

  static {
    // 10,000 WARN lines would only slow a busy machine down: the counts below are the check.
    System.setProperty("org.slf4j.simpleLogger.log.dev.actionstream.clips.ClipProcessor", "error");
  }

  /** A kind of bad record, the dead-letter reason it must get, and its weight in the mix. */
  enum Kind {
    RANDOM_BYTES("unsupported-format", 10),
    TRUNCATED_JPEG("undecodable-image", 10),
    ZERO_LENGTH("empty-value", 6),
    HUGE_DIMENSIONS("image-too-large", 6), // a valid JPEG whose SOF claims 65535x65535
    OVERSIZED_RECORD("frame-too-large", 1), // more bytes than input.max-frame-bytes
    MISSING_CAPTURE_TS("late-frame", 4), // no header: the record time, a day old, is used
    NON_NUMERIC_TS("invalid-capture-ts", 6),
    NEGATIVE_OR_ZERO_TS("invalid-timestamp", 6),
    FAR_FUTURE_TS("future-timestamp", 6),
    FAR_PAST_TS("late-frame", 6),
    NON_UTF8_KEY("invalid-camera-id", 6),
    OVERLONG_KEY("invalid-camera-id", 3),
    EMPTY_KEY("missing-camera-id", 5),
    NULL_KEY("missing-camera-id", 5),
    DUPLICATE_FRAME("duplicate-frame", 8), // the camera's newest frame sent again
    WRONG_CONTENT_TYPE("unsupported-content-type", 6),
    BAD_FRAME_SEQ("invalid-frame-seq", 6);

    final String reason;
    final int weight;

    Kind(String reason, int weight) {
      this.reason = reason;
      this.weight = weight;
    }
  }

  @TempDir Path dir;

  @Test
  void tenThousandBadRecordsAreDeadLetteredByReasonAndEveryGoodWindowIsPredictedOnce()
      throws Exception {
    // Good frames: 30 s of three synthetic cameras, capture times ending now.
    long start = System.currentTimeMillis() - VIDEO_MS - 2_000;
    List<CameraFrame> good = new ArrayList<>();
    for (int c = 0; c < CAMERAS.size(); c++) {
      try (SyntheticCamera cam =
          new SyntheticCamera(CAMERAS.get(c), CameraScript.random(SEED + c, start + 37L * c, VIDEO_MS), SEED + c)) {
        while (cam.hasNext()) {
          good.add(cam.next());
        }
      }
    }
    good.sort(Comparator.comparingLong(CameraFrame::captureTimeMs));
    int largest = good.stream().mapToInt(f -> f.jpeg().length).max().orElseThrow();
    assertTrue(largest < MAX_FRAME_BYTES, "good frames fit: " + largest);

    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(
          Map.of("frames", 4, "predictions", 4, "events", 4, "alerts", 4, "dead-letters", 4));
      TopologyConfig c = TopologyLoader.load(Path.of("topologies/demo.yaml"), bootstrap);
      // Backfill: a busy machine must not skip windows; a small frame limit keeps the oversized
      // records cheap to send.
      TopologyConfig config =
          new TopologyConfig(
              c.file(), c.applicationId(), c.bootstrapServers(), c.model(),
              new TopologyConfig.Input(c.input().topic(), MAX_FRAME_BYTES, c.input().maxFramePixels()),
              c.windows(),
              new TopologyConfig.Realtime(TopologyConfig.Policy.BACKFILL, c.realtime().maxLag()),
              c.inference(), c.outputs(), c.episodes(), c.cameras(), c.streams());
      try (Engine engine = Engine.start(config, EngineMetrics.inMemory(), dir.resolve("state"))) {
        assertTrue(engine.awaitRunning(Duration.ofSeconds(60)), engine.notReadyReason());

        long t0 = System.nanoTime();
        Map<Kind, Integer> sent = publish(bootstrap, good);
        double publishS = (System.nanoTime() - t0) / 1e9;
        Map<String, Integer> expected = new TreeMap<>();
        sent.forEach((k, n) -> expected.merge(k.reason, n, Integer::sum));
        assertEquals(BAD_RECORDS, sent.values().stream().mapToInt(Integer::intValue).sum());

        Map<String, TreeSet<Long>> expectedWindows = expectedWindows(good, config);
        int expectedPredictions = expectedWindows.values().stream().mapToInt(TreeSet::size).sum();
        Outputs out = read(bootstrap, BAD_RECORDS, expectedPredictions, Duration.ofSeconds(120));
        double totalS = (System.nanoTime() - t0) / 1e9;

        System.out.printf(
            "FuzzIT: %d good frames, %d bad records published in %.1f s; all outputs read after %.1f s%n",
            good.size(), BAD_RECORDS, publishS, totalS);
        System.out.println("FuzzIT: sent per kind " + sent);
        System.out.println("FuzzIT: dead letters per reason " + out.reasons + ", expected " + expected);
        System.out.println("FuzzIT: predictions " + out.predictions + " of " + expectedPredictions + ", duplicates " + out.duplicates);

        assertEquals(KafkaStreams.State.RUNNING, engine.streams().state(), "the engine never stops");
        assertEquals(expected, out.reasons, "dead letters per reason");
        assertEquals(0, out.duplicates, "one prediction per (camera, window)");
        assertEquals(expectedWindows, out.windows, "every good window predicted");
      }
    }
  }

  /** Each camera's windows: every hop from its first full window to the last one due. */
  private static Map<String, TreeSet<Long>> expectedWindows(List<CameraFrame> good, TopologyConfig config) {
    long hop = config.windows().hop().toMillis();
    long d = Math.round(config.model().clip().duration() * 1000);
    long grace = config.windows().grace().toMillis();
    Map<String, TreeSet<Long>> out = new TreeMap<>();
    for (String cam : CAMERAS) {
      long first = good.stream().filter(f -> f.cameraId().equals(cam)).mapToLong(CameraFrame::captureTimeMs).min().orElseThrow();
      long last = good.stream().filter(f -> f.cameraId().equals(cam)).mapToLong(CameraFrame::captureTimeMs).max().orElseThrow();
      TreeSet<Long> ends = new TreeSet<>();
      for (long end = Math.floorDiv(first + d + hop - 1, hop) * hop; end + grace <= last; end += hop) {
        ends.add(end);
      }
      out.put(cam, ends);
    }
    return out;
  }

  /**
   * One producer, batched: the good frames in capture order with the bad records interleaved
   * (after each camera's first 3 s, so that late and duplicate records have a camera clock and a
   * held frame to be late or duplicate against).
   */
  private static Map<Kind, Integer> publish(String bootstrap, List<CameraFrame> good) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
    Random rnd = new Random(SEED);
    int totalWeight = Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum();
    Map<Kind, Integer> sent = new EnumMap<>(Kind.class);
    Map<String, CameraFrame> newest = new HashMap<>();
    long warmUp = good.get(0).captureTimeMs() + 3_000;
    int fuzzFrom = 0;
    while (good.get(fuzzFrom).captureTimeMs() < warmUp) {
      fuzzFrom++;
    }
    int slots = good.size() - fuzzFrom;
    int bad = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < good.size(); i++) {
        CameraFrame f = good.get(i);
        producer.send(goodRecord(f));
        newest.put(f.cameraId(), f);
        if (i < fuzzFrom) {
          continue;
        }
        int due = (int) ((long) BAD_RECORDS * (i - fuzzFrom + 1) / slots);
        for (; bad < due; bad++) {
          int w = rnd.nextInt(totalWeight);
          Kind kind = null;
          for (Kind k : Kind.values()) {
            if ((w -= k.weight) < 0) {
              kind = k;
              break;
            }
          }
          CameraFrame target = newest.get(CAMERAS.get(rnd.nextInt(CAMERAS.size())));
          producer.send(badRecord(kind, target, rnd));
          sent.merge(kind, 1, Integer::sum);
        }
      }
      producer.flush();
    }
    return sent;
  }

  private static ProducerRecord<byte[], byte[]> goodRecord(CameraFrame f) {
    RecordHeaders h = new RecordHeaders();
    h.add("capture-ts", ascii(Long.toString(f.captureTimeMs())));
    h.add("frame-seq", ascii(Long.toString(f.sequence())));
    h.add("content-type", ascii("image/jpeg"));
    return new ProducerRecord<>("frames", null, f.captureTimeMs(), ascii(f.cameraId()), f.jpeg(), h);
  }

  /**
   * A record of {@code kind} aimed at camera {@code target}'s newest frame: everything but the
   * fuzzed part is valid (capture time 1 ms after that frame, so never late unless meant to be).
   */
  private static ProducerRecord<byte[], byte[]> badRecord(Kind kind, CameraFrame target, Random rnd) {
    if (kind == Kind.DUPLICATE_FRAME) {
      return goodRecord(target);
    }
    long now = System.currentTimeMillis();
    byte[] key = ascii(target.cameraId());
    byte[] value = target.jpeg();
    long recordTs = target.captureTimeMs() + 1;
    String captureTs = Long.toString(recordTs);
    String contentType = rnd.nextBoolean() ? "image/jpeg" : null;
    String seq = null;
    switch (kind) {
      case RANDOM_BYTES -> {
        value = new byte[1 + rnd.nextInt(4000)];
        rnd.nextBytes(value);
        if ((value[0] & 0xff) == 0xff || (value[0] & 0xff) == 0x89) {
          value[0] = 0x42; // not a JPEG (FF D8) or PNG (89 50) signature
        }
      }
      case TRUNCATED_JPEG -> {
        int n = value.length / 4 + rnd.nextInt(value.length * 3 / 4 - 2);
        value = Arrays.copyOf(value, n);
      }
      case ZERO_LENGTH -> value = new byte[0];
      case HUGE_DIMENSIONS -> value = withDimensions(value, 0xffff, 0xffff);
      case OVERSIZED_RECORD -> value = Arrays.copyOf(value, MAX_FRAME_BYTES + 1 + rnd.nextInt(20_000));
      case MISSING_CAPTURE_TS -> {
        captureTs = null;
        recordTs = now - 86_400_000L - rnd.nextInt(1_000_000);
      }
      case NON_NUMERIC_TS -> captureTs =
          List.of("", "yesterday", "1.7e12", "0x1F", "12:00:00", "2026-11-27T10:00:00Z", " - ")
              .get(rnd.nextInt(7));
      case NEGATIVE_OR_ZERO_TS -> captureTs =
          rnd.nextInt(10) == 0 ? (rnd.nextBoolean() ? "0" : Long.toString(Long.MIN_VALUE))
              : Long.toString(-1 - rnd.nextInt(Integer.MAX_VALUE));
      case FAR_FUTURE_TS -> captureTs =
          rnd.nextInt(10) == 0 ? Long.toString(Long.MAX_VALUE)
              : Long.toString(now + 3_600_000L + (long) (rnd.nextDouble() * 3e11));
      case FAR_PAST_TS -> captureTs = Long.toString(1 + (long) (rnd.nextDouble() * (now - 86_400_000L)));
      case NON_UTF8_KEY -> {
        key = new byte[1 + rnd.nextInt(40)];
        rnd.nextBytes(key);
        key[rnd.nextInt(key.length)] = (byte) 0xff; // never valid in UTF-8
      }
      case OVERLONG_KEY -> {
        key = new byte[256 + rnd.nextInt(1000)];
        Arrays.fill(key, (byte) 'k');
      }
      case EMPTY_KEY -> key = new byte[0];
      case NULL_KEY -> key = null;
      case WRONG_CONTENT_TYPE -> contentType =
          List.of("image/gif", "text/plain", "application/octet-stream", "IMAGE/JPEG", "", "image/jpeg; q=1")
              .get(rnd.nextInt(6));
      case BAD_FRAME_SEQ -> seq = List.of("-1", "abc", "1.5", "", "99999999999999999999").get(rnd.nextInt(5));
      default -> throw new AssertionError(kind);
    }
    RecordHeaders h = new RecordHeaders();
    if (captureTs != null) {
      h.add("capture-ts", ascii(captureTs));
    }
    if (contentType != null) {
      h.add("content-type", ascii(contentType));
    }
    if (seq != null) {
      h.add("frame-seq", ascii(seq));
    }
    h.add("fuzz-kind", ascii(kind.name()));
    return new ProducerRecord<>("frames", null, recordTs, key, value, h);
  }

  /** A copy of {@code jpeg} whose first SOF marker claims {@code width} x {@code height}. */
  private static byte[] withDimensions(byte[] jpeg, int width, int height) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 8 < out.length; i++) {
      int m = out[i + 1] & 0xff;
      if ((out[i] & 0xff) == 0xff && m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
        out[i + 5] = (byte) (height >> 8);
        out[i + 6] = (byte) height;
        out[i + 7] = (byte) (width >> 8);
        out[i + 8] = (byte) width;
        return out;
      }
    }
    throw new AssertionError("no SOF marker");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** What an independent read_committed subscriber saw. */
  private record Outputs(
      Map<String, Integer> reasons, Map<String, TreeSet<Long>> windows, int predictions, int duplicates) {}

  /**
   * Reads dead letters and predictions until {@code deadLetters} and {@code predictions} arrived
   * (or {@code timeout}), then 3 s more, so that an extra record would be seen.
   */
  private static Outputs read(String bootstrap, int deadLetters, int predictions, Duration timeout)
      throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "fuzz-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    Map<String, Integer> reasons = new TreeMap<>();
    Map<String, TreeSet<Long>> windows = new TreeMap<>();
    int dead = 0;
    int preds = 0;
    int duplicates = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    long settle = Long.MAX_VALUE;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of("predictions", "dead-letters"));
      while (System.nanoTime() < Math.min(deadline, settle)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
          if (r.topic().equals("dead-letters")) {
            dead++;
            assertNotNull(r.headers().lastHeader(DeadLetters.REASON), "reason header");
            reasons.merge(
                new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8),
                1, Integer::sum);
          } else {
            preds++;
            JsonNode j = JSON.readTree(r.value());
            if (!windows.computeIfAbsent(j.get("camera").asText(), k -> new TreeSet<>())
                .add(j.get("window_end").asLong())) {
              duplicates++;
            }
          }
        }
        if (settle == Long.MAX_VALUE && dead >= deadLetters && preds >= predictions) {
          settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        }
      }
    }
    return new Outputs(reasons, windows, preds, duplicates);
  }
}
