package dev.actionstream.engine;

import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.ModelCheck;
import dev.actionstream.topology.TopologyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running topology: the shared model session plus the Kafka Streams application. Start
 * checks come first (model loads and fits, then topics reachable), so a bad start leaves nothing
 * running and creates no topic.
 */
public final class Engine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final TopologyConfig config;
  private final List<ModelSession> sessions;
  private final KafkaStreams streams;
  private final CountDownLatch running = new CountDownLatch(1);
  private final AutoCloseable meters;
  private volatile boolean closed;

  private Engine(
      TopologyConfig config, List<ModelSession> sessions, KafkaStreams streams, AutoCloseable meters) {
    this.config = config;
    this.sessions = sessions;
    this.streams = streams;
    this.meters = meters;
  }

  /**
   * Opens the model, checks the topics (creating missing outputs), starts the stream threads.
   *
   * @throws EngineStartError when the brokers cannot be reached or the input topic is missing
   */
  public static Engine start(TopologyConfig config, EngineMetrics metrics, Path stateDir) {
    // Opens the model with the start checks (ONNX against manifest and topology) before Kafka is
    // touched: a model that does not fit must not leave output topics behind (BadConfigIT).
    List<ModelSession> sessions =
        ModelCheck.openAll(config, new SessionSettings(config.inference().threads()));
    try {
      Topics.ensure(config, Duration.ofSeconds(20));
      KafkaStreams streams =
          new KafkaStreams(
              ActionTopology.build(config, sessions, metrics), properties(config, stateDir));
      Engine engine = new Engine(config, sessions, streams, metrics.bind(streams, config.input().topic()));
      streams.setStateListener(
          (now, before) -> {
            log.info("{}: {} -> {}", config.applicationId(), before, now);
            if (now == KafkaStreams.State.RUNNING) {
              engine.running.countDown();
            }
          });
      streams.setUncaughtExceptionHandler(
          e -> {
            log.error("{}: stream thread failed; replacing it", config.applicationId(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
          });
      streams.start();
      return engine;
    } catch (RuntimeException e) {
      sessions.forEach(ModelSession::close);
      throw e;
    }
  }

  static Properties properties(TopologyConfig config, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    // One prediction per (camera, window), also through crashes: outputs, state and offsets
    // commit in one transaction.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // No global stores here; opting in now silences Kafka's 5.0 deprecation warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // JPEG does not compress (REFERENCES §10); dead letters carry whole frames.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        Math.max(2 << 20, config.input().maxFrameBytes() + (64 << 10)));
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
        Math.max(1 << 20, config.input().maxFrameBytes() + (64 << 10)));
    p.putAll(config.streams());
    return p;
  }

  public TopologyConfig config() {
    return config;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /**
   * Why this engine does not process frames now, or null when it does: the model is loaded (it
   * is, once an engine exists) and Kafka Streams is RUNNING. For {@code /readyz}.
   */
  public String notReadyReason() {
    if (closed) {
      return "engine stopped";
    }
    KafkaStreams.State state = streams.state();
    return state == KafkaStreams.State.RUNNING ? null : "kafka streams state " + state;
  }

  /** Waits until the application is RUNNING (all tasks assigned and restored). */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    streams.close(Duration.ofSeconds(30));
    try {
      meters.close();
    } catch (Exception e) {
      log.debug("closing the engine's meters", e);
    }
    sessions.forEach(ModelSession::close);
  }
}
