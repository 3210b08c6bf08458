package dev.actionstream.ingest;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.TestConsumers;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.frames.FrameEncoder;
import dev.actionstream.ingest.CameraWorker.Change;
import dev.actionstream.ingest.CameraWorker.State;
import dev.actionstream.metrics.IngestMetrics;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Camera ingest from files and an HTTP MJPEG stream into a real broker: a file at its own pace
 * and as fast as possible, a looping file, corrupted files (bad packets skipped and counted, no
 * crash), and an MJPEG server that goes away and comes back. Frames are read back with a consumer
 * and checked against the frame contract. Measured decode and encode times are printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileIngestIT {
  private static final Path DATA = Path.of("/usr/share/doc/opencv-doc/examples/data");
  private static final Path VTEST = DATA.resolve("vtest.avi"); // 768x576, 10 fps, 79.5 s
  private static final Path MEGAMIND_BUGY = DATA.resolve("Megamind_bugy.avi");
  private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
  private static final String TOPIC = "frames";
  private static final Duration READ = Duration.ofSeconds(20);

  @TempDir static Path tmp;
  private static EmbeddedBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    assumeTrue(Files.isReadable(VTEST), VTEST + " missing (apt-get install opencv-doc)");
    // Load FFmpeg's and OpenCV's natives once, so that no test's timing includes it.
    try (Mat m = new Mat(8, 8, CV_8UC3)) {
      new FrameEncoder(85).jpeg(m);
    }
    FFmpegFrameGrabber.tryLoad();
    broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
    broker.createTopics(Map.of(TOPIC, 4));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void fileAtItsOwnPacePublishesAtItsFrameRate() throws Exception {
    CameraSpec spec = CameraSpec.of("vtest-own", VTEST.toString()).withFps(0).withFrameSize(384, 288);
    try (Run run = new Run()) {
      CameraWorker cam = run.ingest.start(spec);
      awaitState(cam, State.UP, Duration.ofSeconds(10));
      IngestMetrics.Camera m = run.metrics(spec);
      // Wall-clock rate over 3 s once frames flow.
      Thread.sleep(500);
      long t1 = System.nanoTime();
      long p1 = m.framesPublished();
      Thread.sleep(3_000);
      long p2 = m.framesPublished();
      double seconds = (System.nanoTime() - t1) / 1e9;
      double fps = (p2 - p1) / seconds;
      run.ingest.close();
      long stopMs = System.currentTimeMillis();
      System.out.printf(
          "FileIngestIT: vtest.avi (768x576 msmpeg4v3) at own pace: %d frames in %.2f s = %.2f fps;"
              + " decode %.0f us/frame, downscale+encode to 384x288 %.0f us/frame%n",
          p2 - p1, seconds, fps, m.meanDecodeMicros(), m.meanEncodeMicros());
      assertTrue(Math.abs(fps - 10) <= 2, "published at " + fps + " fps, file is 10 fps");

      List<ConsumerRecord<byte[], byte[]>> records = read(spec.id(), (int) m.framesPublished());
      assertEquals(m.framesPublished(), records.size());
      assertContract(records, spec.id());
      List<Long> ts = captureTimes(records);
      for (int i = 1; i < ts.size(); i++) {
        long gap = ts.get(i) - ts.get(i - 1);
        assertTrue(gap >= 99 && gap <= 101, "capture-ts " + i + " spacing " + gap + " ms");
      }
      long last = ts.get(ts.size() - 1);
      assertTrue(last <= stopMs && last >= stopMs - 500, "last capture " + (stopMs - last) + " ms before the stop");
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(records.get(0).value()));
      assertEquals(384, img.getWidth());
      assertEquals(288, img.getHeight());
      assertEquals(0, m.decodeErrors());
      assertEquals(0, m.reconnects());
    }
  }

  @Test
  void fastFileIsPublishedWholeFasterThanRealTimeAndEnds() throws Exception {
    Path clip = clip("clip5s.avi", 5, "-c:v", "mpeg4", "-q:v", "4", "-g", "10");
    int frames = countFrames(clip);
    CameraSpec spec = CameraSpec.of("vtest-fast", clip.toString()).withFps(0).withPace(CameraSpec.Pace.FAST, false);
    try (Run run = new Run()) {
      long t0 = System.currentTimeMillis();
      CameraWorker cam = run.ingest.start(spec);
      awaitState(cam, State.ENDED, Duration.ofSeconds(20));
      double seconds = (System.currentTimeMillis() - t0) / 1e3;
      // From the first frame read to the end: the reading itself, without opening the file.
      double reading = (run.changes.get(1).atMs() - run.changes.get(0).atMs()) / 1e3;
      run.ingest.flush();
      long now = System.currentTimeMillis();
      IngestMetrics.Camera m = run.metrics(spec);
      System.out.printf(
          "FileIngestIT: 5 s clip (%d frames) fast: ended %.2f s after the start, read in %.2f s after the"
              + " first frame (%.1fx real time); decode %.0f us/frame, encode 640x480 %.0f us/frame%n",
          frames, seconds, reading, 5 / reading, m.meanDecodeMicros(), m.meanEncodeMicros());
      assertEquals(List.of(State.UP, State.ENDED), run.states(spec));
      assertEquals(frames, m.framesRead());
      assertEquals(frames, m.framesPublished());
      assertTrue(reading < 2.0 && seconds < 5.0, "5 s of video took " + seconds + " s, " + reading + " s reading");

      List<ConsumerRecord<byte[], byte[]>> records = read(spec.id(), frames);
      assertEquals(frames, records.size());
      assertContract(records, spec.id());
      List<Long> ts = captureTimes(records);
      for (int i = 0; i < ts.size(); i++) {
        assertTrue(ts.get(i) <= now, "capture-ts " + i + " in the future by " + (ts.get(i) - now) + " ms");
        if (i > 0) {
          assertEquals(100, ts.get(i) - ts.get(i - 1), "spacing at " + i);
        }
      }
    }
  }

  @Test
  void loopingFilePlaysOnWithIncreasingCaptureTimes() throws Exception {
    Path clip = clip("clip2s.avi", 2, "-c:v", "mpeg4", "-q:v", "4", "-g", "10");
    int frames = countFrames(clip);
    CameraSpec spec = CameraSpec.of("vtest-loop", clip.toString()).withFps(0).withPace(CameraSpec.Pace.OWN, true);
    try (Run run = new Run()) {
      CameraWorker cam = run.ingest.start(spec);
      awaitState(cam, State.UP, Duration.ofSeconds(10));
      IngestMetrics.Camera m = run.metrics(spec);
      await(() -> m.framesPublished() >= frames * 2L + 5, Duration.ofSeconds(15), "two loops");
      run.ingest.close();
      assertEquals(List.of(State.UP, State.STOPPED), run.states(spec), "a loop is no reconnect");
      assertEquals(0, m.reconnects());

      List<ConsumerRecord<byte[], byte[]>> records = read(spec.id(), (int) m.framesPublished());
      assertEquals(m.framesPublished(), records.size());
      assertContract(records, spec.id());
      List<Long> ts = captureTimes(records);
      for (int i = 1; i < ts.size(); i++) {
        assertEquals(100, ts.get(i) - ts.get(i - 1), "spacing at " + i + " (the loop boundary is at " + frames + ")");
      }
      assertTrue(ts.size() > 2 * frames, "past the file's length twice: " + ts.size() + " frames of " + frames);
      System.out.printf("FileIngestIT: 2 s clip (%d frames) looped: %d frames published, capture-ts %d ms apart throughout%n",
          frames, records.size(), 100);
    }
  }

  @Test
  void megamindBugyIsIngestedWithoutACrash() throws Exception {
    assumeTrue(Files.isReadable(MEGAMIND_BUGY), MEGAMIND_BUGY + " missing");
    CameraSpec spec = CameraSpec.of("megamind-bugy", MEGAMIND_BUGY.toString()).withFps(0)
        .withPace(CameraSpec.Pace.FAST, false);
    try (Run run = new Run()) {
      CameraWorker cam = run.ingest.start(spec);
      awaitState(cam, State.ENDED, Duration.ofSeconds(30));
      run.ingest.flush();
      IngestMetrics.Camera m = run.metrics(spec);
      System.out.printf("FileIngestIT: Megamind_bugy.avi fast: %d frames read, %d published, %d decode errors;"
              + " decode %.0f us/frame%n",
          m.framesRead(), m.framesPublished(), m.decodeErrors(), m.meanDecodeMicros());
      assertEquals(List.of(State.UP, State.ENDED), run.states(spec));
      assertTrue(m.framesPublished() >= 200, "published " + m.framesPublished());
      assertEquals(m.framesRead(), m.framesPublished());
      assertContract(read(spec.id(), (int) m.framesPublished()), spec.id());
    }
  }

  @Test
  void corruptH264PacketsAreSkippedAndCounted() throws Exception {
    Path good = clip("h264.mp4", 4, "-vf", "scale=384:288", "-c:v", "libx264", "-preset", "ultrafast",
        "-g", "10", "-bf", "0", "-pix_fmt", "yuv420p");
    int frames = countFrames(good);
    Path bad = tmp.resolve("h264-corrupt.mp4");
    Files.copy(good, bad);
    corrupt(bad);

    CameraSpec spec = CameraSpec.of("h264-corrupt", bad.toString()).withFps(0).withPace(CameraSpec.Pace.FAST, false);
    try (Run run = new Run()) {
      CameraWorker cam = run.ingest.start(spec);
      awaitState(cam, State.ENDED, Duration.ofSeconds(20));
      run.ingest.flush();
      IngestMetrics.Camera m = run.metrics(spec);
      System.out.printf("FileIngestIT: corrupted H.264 mp4 (%d frames, 12 garbage ranges of 2000 bytes): %d frames"
              + " read, %d published, %d decode errors counted%n",
          frames, m.framesRead(), m.framesPublished(), m.decodeErrors());
      assertEquals(List.of(State.UP, State.ENDED), run.states(spec), "no crash, no reconnect");
      assertTrue(m.decodeErrors() > 0, "FFmpeg's errors are counted");
      assertEquals(0, m.reconnects());
      assertTrue(m.framesRead() < frames, "bad packets skipped: " + m.framesRead() + " of " + frames);
      assertTrue(m.framesRead() >= frames / 2, m.framesRead() + " of " + frames);
      assertEquals(m.framesRead(), m.framesPublished());
      List<ConsumerRecord<byte[], byte[]>> records = read(spec.id(), (int) m.framesPublished());
      assertContract(records, spec.id());
      // Frames after the corrupted middle were published: the file's last second is there.
      List<Long> ts = captureTimes(records);
      assertTrue(ts.get(ts.size() - 1) - ts.get(0) >= (frames - 10) * 100L,
          "published up to " + (ts.get(ts.size() - 1) - ts.get(0)) + " ms into the file");
    }
  }

  @Test
  void httpMjpegStreamGoesDownWithTheServerAndComesBack() throws Exception {
    List<byte[]> jpegs = vtestJpegs(20);
    MjpegServer server = new MjpegServer(0, jpegs);
    int port = server.port();
    String url = "http://127.0.0.1:" + port + "/video.mjpg";
    // Probed (no format), and with the format forced: both open the stream.
    CameraSpec spec = CameraSpec.of("mjpeg", url).withFps(0)
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(500));
    CameraSpec forced = CameraSpec.of("mjpeg-forced", url).withFps(0).withFormat("mpjpeg")
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofMillis(500));
    try (Run run = new Run()) {
      long t0 = System.currentTimeMillis();
      CameraWorker cam = run.ingest.start(spec);
      CameraWorker cam2 = run.ingest.start(forced);
      IngestMetrics.Camera m = run.metrics(spec);
      awaitState(cam, State.UP, Duration.ofSeconds(10));
      long upMs = System.currentTimeMillis() - t0;
      await(() -> m.framesPublished() >= 20, Duration.ofSeconds(10), "20 frames");
      awaitState(cam2, State.UP, Duration.ofSeconds(5));
      double decodeUs = m.meanDecodeMicros();
      double encodeUs = m.meanEncodeMicros();

      server.close();
      long stopAt = System.currentTimeMillis();
      awaitState(cam, State.DOWN, Duration.ofSeconds(5));
      long downMs = System.currentTimeMillis() - stopAt;
      awaitState(cam2, State.DOWN, Duration.ofSeconds(5));
      long downAt = m.framesPublished();
      Thread.sleep(1_000);
      assertTrue(m.framesPublished() <= downAt + 1, "no frames while the server is away");
      assertTrue(m.reconnects() >= 1, "it keeps trying: " + m.reconnects());

      server = new MjpegServer(port, jpegs);
      long restartAt = System.currentTimeMillis();
      awaitState(cam, State.UP, Duration.ofSeconds(5));
      long upAgainMs = System.currentTimeMillis() - restartAt;
      await(() -> m.framesPublished() >= downAt + 10, Duration.ofSeconds(10), "frames after the restart");
      awaitState(cam2, State.UP, Duration.ofSeconds(5));
      run.ingest.close();
      server.close();

      System.out.printf("FileIngestIT: HTTP MJPEG (768x576 JPEG parts, 10 fps): up after %d ms, down %d ms after"
              + " the server stopped, up again %d ms after it restarted; %d frames published, %d reconnects;"
              + " decode %.0f us/frame (CPU), encode 640x480 %.0f us/frame%n",
          upMs, downMs, upAgainMs, m.framesPublished(), m.reconnects(), decodeUs, encodeUs);
      List<State> states = run.states(spec);
      assertEquals(List.of(State.UP, State.DOWN, State.UP), states.subList(0, 3), states.toString());
      assertEquals(State.STOPPED, states.get(states.size() - 1));
      assertEquals(0, m.decodeErrors());
      List<ConsumerRecord<byte[], byte[]>> records = read(spec.id(), (int) m.framesPublished());
      assertEquals(m.framesPublished(), records.size());
      assertContract(records, spec.id());
      List<Long> ts = captureTimes(records);
      for (int i = 1; i < ts.size(); i++) {
        assertTrue(ts.get(i) > ts.get(i - 1), "capture-ts increase: " + ts.get(i - 1) + ", " + ts.get(i));
      }
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(records.get(0).value()));
      assertEquals(640, img.getWidth());
      assertEquals(480, img.getHeight());
      assertTrue(run.metrics(forced).framesPublished() >= 10, "forced mpjpeg: " + run.metrics(forced).framesPublished());
    } finally {
      server.close();
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** An ingest into the test broker with its own meters and a log of state changes. */
  private static final class Run implements AutoCloseable {
    final IngestMetrics metricsRoot = IngestMetrics.inMemory();
    final Ingest ingest = new Ingest(broker.bootstrapServers(), TOPIC, Map.of(), metricsRoot);
    final List<Change> changes = new CopyOnWriteArrayList<>();

    Run() {
      ingest.onChange(changes::add);
    }

    IngestMetrics.Camera metrics(CameraSpec spec) {
      return metricsRoot.camera(spec.id());
    }

    List<State> states(CameraSpec spec) {
      return changes.stream().filter(c -> c.camera().equals(spec.id())).map(Change::state).toList();
    }

    @Override
    public void close() {
      ingest.close();
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String camera, int atLeast) {
    return TestConsumers.readKey(broker.bootstrapServers(), TOPIC, camera, atLeast, READ);
  }

  /** Key = camera id, frame-seq 0, 1, 2, …, capture-ts = record timestamp, JPEG content. */
  private static void assertContract(List<ConsumerRecord<byte[], byte[]>> records, String camera) {
    assertTrue(!records.isEmpty(), "no frames of " + camera);
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      assertArrayEquals(camera.getBytes(StandardCharsets.UTF_8), r.key());
      assertEquals(Long.toString(i), header(r, FrameContract.FRAME_SEQ), "frame-seq of record " + i);
      assertEquals(r.timestamp(), Long.parseLong(header(r, FrameContract.CAPTURE_TS)));
      assertEquals("image/jpeg", header(r, FrameContract.CONTENT_TYPE));
      assertTrue((r.value()[0] & 0xff) == 0xff && (r.value()[1] & 0xff) == 0xd8, "a JPEG");
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static List<Long> captureTimes(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> Long.parseLong(header(r, FrameContract.CAPTURE_TS))).toList();
  }

  private static void awaitState(CameraWorker cam, State state, Duration timeout) throws InterruptedException {
    await(() -> cam.state() == state, timeout, "camera " + cam.id() + " " + state + " (is " + cam.state() + ")");
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  /** The first {@code seconds} of vtest.avi re-encoded with the given ffmpeg output options. */
  private static Path clip(String name, int seconds, String... codec) throws Exception {
    assumeTrue(Files.isExecutable(FFMPEG), FFMPEG + " not installed");
    Path out = tmp.resolve(name);
    List<String> cmd = new ArrayList<>(List.of(FFMPEG.toString(), "-hide_banner", "-loglevel", "error", "-y",
        "-i", VTEST.toString(), "-t", Integer.toString(seconds), "-an"));
    cmd.addAll(List.of(codec));
    cmd.add(out.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg " + cmd + ": " + log);
    return out;
  }

  /** Frames in a (sound) file, decoded once. */
  private static int countFrames(Path file) throws Exception {
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString())) {
      g.start();
      int n = 0;
      while (g.grabImage() != null) {
        n++;
      }
      return n;
    }
  }

  /**
   * Overwrites 12 ranges of 2000 bytes in the middle third of the file with random bytes: some
   * hit slice data (macroblock errors, concealed), some a sample's start (the packet is refused).
   */
  private static void corrupt(Path file) throws IOException {
    Random random = new Random(42);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long size = f.length();
      byte[] garbage = new byte[2000];
      for (int i = 0; i < 12; i++) {
        random.nextBytes(garbage);
        f.seek(size / 3 + i * (size / 3) / 12);
        f.write(garbage);
      }
    }
  }

  /** The first {@code n} frames of vtest.avi as 768x576 JPEGs. */
  private static List<byte[]> vtestJpegs(int n) throws Exception {
    List<byte[]> out = new ArrayList<>();
    FrameEncoder encoder = new FrameEncoder(85);
    try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(VTEST.toString());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
      g.start();
      Frame f;
      while (out.size() < n && (f = g.grabImage()) != null) {
        out.add(encoder.jpeg(converter.convert(f)));
      }
    }
    return out;
  }

  /** An endless multipart/x-mixed-replace stream of JPEGs at 10 fps, as IP cameras serve MJPEG. */
  private static final class MjpegServer implements AutoCloseable {
    private static final String BOUNDARY = "actionstreamframe";
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "mjpeg-server");
      t.setDaemon(true);
      return t;
    });
    private volatile boolean running = true;

    MjpegServer(int port, List<byte[]> jpegs) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      server.setExecutor(threads);
      server.createContext("/video.mjpg", exchange -> {
        exchange.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace; boundary=" + BOUNDARY);
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
          for (int i = 0; running; i++) {
            byte[] jpeg = jpegs.get(i % jpegs.size());
            out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(jpeg);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException e) {
          // the client left or the server stops
        }
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      if (running) {
        running = false;
        server.stop(0);
        threads.shutdownNow();
      }
    }
  }
}
