package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.ingest.CameraWorker.Change;
import dev.actionstream.ingest.CameraWorker.State;
import dev.actionstream.metrics.IngestMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Camera ingest against a real RTSP server on 127.0.0.1 (GStreamer's gst-rtsp-server, {@link
 * RtspTestServer}) serving H.264 made from real footage (OpenCV's vtest.avi, 768×576, 10 fps),
 * with Basic authentication: frames arrive at the target rate; a killed server marks the camera
 * down and it comes back when the server does; a frozen server (SIGSTOP) makes the read time out
 * within the configured bound, the camera thread keeps trying, and it comes back on SIGCONT; the
 * password is never shown; a camera that never answers holds up no other camera; closing the
 * ingest stops every camera thread while the server is frozen. One camera and one server serve the
 * tests in order; each test first waits for the camera to be up. Measured times are printed on
 * stdout ("rtsp-it: ...").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RtspIngestIT {
  static {
    // The ingest's debug lines (FFmpeg's own error messages) are output too, so that the secret
    // check below covers them. Effective when this class is the first to log from ingest.
    System.setProperty("org.slf4j.simpleLogger.log.dev.actionstream.ingest", "debug");
  }

  private static final String CAMERA = "door-cam";
  private static final String USER = "viewer";
  private static final String SECRET = "Sup3r-S3cret-4711";
  private static final String WRONG_SECRET = "Wr0ng-S3cret-0815";
  private static final String TOPIC = "frames";
  private static final double SOURCE_FPS = 10;
  private static final double TARGET_FPS = 5;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration WATCHDOG = Duration.ofSeconds(3);
  private static final Duration BACKOFF_INITIAL = Duration.ofMillis(200);
  private static final Duration BACKOFF_MAX = Duration.ofSeconds(1);
  /** Bound on the first frame after a connection is possible: backoff, connect, probe, keyframe. */
  private static final Duration UP_BOUND = BACKOFF_MAX.plus(READ_TIMEOUT).plusSeconds(5);
  /** Bound on a connect to a frozen server: JavaCV opens a second time after a failed open. */
  private static final Duration OPEN_BOUND = READ_TIMEOUT.multipliedBy(2);
  private static final Path WORK = Path.of("target", "rtsp-it");

  private static final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private static PrintStream originalErr;
  private static final List<Change> changes = new CopyOnWriteArrayList<>();
  private static EmbeddedBroker broker;
  private static RtspTestServer server;
  private static Ingest ingest;
  private static CameraWorker camera;
  private static IngestMetrics.Camera meters;

  @BeforeAll
  static void startServerBrokerAndCamera() throws Exception {
    String why = RtspTestServer.unavailable();
    assumeTrue(why == null, why);
    // Everything logged to System.err (slf4j-simple) is kept for the secret check, and still shown.
    originalErr = System.err;
    System.setErr(new PrintStream(new Tee(originalErr, stderr), true, StandardCharsets.UTF_8));

    Path clip = RtspTestServer.clip(WORK);
    server = RtspTestServer.start(clip, "/cam", USER, SECRET);
    broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
    broker.createTopics(Map.of(TOPIC, 1));
    ingest = new Ingest(broker.bootstrapServers(), TOPIC, Map.of(), new IngestMetrics(new SimpleMeterRegistry()));
    ingest.onChange(changes::add);
    long t0 = System.currentTimeMillis();
    camera = ingest.start(spec(CAMERA, SECRET));
    meters = ingest.metrics().camera(CAMERA);
    Change up = awaitState(State.UP, t0, Duration.ofSeconds(20));
    report("first connect: UP %d ms after start (connect, RTSP setup, stream probe)", up.atMs() - t0);
  }

  @AfterEach
  void serverRunsForTheNextTest() throws Exception {
    if (server != null) {
      server.ensureRunning();
    }
  }

  @AfterAll
  static void stopEverything() {
    try {
      if (ingest != null) {
        ingest.close();
      }
    } finally {
      try {
        if (server != null) {
          server.close();
        }
      } finally {
        if (broker != null) {
          broker.close();
        }
        if (originalErr != null) {
          System.setErr(originalErr);
        }
        System.clearProperty("org.slf4j.simpleLogger.log.dev.actionstream.ingest");
      }
    }
  }

  @Test
  @Order(1)
  void framesArriveAtTheTargetFpsInOrderWithTheContractHeaders() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    Thread.sleep(1_000); // past the burst of frames buffered while FFmpeg probed the stream
    long read0 = meters.framesRead();
    long pub0 = meters.framesPublished();
    long cap0 = meters.droppedCount("fps-cap");
    long errors0 = meters.decodeErrors();
    long t0 = System.nanoTime();
    long wall0 = System.currentTimeMillis();
    Thread.sleep(5_000);
    long read1 = meters.framesRead();
    long pub1 = meters.framesPublished();
    long cap1 = meters.droppedCount("fps-cap");
    double seconds = (System.nanoTime() - t0) / 1e9;
    long wall1 = System.currentTimeMillis();
    double readFps = (read1 - read0) / seconds;
    double publishedFps = (pub1 - pub0) / seconds;
    report("rates over %.1f s: read %.2f fps (source %.0f), published %.2f fps (target %.0f), fps-cap drops %d",
        seconds, readFps, SOURCE_FPS, publishedFps, TARGET_FPS, cap1 - cap0);
    assertWithin(TARGET_FPS, 0.2, publishedFps, "published fps");
    assertWithin(SOURCE_FPS, 0.2, readFps, "fps read from the camera");
    assertTrue(cap1 - cap0 >= (read1 - read0) / 3,
        "about half the frames read are dropped by the fps cap: " + (cap1 - cap0) + " of " + (read1 - read0));
    assertEquals(0, meters.droppedCount("publish-error") + meters.droppedCount("encode-error"));
    assertEquals(errors0, meters.decodeErrors(), "FFmpeg errors while the camera streams");

    // An independent consumer's view of the topic.
    ingest.flush();
    long published = meters.framesPublished();
    List<ConsumerRecord<String, byte[]>> records = readFrames(published);
    assertTrue(records.size() >= published, records.size() + " records read, " + published + " published");
    long windowRecords = 0;
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<String, byte[]> r = records.get(i);
      assertEquals(CAMERA, r.key());
      long seq = Long.parseLong(header(r, FrameContract.FRAME_SEQ));
      long ts = Long.parseLong(header(r, FrameContract.CAPTURE_TS));
      assertEquals(i, seq, "frame-seq counts every published frame from 0");
      assertEquals(ts, r.timestamp(), "record timestamp = capture-ts");
      assertEquals("image/jpeg", header(r, FrameContract.CONTENT_TYPE));
      assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xD8}, java.util.Arrays.copyOf(r.value(), 2), "a JPEG");
      if (i > 0) {
        long prev = Long.parseLong(header(records.get(i - 1), FrameContract.CAPTURE_TS));
        assertTrue(ts > prev, "capture-ts increases: " + prev + " then " + ts + " at seq " + seq);
      }
      if (ts >= wall0 && ts < wall1) {
        windowRecords++;
      }
    }
    double topicFps = windowRecords / ((wall1 - wall0) / 1000.0);
    report("topic: %d frames read back, key %s, frame-seq 0..%d, capture-ts increasing; %.2f fps by capture-ts",
        records.size(), CAMERA, records.size() - 1, topicFps);
    assertWithin(TARGET_FPS, 0.2, topicFps, "fps by capture-ts on the topic");
    report("decode: mean %.0f µs per frame read from RTSP (grab() time: includes waiting for the camera's next"
        + " frame), JPEG encode %.0f µs; decoding alone: %.0f µs per 768x576 frame (the same clip read as a file)",
        meters.meanDecodeMicros(), meters.meanEncodeMicros(), fileDecodeMicros());
  }

  @Test
  @Order(2)
  void killedServerMarksTheCameraDownAndItReconnectsAfterRestart() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    long reconnects0 = meters.reconnects();
    long errors0 = meters.decodeErrors();
    long killedAt = System.currentTimeMillis();
    server.kill();
    Change down = awaitState(State.DOWN, killedAt, READ_TIMEOUT.plusSeconds(1));
    report("kill -9: DOWN %d ms after the kill (%s)", down.atMs() - killedAt, down.reason());

    Thread.sleep(1_500); // connection refused for a while: the worker backs off and retries
    assertTrue(meters.reconnects() > reconnects0, "reconnect attempts while the server is gone");
    long restartAt = System.currentTimeMillis();
    server.restart();
    long readyAt = System.currentTimeMillis();
    Change up = awaitState(State.UP, readyAt, UP_BOUND);
    report("restart: server ready %d ms after launch; UP %d ms after ready (bound %d ms); reconnects %d,"
        + " FFmpeg errors counted as decode errors %d", readyAt - restartAt, up.atMs() - readyAt,
        UP_BOUND.toMillis(), meters.reconnects() - reconnects0, meters.decodeErrors() - errors0);
    assertFramesFlow();
    assertTrue(meters.reconnects() - reconnects0 >= 1);
  }

  @Test
  @Order(3)
  void frozenServerTimesOutWithinTheBoundAndTheCameraReconnectsAfterSigcont() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    assertFramesFlow();
    long reconnects0 = meters.reconnects();
    int changes0 = changes.size();
    server.freeze();
    long frozenAt = System.currentTimeMillis();
    // Watch for the last frame (frames already in the socket are still read) until the camera is down.
    Duration bound = READ_TIMEOUT.plusMillis(1_500);
    long lastFrameAt = frozenAt;
    long lastCount = meters.framesRead();
    long deadline = frozenAt + bound.toMillis() + 5_000;
    while (lastChange().state() != State.DOWN && System.currentTimeMillis() < deadline) {
      long n = meters.framesRead();
      if (n != lastCount) {
        lastCount = n;
        lastFrameAt = System.currentTimeMillis();
      }
      Thread.sleep(5);
    }
    Change down = lastChange();
    assertEquals(State.DOWN, down.state(), "camera state " + bound.plusSeconds(5).toMillis() + " ms after SIGSTOP");
    long afterLastFrame = down.atMs() - lastFrameAt;
    report("SIGSTOP: DOWN %d ms after the last frame, %d ms after the stop (bound: read timeout %d ms + 1500 ms): %s",
        afterLastFrame, down.atMs() - frozenAt, READ_TIMEOUT.toMillis(), down.reason());
    assertTrue(afterLastFrame <= bound.toMillis(), "DOWN " + afterLastFrame + " ms after the last frame > " + bound);
    assertTrue(down.atMs() - frozenAt <= bound.toMillis(), "DOWN " + (down.atMs() - frozenAt) + " ms after SIGSTOP > " + bound);
    assertTrue(down.reason().contains("read timeout") || down.reason().contains("watchdog"), down.reason());

    // Not hung: while the server stays frozen the thread times out connect after connect.
    Thread worker = cameraThread(CAMERA);
    List<Long> attempts = new ArrayList<>(); // when each reconnect attempt began
    long counted = reconnects0;
    long triesDeadline = System.currentTimeMillis() + OPEN_BOUND.plus(BACKOFF_MAX).multipliedBy(2).toMillis() + 2_000;
    while (attempts.size() < 2 && System.currentTimeMillis() < triesDeadline) {
      long n = meters.reconnects();
      for (; counted < n; counted++) {
        attempts.add(System.currentTimeMillis());
      }
      Thread.sleep(5);
    }
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < attempts.size(); i++) {
      gaps.add(attempts.get(i) - attempts.get(i - 1));
    }
    report("frozen: reconnect attempts %s ms apart (each: a connect bounded by %d ms, then a backoff ≤ %d ms);"
        + " thread %s %s", gaps, OPEN_BOUND.toMillis(), BACKOFF_MAX.toMillis(), worker.getName(), worker.getState());
    assertTrue(attempts.size() >= 2, "reconnect attempts while frozen: " + attempts.size());
    for (long gap : gaps) {
      assertTrue(gap <= OPEN_BOUND.plus(BACKOFF_MAX).plusSeconds(1).toMillis(), "attempts " + gaps + " ms apart");
    }
    assertTrue(worker.isAlive());
    assertEquals(State.DOWN, camera.state());

    long thawedAt = System.currentTimeMillis();
    server.thaw();
    Change up = awaitState(State.UP, thawedAt, UP_BOUND);
    report("SIGCONT: UP %d ms after the thaw (bound %d ms)", up.atMs() - thawedAt, UP_BOUND.toMillis());
    assertFramesFlow();
    assertEquals(List.of(State.DOWN, State.UP),
        changes.subList(changes0, changes.size()).stream().filter(c -> c.camera().equals(CAMERA))
            .map(Change::state).toList(), "changes while frozen");
  }

  @Test
  @Order(4)
  void passwordNeverAppearsInLogsChangeReasonsOrMeters() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    // A second camera with a wrong password: the server refuses it (401), FFmpeg's error names the URL.
    long t0 = System.currentTimeMillis();
    ingest.start(spec("wrong-password-cam", WRONG_SECRET));
    await(() -> changes.stream().anyMatch(c -> c.camera().equals("wrong-password-cam") && c.state() == State.DOWN),
        UP_BOUND, "the camera with a wrong password is down");
    Thread.sleep(500); // a retry or two
    Change refused = changes.stream()
        .filter(c -> c.camera().equals("wrong-password-cam") && c.state() == State.DOWN).findFirst().orElseThrow();
    report("wrong password: DOWN %d ms after start: %s", refused.atMs() - t0, refused.reason());
    assertTrue(refused.reason().contains("401") || refused.reason().toLowerCase().contains("unauthorized")
        || refused.reason().contains("open input"), refused.reason());

    System.err.flush();
    String logged = stderr.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("camera " + CAMERA), "the camera's lines were captured:\n" + logged);
    assertTrue(logged.contains("rtsp://***@127.0.0.1:" + server.port()), "URLs are logged redacted:\n" + logged);
    for (String secret : List.of(SECRET, WRONG_SECRET)) {
      assertFalse(logged.contains(secret), "a password in the log:\n" + logged);
      for (Change c : changes) {
        assertFalse(c.reason().contains(secret), "a password in a change reason: " + c);
      }
      for (Meter m : ingest.metrics().registry().getMeters()) {
        String id = m.getId().getName() + " " + m.getId().getDescription() + " "
            + m.getId().getTags().stream().map(Tag::getValue).toList();
        assertFalse(id.contains(secret), "a password in a meter: " + id);
      }
      for (CameraWorker w : ingest.cameras()) {
        assertFalse(w.spec().source().toString().contains(secret));
      }
    }
    report("secret check: %d log bytes, %d changes, %d meters without the password",
        logged.length(), changes.size(), ingest.metrics().registry().getMeters().size());
  }

  @Test
  @Order(5)
  void aCameraThatNeverAnswersHoldsUpNoOtherCamera() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    // What a hung camera looks like to a client: the kernel accepts the connection, nobody answers.
    // With a long read timeout its thread spends half a minute connecting (two opens).
    try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Duration longTimeout = Duration.ofSeconds(15);
      ingest.start(CameraSpec.of("hung-cam", "rtsp://127.0.0.1:" + hung.getLocalPort() + "/cam")
          .withFps(TARGET_FPS).withTimeouts(longTimeout, longTimeout, BACKOFF_INITIAL, BACKOFF_MAX));
      Thread.sleep(500); // hung-cam is connecting now
      long killedAt = System.currentTimeMillis();
      server.kill();
      Change down = awaitState(State.DOWN, killedAt, READ_TIMEOUT.plusSeconds(1));
      long restartAt = System.currentTimeMillis();
      server.restart();
      Change up = awaitState(State.UP, restartAt, UP_BOUND);
      report("while hung-cam connects: %s DOWN %d ms after the kill, UP %d ms after the restart",
          CAMERA, down.atMs() - killedAt, up.atMs() - restartAt);
      assertFramesFlow();
    } // closing the listening socket resets hung-cam's connection: it fails fast from now on
  }

  @Test
  @Order(6)
  void closeStopsEveryCameraThreadWhileTheServerIsFrozen() throws Exception {
    awaitState(State.UP, System.currentTimeMillis(), UP_BOUND);
    server.freeze(); // both cameras now block in FFmpeg: one reading frames, one connecting
    Thread.sleep(300);
    Ingest closing = ingest;
    ingest = null; // closed here, not again after all tests
    long t0 = System.currentTimeMillis();
    closing.close();
    long took = System.currentTimeMillis() - t0;
    List<CameraWorker> cameras = closing.cameras();
    report("close while frozen: %d camera threads stopped in %d ms (bound: 2 × read timeout + 1500 ms): %s",
        cameras.size(), took, changes.stream().filter(c -> c.state() == State.STOPPED)
            .map(c -> c.camera() + " after " + (c.atMs() - t0) + " ms").toList());
    for (CameraWorker w : cameras) {
      assertEquals(State.STOPPED, w.state(), w.id());
      Thread t = cameraThread(w.id());
      assertFalse(t != null && t.isAlive(), w.id() + " still runs");
    }
    assertTrue(took <= OPEN_BOUND.plusMillis(1_500).toMillis(), took + " ms");
  }

  private static CameraSpec spec(String id, String password) {
    return CameraSpec.of(id, "rtsp://" + USER + ":" + password + "@127.0.0.1:" + server.port() + "/cam")
        .withFps(TARGET_FPS)
        .withTimeouts(READ_TIMEOUT, WATCHDOG, BACKOFF_INITIAL, BACKOFF_MAX);
  }

  /** Frames keep being published for a second. */
  private static void assertFramesFlow() throws InterruptedException {
    long n = meters.framesPublished();
    await(() -> meters.framesPublished() >= n + 3, Duration.ofSeconds(3), "frames published again");
  }

  /**
   * Waits until the camera's last recorded change is to {@code state} and returns it, or one at
   * {@code sinceMs} when the camera was in that state before (it took no time). Waits for the record,
   * not for {@link CameraWorker#state()}: the listener hears of a change just after the state is set.
   */
  private static Change awaitState(State state, long sinceMs, Duration bound) throws InterruptedException {
    await(() -> lastChange() != null && lastChange().state() == state, bound, CAMERA + " " + state);
    Change c = lastChange();
    return c.atMs() >= sinceMs ? c : new Change(c.camera(), state, sinceMs, c.reason());
  }

  /** The camera's last recorded change, or null. */
  private static Change lastChange() {
    Change found = null;
    for (Change c : changes) {
      if (c.camera().equals(CAMERA)) {
        found = c;
      }
    }
    return found;
  }

  private static void await(BooleanSupplier condition, Duration bound, String what) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail(what + ": not within " + bound.toMillis() + " ms; camera " + camera.state() + ", changes " + changes
            + ", reconnects " + meters.reconnects() + ", frames read " + meters.framesRead()
            + "\nserver (" + (server.alive() ? "alive" : "dead") + "):\n" + server.output());
      }
      Thread.sleep(10);
    }
  }

  private static Thread cameraThread(String id) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("camera-" + id)).findFirst().orElse(null);
  }

  /** The first {@code count} records of the frames topic, read by a plain consumer. */
  private static List<ConsumerRecord<String, byte[]>> readFrames(long count) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
      TopicPartition tp = new TopicPartition(TOPIC, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (out.size() < count && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    assertTrue(h != null, "header " + name + " missing");
    return new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Mean time FfmpegSource.grab() takes on the clip as a file, where no frame is waited for. */
  private static double fileDecodeMicros() throws Exception {
    CameraSpec file = CameraSpec.of("decode-bench", RtspTestServer.clip(WORK).toString())
        .withPace(CameraSpec.Pace.FAST, false);
    FfmpegSource s = new FfmpegSource(file);
    try {
      s.open();
      long nanos = 0;
      int frames = 0;
      while (true) {
        long t0 = System.nanoTime();
        FrameSource.Grabbed g = s.grab();
        if (g == null) {
          break;
        }
        nanos += System.nanoTime() - t0;
        frames++;
      }
      return frames == 0 ? 0 : nanos / 1e3 / frames;
    } finally {
      s.dispose();
    }
  }

  private static void assertWithin(double expected, double tolerance, double actual, String what) {
    assertTrue(Math.abs(actual - expected) <= expected * tolerance,
        String.format("%s %.2f not within ±%.0f %% of %.1f", what, actual, tolerance * 100, expected));
  }

  private static void report(String format, Object... args) {
    System.out.println("rtsp-it: " + String.format(format, args));
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      a.flush();
    }
  }
}
