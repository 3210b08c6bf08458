package dev.actionstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-camera ingest meters: frames read, published and dropped by reason, reconnects, camera up,
 * decode and encode time, published frames per second over the last 5 s. Exposed as
 * {@code actionstream_ingest_frames_read_total}, {@code _frames_published_total},
 * {@code _frames_dropped_total{reason}}, {@code _reconnects_total}, {@code _camera_up},
 * {@code _camera_fps}, {@code _decode_seconds}, {@code _decode_errors_total},
 * {@code _encode_seconds} (all {@code actionstream_ingest_...}). Tagged by camera id only; a source URL (which may hold credentials)
 * never becomes a tag.
 */
public final class IngestMetrics {
  private final MeterRegistry registry;
  private final Map<String, Camera> cameras = new ConcurrentHashMap<>();

  /** Why a frame read is not published. */
  public static final java.util.List<String> DROP_REASONS =
      java.util.List.of("fps-cap", "publish-error", "encode-error");

  public IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public static IngestMetrics inMemory() {
    return new IngestMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Camera camera(String id) {
    return cameras.computeIfAbsent(id, c -> new Camera(registry, c));
  }

  /** One camera's meters. Thread-safe. */
  public static final class Camera {
    private final MeterRegistry registry;
    private final String id;
    private final Counter read;
    private final Counter published;
    private final Counter reconnects;
    private final Counter decodeErrors;
    private final Timer decode;
    private final Timer encode;
    private final AtomicInteger up = new AtomicInteger();
    private final RateWindow fps = RateWindow.fiveSeconds();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();

    Camera(MeterRegistry registry, String id) {
      this.registry = registry;
      this.id = id;
      this.read = counter("actionstream.ingest.frames.read", "frames decoded from the source");
      this.published = counter("actionstream.ingest.frames.published", "frames sent to the frames topic");
      this.reconnects = counter("actionstream.ingest.reconnects", "connection attempts after the first");
      this.decodeErrors =
          counter("actionstream.ingest.decode.errors",
              "errors FFmpeg reported while reading frames (bad packets; not connection errors)");
      this.decode = Timer.builder("actionstream.ingest.decode").tag("camera", id)
          .description("CPU time to read and decode one frame (not the wait for a live source's next frame)")
          .register(registry);
      this.encode = Timer.builder("actionstream.ingest.encode").tag("camera", id)
          .description("time to downscale and JPEG-encode one frame").register(registry);
      Gauge.builder("actionstream.ingest.camera.up", up, AtomicInteger::get).tag("camera", id)
          .description("1 while the camera delivers frames, 0 while it is down").register(registry);
      Gauge.builder("actionstream.ingest.camera.fps", fps, f -> f.rate(System.nanoTime())).tag("camera", id)
          .description("frames published per second over the last 5 s").register(registry);
      for (String reason : DROP_REASONS) {
        dropCounter(reason); // at 0 from the start, so rate() sees them before the first drop
      }
    }

    private Counter counter(String name, String description) {
      return Counter.builder(name).tag("camera", id).description(description).register(registry);
    }

    /** A frame read, which took {@code decodeNanos} of CPU time to read and decode. */
    public void read(long decodeNanos) {
      read.increment();
      decode.record(decodeNanos, TimeUnit.NANOSECONDS);
    }

    public void encoded(long nanos) {
      encode.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void published() {
      published.increment();
      fps.mark(System.nanoTime());
    }

    /** Frames published per second over the last 5 s. */
    public double publishedFps() {
      return fps.rate(System.nanoTime());
    }

    /** A frame read but not published: fps-cap, publish-error, encode-error. */
    public void dropped(String reason) {
      dropCounter(reason).increment();
    }

    private Counter dropCounter(String reason) {
      return dropped.computeIfAbsent(reason, r -> Counter.builder("actionstream.ingest.frames.dropped")
          .tag("camera", id).tag("reason", r)
          .description("frames read but not published, by reason").register(registry));
    }

    public void decodeError() {
      decodeErrors.increment();
    }

    public void reconnect() {
      reconnects.increment();
    }

    public void up(boolean isUp) {
      up.set(isUp ? 1 : 0);
    }

    public boolean isUp() {
      return up.get() == 1;
    }

    public long framesRead() {
      return (long) read.count();
    }

    public long framesPublished() {
      return (long) published.count();
    }

    public long reconnects() {
      return (long) reconnects.count();
    }

    public long decodeErrors() {
      return (long) decodeErrors.count();
    }

    public long droppedCount(String reason) {
      Counter c = dropped.get(reason);
      return c == null ? 0 : (long) c.count();
    }

    /** Mean CPU time to read and decode a frame, in microseconds (0 before the first frame). */
    public double meanDecodeMicros() {
      return decode.mean(TimeUnit.MICROSECONDS);
    }

    public double meanEncodeMicros() {
      return encode.mean(TimeUnit.MICROSECONDS);
    }
  }
}
