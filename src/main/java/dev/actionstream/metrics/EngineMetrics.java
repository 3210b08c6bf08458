package dev.actionstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The engine's counters and timers, named as Prometheus expects (base units, {@code _total}
 * counters once exported). Shared by every stream thread: Micrometer meters are thread-safe, and
 * the tag-keyed lookups go through concurrent maps so a hot path does not re-register.
 *
 * <p>Exposed names (Prometheus): {@code actionstream_frames_in_total{camera}},
 * {@code actionstream_frames_decoded_total}, {@code actionstream_frame_decode_seconds},
 * {@code actionstream_windows_total{outcome,reason}}, {@code actionstream_inference_seconds},
 * {@code actionstream_inference_batch_size}, {@code actionstream_frame_to_prediction_seconds},
 * {@code actionstream_frame_to_event_seconds}, {@code actionstream_events_total{type,label}},
 * {@code actionstream_dead_letters_total{reason}}, {@code actionstream_input_lag_records}.
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
  private final DistributionSummary batchSize;
  private final Timer frameToPrediction;
  private final Timer frameToEvent;
  private final Map<Stage, Timer> stages = new java.util.EnumMap<>(Stage.class);

  /**
   * Where the engine spends its time, one timer per data-flow stage ({@code
   * actionstream_stage_seconds{stage}}): what {@code bench} reports as per-stage cost.
   */
  public enum Stage {
    /** JPEG bytes to a BGR image. */
    DECODE,
    /** Image to the model's normalised C×H×W planes (resize, crop, mean/std). */
    PREPROCESS,
    /** A flow model's optical flow fields for one window (computed from its sampled frames). */
    FLOW,
    /** A window's T frames copied into the model's input tensor. */
    ASSEMBLE,
    /** One ONNX Runtime run (a batch of clips). */
    INFER,
    /** Serialising one output record (prediction, event, alert) for its sink (TimedSerializer). */
    PUBLISH;

    public String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  // Histogram buckets (Prometheus "le" bounds): a fixed, short list rather than Micrometer's
  // ~70 percentile buckets per series; quantiles come from histogram_quantile().
  private static final Duration[] INFERENCE_BUCKETS = durations(
      1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000);
  private static final Duration[] LATENCY_BUCKETS = durations(
      50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000);
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

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
            .description("ONNX Runtime time per model run")
            .serviceLevelObjectives(INFERENCE_BUCKETS)
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("actionstream.inference.batch.size")
            .description("clips per model run")
            .serviceLevelObjectives(BATCH_BUCKETS)
            .register(registry);
    this.frameToPrediction =
        Timer.builder("actionstream.frame.to.prediction")
            .description("wall clock when a prediction is produced minus its window's end (capture time)")
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry);
    this.frameToEvent =
        Timer.builder("actionstream.frame.to.event")
            .description("wall clock when an episode event is produced minus its window's end (capture time)")
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry);
    this.decode =
        Timer.builder("actionstream.frame.decode")
            .description("decode + preprocess time per frame")
            .register(registry);
    for (Stage st : Stage.values()) {
      stages.put(
          st,
          Timer.builder("actionstream.stage")
              .tag("stage", st.tag())
              .description("time per unit of work in each data-flow stage")
              .register(registry));
    }
    // Known skip reasons start at 0, so rate() and the dashboard see them before the first skip.
    for (String reason : SKIP_REASONS) {
      skipCounter(reason);
    }
  }

  /** Why a window is skipped: behind the wall clock by more than max-lag; too few distinct frames. */
  public static final java.util.List<String> SKIP_REASONS = java.util.List.of("lag", "too-few-frames");

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
    skipCounter(reason).increment();
  }

  private Counter skipCounter(String reason) {
    return skipped.computeIfAbsent(
        reason,
        r ->
            Counter.builder("actionstream.windows")
                .tag("outcome", "skipped")
                .tag("reason", r)
                .description("clip windows, by outcome")
                .register(registry));
  }

  public void windowInferred(long nanos) {
    batchInferred(1, nanos);
  }

  /** One model run over {@code clips} windows that took {@code nanos}. */
  public void batchInferred(int clips, long nanos) {
    inferred.increment(clips);
    inference.record(nanos, TimeUnit.NANOSECONDS);
    batchSize.record(clips);
  }

  /** A prediction produced now for the window that ended (capture time) at {@code windowEndMs}. */
  public void predictionProduced(long windowEndMs, long nowMs) {
    frameToPrediction.record(Math.max(0, nowMs - windowEndMs), TimeUnit.MILLISECONDS);
  }

  /** An episode event produced now from the window that ended at {@code windowEndMs}. */
  public void eventProduced(long windowEndMs, long nowMs) {
    frameToEvent.record(Math.max(0, nowMs - windowEndMs), TimeUnit.MILLISECONDS);
  }

  /**
   * Binds a running engine's Kafka Streams: its own client metrics (Micrometer's
   * {@link KafkaStreamsMetrics}, {@code kafka_stream_*}, {@code kafka_consumer_*}, ...) and
   * {@code actionstream_input_lag_records}. Close the result with the engine.
   */
  public AutoCloseable bind(KafkaStreams streams, String inputTopic) {
    KafkaStreamsMetrics kafka = new KafkaStreamsMetrics(streams);
    kafka.bindTo(registry);
    Gauge lag =
        Gauge.builder("actionstream.input.lag", streams, s -> InputLag.sum(s.metrics(), inputTopic))
            .baseUnit("records")
            .description("records of the input topic not yet consumed by this instance (summed over its partitions)")
            .register(registry);
    return () -> {
      registry.remove(lag);
      kafka.close();
    };
  }

  private static Duration[] durations(long... millis) {
    Duration[] d = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      d[i] = Duration.ofMillis(millis[i]);
    }
    return d;
  }

  /** Time spent in one stage for one unit of its work (a frame, a clip, a run, a record). */
  public void stage(Stage stage, long nanos) {
    stages.get(stage).record(nanos, TimeUnit.NANOSECONDS);
  }

  public Timer stageTimer(Stage stage) {
    return stages.get(stage);
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
