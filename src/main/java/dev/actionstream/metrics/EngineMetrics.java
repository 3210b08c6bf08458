package dev.actionstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The engine's counters and timers, named as Prometheus expects (base units, {@code _total}
 * counters once exported). Shared by every stream thread: Micrometer meters are thread-safe, and
 * the tag-keyed lookups go through concurrent maps so a hot path does not re-register.
 */
public final class EngineMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> framesIn = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final Map<String, Counter> skipped = new ConcurrentHashMap<>();
  private final Map<String, Counter> events = new ConcurrentHashMap<>();
  private final Counter decoded;
  private final Counter inferred;
  private final Timer inference;
  private final Timer decode;

  public EngineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.decoded =
        Counter.builder("actionstream.frames.decoded")
            .description("frames decoded and preprocessed (at most once per frame per instance)")
            .register(registry);
    this.inferred =
        Counter.builder("actionstream.windows")
            .tag("outcome", "inferred")
            .tag("reason", "none")
            .description("clip windows, by outcome")
            .register(registry);
    this.inference =
        Timer.builder("actionstream.inference")
            .description("ONNX Runtime time per clip")
            .publishPercentileHistogram()
            .register(registry);
    this.decode =
        Timer.builder("actionstream.frame.decode")
            .description("decode + preprocess time per frame")
            .register(registry);
  }

  /** For tests and tools that do not export metrics. */
  public static EngineMetrics inMemory() {
    return new EngineMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void frameIn(String camera) {
    framesIn
        .computeIfAbsent(
            camera,
            c ->
                Counter.builder("actionstream.frames.in")
                    .tag("camera", c)
                    .description("valid frames received, per camera")
                    .register(registry))
        .increment();
  }

  public void deadLetter(String reason) {
    deadLetters
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("actionstream.dead.letters")
                    .tag("reason", r)
                    .description("records sent to the dead-letter topic, by reason")
                    .register(registry))
        .increment();
  }

  public void windowSkipped(String reason) {
    skipped
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("actionstream.windows")
                    .tag("outcome", "skipped")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  public void windowInferred(long nanos) {
    inferred.increment();
    inference.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void frameDecoded(long nanos) {
    decoded.increment();
    decode.record(Duration.ofNanos(nanos));
  }

  public void event(String type, String label) {
    events
        .computeIfAbsent(
            type + '\u0000' + label,
            k ->
                Counter.builder("actionstream.events")
                    .tag("type", type)
                    .tag("label", label)
                    .register(registry))
        .increment();
  }

  public long framesDecoded() {
    return (long) decoded.count();
  }

  public long windowsInferred() {
    return (long) inferred.count();
  }

  public long windowsSkipped() {
    return (long) skipped.values().stream().mapToDouble(Counter::count).sum();
  }

  public long deadLetters() {
    return (long) deadLetters.values().stream().mapToDouble(Counter::count).sum();
  }

  public long deadLetters(String reason) {
    Counter c = deadLetters.get(reason);
    return c == null ? 0 : (long) c.count();
  }

  public long windowsSkipped(String reason) {
    Counter c = skipped.get(reason);
    return c == null ? 0 : (long) c.count();
  }
}
