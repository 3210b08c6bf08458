package dev.actionstream.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.clips.ClipProcessor;
import dev.actionstream.clips.DeadLetters;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.Policy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topology logic on TopologyTestDriver: real model, real JPEG frames, no broker. */
class ActionTopologyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long T0 = 1_800_000_000_000L; // wall clock and first capture time
  private static ModelSession session;

  @TempDir Path stateDir;

  @BeforeAll
  static void open() {
    session = ModelSession.open(TestTopologies.demo(Policy.BACKFILL).model(), new SessionSettings(2));
  }

  @AfterAll
  static void close() {
    session.close();
  }

  /** A driver with its topics; closes the driver. */
  private final class Run implements AutoCloseable {
    final ModelSession model;
    final EngineMetrics metrics = EngineMetrics.inMemory();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> frames;
    final TestOutputTopic<byte[], byte[]> predictions;
    final TestOutputTopic<byte[], byte[]> events;
    final TestOutputTopic<byte[], byte[]> alerts;
    final TestOutputTopic<byte[], byte[]> deadLetters;

    /** Model runs on the stream thread, so that outputs follow each input at once. */
    Run(TopologyConfig config) {
      this(config, session);
    }

    Run(TopologyConfig config, ModelSession model) {
      this(config, model, false);
    }

    Run(TopologyConfig config, ModelSession model, boolean overlap) {
      this(config, List.of(model), overlap);
    }

    Run(TopologyConfig config, List<ModelSession> models, boolean overlap) {
      config = config.withInference(config.inference().withOverlap(overlap));
      this.model = models.get(0);
      Properties p = Engine.properties(config, stateDir);
      p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
      driver =
          new TopologyTestDriver(
              ActionTopology.build(config, models, metrics), p, Instant.ofEpochMilli(T0));
      frames =
          driver.createInputTopic("frames", new ByteArraySerializer(), new ByteArraySerializer());
      ByteArrayDeserializer d = new ByteArrayDeserializer();
      predictions = driver.createOutputTopic("predictions", d, d);
      events = driver.createOutputTopic("events", d, d);
      alerts = driver.createOutputTopic("alerts", d, d);
      deadLetters = driver.createOutputTopic("dead-letters", d, d);
    }

    void send(String camera, long ts, long seq, byte[] image) {
      RecordHeaders h = new RecordHeaders();
      h.add("capture-ts", Long.toString(ts).getBytes(StandardCharsets.UTF_8));
      h.add("frame-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
      frames.pipeInput(new TestRecord<>(camera.getBytes(StandardCharsets.UTF_8), image, h, ts));
    }

    List<JsonNode> read(TestOutputTopic<byte[], byte[]> topic) {
      List<JsonNode> out = new ArrayList<>();
      for (byte[] v : topic.readValuesToList()) {
        try {
          out.add(JSON.readTree(v));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
      return out;
    }

    @Override
    public void close() {
      driver.close();
    }
  }

  private static long frameTime(int i) {
    return T0 + Math.round(i * 1000 / 15.0);
  }

  @Test
  void everyWindowIsPredictedOnceAndEachFrameDecodedOnce() {
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      int n = 15 * 8; // 8 s at 15 fps
      for (int i = 0; i < n; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      List<JsonNode> preds = run.read(run.predictions);
      // First window: first multiple of 1000 >= T0 + 1600 = T0 + 2000; last frame at T0 + 7933
      // -> due up to end + 300 <= 7933: ends T0+2000 .. T0+7000.
      List<Long> ends = preds.stream().map(p -> p.get("window_end").asLong() - T0).toList();
      assertEquals(List.of(2000L, 3000L, 4000L, 5000L, 6000L, 7000L), ends);
      for (JsonNode p : preds) {
        assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.PREDICTION, p), p.toString());
        assertEquals("cam-1", p.get("camera").asText());
        assertEquals(p.get("window_end").asLong() - 1600, p.get("window_start").asLong());
        assertEquals(8, p.get("frames").asInt());
      }
      assertEquals(n, run.metrics.framesDecoded(), "each frame decoded exactly once");
      assertEquals(6, run.metrics.windowsInferred());
    }
  }

  @Test
  void slowFastGetsBothPathwaysFromTheSameDecodedFrames() {
    TopologyConfig c = TestTopologies.demo(TestTopologies.DEMO_SLOWFAST, Policy.BACKFILL);
    try (ModelSession sf = ModelSession.open(c.model(), new SessionSettings(2));
        Run run = new Run(c, sf)) {
      int n = 15 * 5;
      for (int i = 0; i < n; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      List<JsonNode> preds = run.read(run.predictions);
      assertEquals(
          List.of(2000L, 3000L, 4000L),
          preds.stream().map(p -> p.get("window_end").asLong() - T0).toList());
      for (JsonNode p : preds) {
        assertEquals("demo_slowfast", p.get("model").asText());
        assertEquals(16, p.get("frames").asInt(), "16 fast frames, the slow ones among them");
      }
      assertEquals(n, run.metrics.framesDecoded());
    }
  }

  /**
   * Late fusion: each window runs through both models from the same decoded frames, and the
   * prediction is the weighted average of the two models' own probabilities.
   */
  @Test
  void lateFusionIsTheWeightedAverageOfEachModelsProbabilities() throws InterruptedException {
    TopologyConfig sfConfig = TestTopologies.demo(TestTopologies.DEMO_SLOWFAST, Policy.BACKFILL);
    int n = 15 * 5;
    try (ModelSession sf = ModelSession.open(sfConfig.model(), new SessionSettings(2))) {
      java.util.Map<String, List<Double>> x3d;
      java.util.Map<String, List<Double>> slowFast;
      try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
        sendMovingSquare(run, n);
        x3d = byWindow(run.read(run.predictions));
      }
      try (Run run = new Run(sfConfig, sf)) {
        sendMovingSquare(run, n);
        slowFast = byWindow(run.read(run.predictions));
      }
      // On the stream thread, overlapped, and in batches of 4 windows per model.
      for (int shape = 0; shape < 3; shape++) {
        TopologyConfig c = TestTopologies.fused(1.0, 3.0);
        if (shape == 2) {
          c = c.withInference(new TopologyConfig.Inference(
              TopologyConfig.Provider.CPU, 2, 4, 0, Duration.ofMillis(20)));
        }
        boolean overlap = shape == 1;
        try (Run run = new Run(c, List.of(session, sf), overlap)) {
          sendMovingSquare(run, n);
          List<JsonNode> preds = run.read(run.predictions);
          for (int tick = 0; tick < 500 && preds.size() < x3d.size(); tick++) {
            Thread.sleep(5); // an overlapped run ends on the inference thread
            run.driver.advanceWallClockTime(Duration.ofMillis(ClipProcessor.OVERLAP_TICK_MS));
            preds.addAll(run.read(run.predictions));
          }
          java.util.Map<String, List<Double>> fused = byWindow(preds);
          assertEquals(x3d.keySet(), fused.keySet());
          for (String w : fused.keySet()) {
            for (int k = 0; k < fused.get(w).size(); k++) {
              double expected = (x3d.get(w).get(k) + 3 * slowFast.get(w).get(k)) / 4;
              // Records round probabilities to 4 decimals.
              assertEquals(expected, fused.get(w).get(k), 2e-4, w + " class " + k);
            }
          }
          for (JsonNode p : preds) {
            assertEquals("demo-fusion", p.get("model").asText());
            assertEquals(16, p.get("frames").asInt(), "distinct frames of the model sampling most");
          }
          assertEquals(n, run.metrics.framesDecoded(), "each frame decoded once for both models");
        }
      }
    }
  }

  private static void sendMovingSquare(Run run, int n) {
    for (int i = 0; i < n; i++) {
      run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
    }
  }

  @Test
  void framesOutOfOrderWithinGraceGiveTheSamePredictions() {
    int n = 15 * 6;
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    List<JsonNode> inOrder;
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i : order) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      inOrder = run.read(run.predictions);
    }
    // Shuffle within blocks of 4 frames (267 ms < 300 ms grace).
    Random rnd = new Random(7);
    for (int b = 0; b + 4 <= n; b += 4) {
      Collections.shuffle(order.subList(b, b + 4), rnd);
    }
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i : order) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      List<JsonNode> shuffled = run.read(run.predictions);
      assertEquals(inOrder.size(), shuffled.size());
      for (int i = 0; i < inOrder.size(); i++) {
        assertEquals(inOrder.get(i).get("window_end"), shuffled.get(i).get("window_end"));
        assertEquals(inOrder.get(i).get("scores"), shuffled.get(i).get("scores"));
      }
      assertEquals(0, run.metrics.deadLetters());
    }
  }

  @Test
  void badAndLateFramesGoToDeadLettersWithReasonAndOriginalBytes() {
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i = 0; i < 30; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      byte[] garbage = new byte[500];
      new Random(1).nextBytes(garbage);
      run.send("cam-1", frameTime(30), 30, garbage);
      byte[] good = MovingSquare.frame(0);
      run.send("cam-1", frameTime(31), 31, java.util.Arrays.copyOf(good, good.length / 2));
      run.send("cam-1", frameTime(10), 10, good); // 1.4 s behind stream time: late
      run.frames.pipeInput(new TestRecord<>(new byte[0], good, new RecordHeaders(), frameTime(32)));

      List<TestRecord<byte[], byte[]>> dead = run.deadLetters.readRecordsToList();
      List<String> reasons = new ArrayList<>();
      for (TestRecord<byte[], byte[]> r : dead) {
        reasons.add(new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8));
        assertTrue(r.headers().lastHeader(DeadLetters.DETAIL).value().length > 0);
      }
      assertEquals(
          List.of("unsupported-format", "undecodable-image", "late-frame", "missing-camera-id"),
          reasons);
      assertArrayEquals(garbage, dead.get(0).value(), "the original bytes");
      assertEquals("cam-1", new String(dead.get(0).key(), StandardCharsets.UTF_8));
      assertEquals(
          "30",
          new String(dead.get(0).headers().lastHeader("frame-seq").value(), StandardCharsets.UTF_8),
          "the original headers");
      assertEquals(4, run.metrics.deadLetters());
      assertEquals(30, run.metrics.framesDecoded());
    }
  }

  @Test
  void aResentFrameIsADuplicateAndChangesNoWindow() {
    int n = 15 * 6;
    List<JsonNode> once;
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i = 0; i < n; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      once = run.read(run.predictions);
    }
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      byte[] other = MovingSquare.frame(0);
      for (int i = 0; i < n; i++) {
        byte[] jpeg = MovingSquare.frame(frameTime(i) - T0);
        run.send("cam-1", frameTime(i), i, jpeg);
        // From frame 5 on: frame 0 is before the first full window, so the engine no longer holds it.
        if (i % 5 == 0 && i > 0) {
          run.send("cam-1", frameTime(i), i, jpeg); // the same record again
          run.send("cam-1", frameTime(i), i, other); // same (camera, ts, seq), other image
        }
      }
      List<JsonNode> twice = run.read(run.predictions);
      assertEquals(once.size(), twice.size(), "no extra prediction");
      for (int i = 0; i < once.size(); i++) {
        assertEquals(once.get(i).get("window_end"), twice.get(i).get("window_end"));
        assertEquals(once.get(i).get("scores"), twice.get(i).get("scores"), "the first frame kept");
      }
      List<TestRecord<byte[], byte[]>> dead = run.deadLetters.readRecordsToList();
      assertEquals(2 * (n / 5 - 1), dead.size());
      for (TestRecord<byte[], byte[]> r : dead) {
        assertEquals(
            "duplicate-frame",
            new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8));
      }
      assertEquals(n, run.metrics.framesDecoded(), "duplicates are not decoded");
    }
  }

  @Test
  void cameraOverridesCropTheRegionAndFilterEpisodeLabels() {
    TopologyConfig c = TestTopologies.demo(Policy.BACKFILL);
    // Episodes open at once (enter 0) so the label filter is what decides.
    c =
        new TopologyConfig(
            c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
            c.realtime(), c.inference(), c.outputs(),
            new TopologyConfig.Episodes(c.model().labels(), 0.0, 0.0, 1, Duration.ofSeconds(5), List.of()),
            java.util.Map.of(
                "cam-roi",
                new TopologyConfig.CameraOverride(
                    new TopologyConfig.Roi(0.5, 0.25, 0.5, 0.5), List.of("move_right", "fall"))),
            c.streams());
    try (Run run = new Run(c)) {
      for (int i = 0; i < 15 * 4; i++) {
        byte[] jpeg = MovingSquare.frame(frameTime(i) - T0);
        run.send("cam-full", frameTime(i), i, jpeg);
        run.send("cam-roi", frameTime(i), i, jpeg);
      }
      List<JsonNode> preds = run.read(run.predictions);
      JsonNode full = preds.stream().filter(p -> p.get("camera").asText().equals("cam-full")).findFirst().orElseThrow();
      JsonNode roi = preds.stream().filter(p -> p.get("camera").asText().equals("cam-roi")).findFirst().orElseThrow();
      assertEquals(full.get("window_end"), roi.get("window_end"));
      assertTrue(!full.get("scores").equals(roi.get("scores")), "the region of interest changes what the model sees");
      List<String> roiLabels =
          run.read(run.events).stream()
              .filter(e -> e.get("camera").asText().equals("cam-roi") && e.get("type").asText().equals("new"))
              .map(e -> e.get("label").asText())
              .toList();
      assertEquals(List.of("move_right", "fall"), roiLabels);
    }
  }

  /** The demo topology with {@code inference.batch} and {@code max-wait} set. */
  private static TopologyConfig batched(int batch, Duration maxWait) {
    TopologyConfig c = TestTopologies.demo(Policy.BACKFILL);
    return new TopologyConfig(
        c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
        c.realtime(),
        new TopologyConfig.Inference(TopologyConfig.Provider.CPU, 2, batch, 0, maxWait),
        c.outputs(), c.episodes(), c.cameras(), c.streams());
  }

  /** Three cameras, 8 s at 15 fps each, frames interleaved as one partition carries them. */
  private static void sendThreeCameras(Run run) {
    for (int i = 0; i < 15 * 8; i++) {
      for (int cam = 1; cam <= 3; cam++) {
        long ts = frameTime(i) + cam * 7; // cameras not in lockstep
        run.send("cam-" + cam, ts, i, MovingSquare.frame(frameTime(i) - T0 + cam * 400));
      }
    }
  }

  /** camera@window_end -> probabilities, in output order. */
  private static java.util.Map<String, List<Double>> byWindow(List<JsonNode> preds) {
    java.util.Map<String, List<Double>> m = new java.util.LinkedHashMap<>();
    for (JsonNode p : preds) {
      List<Double> probs = new ArrayList<>();
      p.get("scores").forEach(v -> probs.add(v.asDouble()));
      assertEquals(null, m.put(p.get("camera").asText() + "@" + (p.get("window_end").asLong() - T0), probs),
          "one prediction per window");
    }
    return m;
  }

  @Test
  void batchingAcrossCamerasGivesTheSamePredictionsAsOneClipPerRun() {
    java.util.Map<String, List<Double>> single;
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      sendThreeCameras(run);
      single = byWindow(run.read(run.predictions));
      assertEquals(18, single.size(), "6 windows for each of 3 cameras: " + single.keySet());
    }
    try (Run run = new Run(batched(4, Duration.ofMinutes(10)))) {
      sendThreeCameras(run);
      List<JsonNode> preds = run.read(run.predictions);
      // 18 windows: four full batches ran, two windows wait (max-wait not reached).
      assertEquals(16, preds.size());
      assertEquals(4, run.metrics.registry().get("actionstream.inference.batch.size").summary().count());
      assertEquals(4.0, run.metrics.registry().get("actionstream.inference.batch.size").summary().max());
      run.driver.advanceWallClockTime(Duration.ofMinutes(11));
      preds.addAll(run.read(run.predictions));
      assertSameThreeCameraPredictions(single, preds, run, "batched");
    }
  }

  /**
   * {@code preds} of {@link #sendThreeCameras} give the scores of {@code expected} (records round
   * probabilities to 4 decimals; another run shape may differ in the last bit), in window order
   * per camera, from frames each decoded exactly once.
   */
  private static void assertSameThreeCameraPredictions(
      java.util.Map<String, List<Double>> expected, List<JsonNode> preds, Run run, String what) {
    java.util.Map<String, List<Double>> got = byWindow(preds);
    assertEquals(expected.keySet(), got.keySet(), what);
    for (String w : expected.keySet()) {
      for (int i = 0; i < expected.get(w).size(); i++) {
        assertEquals(expected.get(w).get(i), got.get(w).get(i), 2e-4, what + " " + w + " class " + i);
      }
    }
    for (int cam = 1; cam <= 3; cam++) {
      String c = "cam-" + cam;
      List<Long> ends = preds.stream().filter(p -> p.get("camera").asText().equals(c))
          .map(p -> p.get("window_end").asLong() - T0).toList();
      assertEquals(List.of(2000L, 3000L, 4000L, 5000L, 6000L, 7000L), ends, what + " " + c + ": in window order");
    }
    assertEquals(3 * 15 * 8, run.metrics.framesDecoded(), what + ": each frame decoded exactly once");
  }

  /**
   * inference.overlap: runs go to the inference thread and their predictions come out at a later
   * frame or timer tick, the same as on the stream thread, in window order per camera.
   */
  @Test
  void overlappedRunsGiveTheSamePredictionsInWindowOrder() throws Exception {
    java.util.Map<String, List<Double>> direct;
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      sendThreeCameras(run);
      direct = byWindow(run.read(run.predictions));
    }
    for (int batch : new int[] {1, 4}) {
      TopologyConfig c = batch == 1 ? TestTopologies.demo(Policy.BACKFILL) : batched(batch, Duration.ofMillis(50));
      try (Run run = new Run(c, session, true)) {
        sendThreeCameras(run);
        List<JsonNode> preds = run.read(run.predictions);
        for (int tick = 0; tick < 500 && preds.size() < direct.size(); tick++) {
          Thread.sleep(5); // the run ends on the inference thread; a timer tick collects it
          run.driver.advanceWallClockTime(Duration.ofMillis(ClipProcessor.OVERLAP_TICK_MS));
          preds.addAll(run.read(run.predictions));
        }
        assertSameThreeCameraPredictions(direct, preds, run, "overlapped, batch " + batch);
      }
    }
  }

  @Test
  void aWindowWaitsAtMostMaxWaitForItsBatch() {
    try (Run run = new Run(batched(8, Duration.ofMillis(200)))) {
      for (int i = 0; i < 15 * 3; i++) { // one camera, 3 s: the window ending at T0 + 2000 is due
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      assertEquals(0, run.read(run.predictions).size(), "waits for the batch to fill");
      run.driver.advanceWallClockTime(Duration.ofMillis(100));
      assertEquals(0, run.read(run.predictions).size(), "not yet: 100 of 200 ms");
      run.driver.advanceWallClockTime(Duration.ofMillis(150));
      List<JsonNode> preds = run.read(run.predictions);
      assertEquals(1, preds.size(), "max-wait passed: runs a batch of one");
      assertEquals(T0 + 2000, preds.get(0).get("window_end").asLong());
    }
  }

  @Test
  void realtimePolicySkipsWindowsOlderThanMaxLag() {
    try (Run run = new Run(TestTopologies.demo(Policy.REALTIME))) {
      for (int i = 0; i < 15 * 5; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      assertEquals(3, run.read(run.predictions).size());
      // The wall clock jumps 13 s ahead: the next windows are 6-8 s old when due (max-lag 5 s).
      run.driver.advanceWallClockTime(Duration.ofSeconds(13));
      for (int i = 15 * 5; i < 15 * 8; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      assertEquals(0, run.read(run.predictions).size());
      assertEquals(3, run.metrics.windowsSkipped("lag"));
    }
  }

  @Test
  void silentCameraRestartsItsWindowsAndEndsItsEpisodesAfterQuietTime() throws Exception {
    TopologyConfig c = TestTopologies.demo(Policy.BACKFILL);
    // Every label opens episodes at once (enter 0): the test is about ending them.
    c =
        new TopologyConfig(
            c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(), c.windows(),
            c.realtime(), c.inference(), c.outputs(),
            new TopologyConfig.Episodes(
                c.model().labels(), 0.0, 0.0, 1, Duration.ofSeconds(5), List.of("fall")),
            c.cameras(), c.streams());
    try (Run run = new Run(c)) {
      for (int i = 0; i < 15 * 4; i++) {
        run.send("cam-1", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      List<JsonNode> opened = run.read(run.events);
      for (JsonNode e : opened) {
        assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.EVENT, e), e.toString());
      }
      assertEquals(
          c.model().labels(),
          opened.stream().filter(e -> e.get("type").asText().equals("new")).map(e -> e.get("label").asText()).toList(),
          "one new episode per label");
      assertTrue(
          opened.stream().allMatch(e -> List.of("new", "update").contains(e.get("type").asText())));
      List<JsonNode> alerts = run.read(run.alerts);
      assertTrue(alerts.stream().allMatch(e -> e.get("label").asText().equals("fall")));
      assertEquals(1, alerts.stream().filter(e -> e.get("type").asText().equals("new")).count());
      run.driver.advanceWallClockTime(Duration.ofSeconds(6));
      List<JsonNode> ends = run.read(run.events);
      assertEquals(8, ends.size());
      for (JsonNode e : ends) {
        assertEquals("end", e.get("type").asText());
        assertEquals("quiet", e.get("end_reason").asText());
        assertEquals(List.of(), RecordSchemas.violations(RecordSchemas.EVENT, e), e.toString());
      }
      assertEquals(2, run.read(run.predictions).size());
      // 20 s later the camera is back. Its stream time jumps: the two windows that still had
      // frames are taken, then the empty one restarts the schedule at the new first frame.
      long back = T0 + 20_000;
      for (int i = 0; i < 15 * 3; i++) {
        long ts = back + Math.round(i * 1000 / 15.0);
        run.send("cam-1", ts, 1000 + i, MovingSquare.frame(ts - back));
      }
      List<Long> ends2 =
          run.read(run.predictions).stream().map(p -> p.get("window_end").asLong() - back).toList();
      assertEquals(List.of(-16_000L, -15_000L, 2000L), ends2);
      assertEquals(0, run.metrics.windowsSkipped());
    }
  }

  /**
   * Purged frames' plane arrays are refilled by later frames, of any camera: a camera whose
   * windows are built from arrays another camera's frames filled first must get exactly the
   * scores it gets alone. Also: each decode is timed as the decode and preprocess stages.
   */
  @Test
  void reusedPlaneArraysLeaveScoresUnchangedAndEachFrameIsTimedPerStage() {
    int n = 15 * 6;
    List<JsonNode> alone;
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i = 0; i < n; i++) {
        run.send("cam-x", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      alone = run.read(run.predictions);
      assertEquals(n, run.metrics.stageTimer(EngineMetrics.Stage.DECODE).count());
      assertEquals(n, run.metrics.stageTimer(EngineMetrics.Stage.PREPROCESS).count());
    }
    try (Run run = new Run(TestTopologies.demo(Policy.BACKFILL))) {
      for (int i = 0; i < n; i++) {
        run.send("cam-y", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0 + 1700));
      }
      List<JsonNode> other = run.read(run.predictions);
      for (int i = 0; i < n; i++) {
        run.send("cam-x", frameTime(i), i, MovingSquare.frame(frameTime(i) - T0));
      }
      List<JsonNode> after = run.read(run.predictions);

      assertEquals(alone.size(), after.size());
      assertTrue(!alone.isEmpty() && !other.get(0).get("scores").equals(alone.get(0).get("scores")),
          "the other camera's frames give other scores");
      for (int w = 0; w < alone.size(); w++) {
        for (String field : List.of("window_end", "frames", "label", "score", "top_k", "scores")) {
          assertEquals(alone.get(w).get(field), after.get(w).get(field), "window " + w + " " + field);
        }
      }
      assertEquals(2 * n, run.metrics.stageTimer(EngineMetrics.Stage.DECODE).count());
    }
  }
}
