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
 * decode and encode time. Tagged by camera id only; a source URL (which may hold credentials)
 * never becomes a tag.
 */
public final class IngestMetrics {
  private final MeterRegistry registry;
  private final Map<String, Camera> cameras = new ConcurrentHashMap<>();

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
    }

    /** A frame read but not published: fps-cap, publish-error, encode-error. */
    public void dropped(String reason) {
      dropped.computeIfAbsent(reason, r -> Counter.builder("actionstream.ingest.frames.dropped")
          .tag("camera", id).tag("reason", r)
          .description("frames read but not published, by reason").register(registry)).increment();
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
