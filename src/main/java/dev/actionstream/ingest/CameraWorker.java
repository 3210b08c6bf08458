package dev.actionstream.ingest;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.actionstream.frames.FrameEncoder;
import dev.actionstream.metrics.IngestMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.function.Consumer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera's thread: connects, reads frames, thins them to the target fps by dropping, downscales
 * and JPEG-encodes them, and publishes them per the frame contract; reconnects with capped
 * exponential backoff when the source fails, ends or stalls. Nothing is queued: a slow step delays
 * the next read, and a live source then drops at the source or at the fps cap.
 *
 * <p>Only this thread touches the source. The {@link #checkWatchdog watchdog} (another thread) only
 * marks the camera down and asks for a reconnect, which the read timeout lets this thread act on.
 */
public final class CameraWorker implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CameraWorker.class);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** A camera's state as operators see it. */
  public enum State {
    CONNECTING, UP, DOWN, ENDED, STOPPED
  }

  /** A change of state, with the wall time it happened and why (credentials redacted). */
  public record Change(String camera, State state, long atMs, String reason) {}

  private final CameraSpec spec;
  private final FrameSource source;
  private final FramePublisher publisher;
  private final IngestMetrics.Camera meters;
  private final Consumer<Change> listener;
  private final FrameEncoder encoder;
  private final FpsLimiter limiter;
  private final Backoff backoff;
  private final long watchdogNanos;
  private final Thread thread;
  private final Mat scaled = new Mat();
  private Size scaledSize;
  private long sequence;
  private long framesThisOpen;
  private boolean reading;        // this thread is in grab(): FFmpeg errors are bad packets
  private String lastOpenError;   // FFmpeg's last error while connecting, for the down reason
  private volatile boolean running = true;
  private volatile boolean reconnect;
  private volatile State state = State.CONNECTING;
  private volatile long lastFrameNanos = System.nanoTime();

  CameraWorker(CameraSpec spec, FrameSource source, FramePublisher publisher,
      IngestMetrics.Camera meters, Consumer<Change> listener) {
    this.spec = spec;
    this.source = source;
    this.publisher = publisher;
    this.meters = meters;
    this.listener = listener;
    this.encoder = new FrameEncoder(spec.jpegQuality());
    this.limiter = new FpsLimiter(spec.fps());
    this.backoff = new Backoff(spec.backoffInitial(), spec.backoffMax(), spec.id().hashCode());
    this.watchdogNanos = spec.watchdog().toNanos();
    this.thread = new Thread(this, "camera-" + spec.id());
    thread.setDaemon(true);
  }

  public String id() {
    return spec.id();
  }

  public CameraSpec spec() {
    return spec;
  }

  public State state() {
    return state;
  }

  void start() {
    thread.start();
  }

  /** Asks the thread to stop; {@link #join} waits for it. */
  void stop() {
    running = false;
    thread.interrupt();
  }

  boolean join(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
    return !thread.isAlive();
  }

  @Override
  public void run() {
    FfmpegLog.attach(msg -> {
      // Errors while reading frames are bad packets; errors while connecting (connection
      // refused, 401) are the connection's, reported as the reason it is down.
      if (reading) {
        meters.decodeError();
      } else {
        lastOpenError = msg;
      }
      log.debug("camera {}: ffmpeg: {}", spec.id(), spec.source().redact(msg));
    });
    boolean first = true;
    try {
      while (running) {
        if (!first) {
          meters.reconnect();
        }
        first = false;
        String why;
        lastOpenError = null;
        try {
          source.open();
          why = pump();
        } catch (IOException | RuntimeException e) {
          String ffmpeg = lastOpenError == null ? "" : " (" + lastOpenError + ")";
          why = spec.source().redact(e.getMessage() + ffmpeg);
        } finally {
          source.close();
        }
        if (why == null && framesThisOpen == 0 && spec.loop() && running) {
          // A looping file without a single frame would reopen at once, forever: back off instead.
          why = "no frame in " + spec.source().redacted();
        }
        if (why == null) { // a finite source ended
          if (spec.loop() && running) {
            first = true; // a loop is no reconnect
            continue;
          }
          change(State.ENDED, "end of " + spec.source().redacted());
          return;
        }
        if (!running) {
          break;
        }
        change(State.DOWN, why);
        long wait = backoff.nextMillis();
        log.warn("camera {} ({}) down: {}; reconnecting in {} ms", spec.id(), spec.source().redacted(), why, wait);
        Thread.sleep(wait);
        reconnect = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (state != State.ENDED) {
        change(State.STOPPED, "stopped");
      }
      source.dispose();
      scaled.close();
      FfmpegLog.attach(null);
    }
  }

  /** Reads until the source ends (null), fails (exception) or must reconnect (the reason). */
  private String pump() throws IOException, InterruptedException {
    framesThisOpen = 0;
    while (running && !reconnect) {
      long c0 = cpuNanos();
      FrameSource.Grabbed g;
      reading = true;
      try {
        g = source.grab();
      } finally {
        reading = false;
      }
      long c1 = cpuNanos();
      if (g == null) {
        return source.finite() ? null : "stream ended";
      }
      if (reconnect) {
        break;
      }
      framesThisOpen++;
      lastFrameNanos = System.nanoTime();
      meters.read(c1 - c0);
      if (state != State.UP) {
        backoff.reset();
        change(State.UP, "frames arriving");
      }
      long wait = g.captureMs() - System.currentTimeMillis();
      if (wait > 0) { // a paced file or synthetic camera: publish at capture time, as a live one would
        Thread.sleep(wait);
      }
      if (!limiter.accept(g.captureMs())) {
        meters.dropped("fps-cap");
        continue;
      }
      publish(g);
    }
    return running ? "no frame for " + spec.watchdog().toMillis() + " ms (watchdog)" : "stopped";
  }

  private void publish(FrameSource.Grabbed g) {
    byte[] jpeg = g.jpeg();
    if (jpeg == null) {
      long t0 = System.nanoTime();
      try {
        jpeg = encoder.jpeg(downscaled(g.bgr()));
      } catch (RuntimeException e) {
        meters.dropped("encode-error");
        log.warn("camera {}: cannot encode a frame: {}", spec.id(), e.getMessage());
        return;
      }
      meters.encoded(System.nanoTime() - t0);
    }
    try {
      publisher.publish(spec.id(), g.captureMs(), sequence++, jpeg, (md, ex) -> {
        if (ex == null) {
          meters.published();
        } else {
          meters.dropped("publish-error");
          log.warn("camera {}: frame not published: {}", spec.id(), ex.getMessage());
        }
      });
    } catch (RuntimeException e) {
      meters.dropped("publish-error");
      log.warn("camera {}: frame not published: {}", spec.id(), e.getMessage());
    }
  }

  /**
   * This thread's CPU time: what reading and decoding a frame costs, without the time spent
   * waiting for a live source's next frame (which wall time would measure). Decoding runs on this
   * thread ({@link FfmpegSource}), so nothing is missed. Wall time where the JVM cannot tell.
   */
  private static long cpuNanos() {
    long t = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    return t >= 0 ? t : System.nanoTime();
  }

  /** The frame itself, or a copy fitting max-width × max-height (aspect kept), reusing one buffer. */
  private Mat downscaled(Mat bgr) {
    int w = bgr.cols();
    int h = bgr.rows();
    if (w <= spec.maxWidth() && h <= spec.maxHeight()) {
      return bgr;
    }
    double s = Math.min(spec.maxWidth() / (double) w, spec.maxHeight() / (double) h);
    int sw = Math.max(1, (int) Math.round(w * s));
    int sh = Math.max(1, (int) Math.round(h * s));
    if (scaledSize == null || scaledSize.width() != sw || scaledSize.height() != sh) {
      if (scaledSize != null) {
        scaledSize.close();
      }
      scaledSize = new Size(sw, sh);
    }
    resize(bgr, scaled, scaledSize, 0, 0, INTER_LINEAR);
    return scaled;
  }

  /** Called periodically from the watchdog thread: no frame for too long marks the camera down. */
  void checkWatchdog(long nowNanos) {
    if (state == State.UP && nowNanos - lastFrameNanos > watchdogNanos) {
      reconnect = true;
      change(State.DOWN, "no frame for " + Duration.ofNanos(nowNanos - lastFrameNanos).toMillis() + " ms (watchdog)");
    }
  }

  private synchronized void change(State next, String reason) {
    if (state == next || state == State.STOPPED) {
      return;
    }
    state = next;
    meters.up(next == State.UP);
    if (next == State.UP || next == State.ENDED) {
      log.info("camera {} ({}) {}: {}", spec.id(), spec.source().redacted(), next.name().toLowerCase(), reason);
    }
    if (listener != null) {
      listener.accept(new Change(spec.id(), next, System.currentTimeMillis(), reason));
    }
  }
}
