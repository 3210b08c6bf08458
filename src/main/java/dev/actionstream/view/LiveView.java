package dev.actionstream.view;

import dev.actionstream.config.KafkaProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.topology.TopologyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live web view: one tile per camera (newest frame, top label and score, state) and a timeline
 * of recent episodes, updated live. What it shows comes from the topics, never from this
 * process's engine: its own consumer reads every partition of the frames, predictions and events
 * topics with {@code assign()} (no consumer group), so any instance's view shows every camera
 * however the cameras are spread over engine instances.
 *
 * <p>Paths on the process's {@link HttpEndpoints}: {@code /} and {@code /view/} the page (static,
 * inline CSS/JS), {@code /view/state} a JSON snapshot, {@code /view/stream} server-sent events
 * ({@code camera} per changed tile, {@code clock} every tick), {@code /view/frame/CAMERA.jpg}
 * the newest frame. Only camera ids, labels and scores are shown: never brokers or credentials.
 */
public final class LiveView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveView.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param outputLookback predictions and events are read from this far back at start (the
   *     timeline is full at once)
   * @param framesLookback frames are read from this far back at start
   * @param tick how often the stream looks for changes (and sends its clock)
   * @param maxStreams concurrent server-sent event streams; more are refused with 503
   */
  public record Settings(
      ViewState.Limits limits,
      Duration outputLookback,
      Duration framesLookback,
      Duration tick,
      int maxStreams) {
    public static Settings defaults() {
      return new Settings(
          ViewState.Limits.defaults(), Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofMillis(500), 32);
    }
  }

  /** Client properties of the topology's pass-through section that reaching the brokers needs. */
  private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

  private final TopologyConfig config;
  private final Settings settings;
  private final ViewState state;
  private final byte[] page;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger streams = new AtomicInteger();
  private volatile boolean assigned;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;

  private LiveView(TopologyConfig config, Settings settings) {
    this.config = config;
    this.settings = settings;
    this.state =
        new ViewState(
            settings.limits(),
            new ViewState.Topics(config.input().topic(), config.outputs().predictions(), config.outputs().events()),
            config.model().labels(),
            config.episodes().alertLabels(),
            config.input().maxFrameBytes());
    this.page = resource("/view/index.html");
    this.thread = new Thread(this::consume, "live-view");
    thread.setDaemon(true);
  }

  /** Starts reading the topics and serves the view on {@code http}. */
  public static LiveView start(TopologyConfig config, HttpEndpoints http) {
    return start(config, http, Settings.defaults());
  }

  public static LiveView start(TopologyConfig config, HttpEndpoints http, Settings settings) {
    LiveView view = new LiveView(config, settings);
    http.handle("/", view::root);
    http.handle("/view/", view::view);
    view.thread.start();
    return view;
  }

  /** What the view holds (for tests and the process's own use). */
  public ViewState state() {
    return state;
  }

  /** Whether the consumer found the topics' partitions and started reading. */
  public boolean reading() {
    return assigned;
  }

  // ---- Kafka ------------------------------------------------------------------------------

  private void consume() {
    // Connects as the engine does (TLS, SASL from the topology's streams:).
    Properties p = KafkaProperties.addConnection(new Properties(), config.streams(), "consumer.");
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "actionstream-live-view");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      consumer = c;
      Set<TopicPartition> have = new HashSet<>();
      long nextRefresh = 0;
      while (running.get()) {
        try {
          if (System.currentTimeMillis() >= nextRefresh) {
            refreshAssignment(c, have);
            nextRefresh = System.currentTimeMillis() + (have.isEmpty() ? 2000 : PARTITION_REFRESH.toMillis());
          }
          if (have.isEmpty()) {
            Thread.sleep(500);
            continue;
          }
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
            state.accept(r, System.currentTimeMillis());
          }
        } catch (WakeupException | InterruptedException e) {
          break;
        } catch (RuntimeException e) {
          if (!running.get()) {
            break;
          }
          log.warn("live view: reading the topics failed, retrying in 2 s: {}", e.toString());
          sleep(2000);
        }
      }
    } catch (RuntimeException e) {
      log.warn("live view: consumer stopped: {}", e.toString());
    }
  }

  /** Assigns every partition of the three topics; new ones start at their lookback. */
  private void refreshAssignment(KafkaConsumer<byte[], byte[]> c, Set<TopicPartition> have) {
    Map<String, Duration> lookback = new LinkedHashMap<>();
    lookback.put(config.input().topic(), settings.framesLookback());
    lookback.put(config.outputs().predictions(), settings.outputLookback());
    lookback.put(config.outputs().events(), settings.outputLookback());
    Map<TopicPartition, Long> fresh = new HashMap<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<String, Duration> t : lookback.entrySet()) {
      List<PartitionInfo> parts;
      try {
        parts = c.partitionsFor(t.getKey(), Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        continue; // not there yet (the engine creates the outputs): next refresh
      }
      if (parts == null) {
        continue;
      }
      for (PartitionInfo pi : parts) {
        TopicPartition tp = new TopicPartition(pi.topic(), pi.partition());
        if (!have.contains(tp)) {
          fresh.put(tp, now - t.getValue().toMillis());
        }
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    List<TopicPartition> all = new ArrayList<>(have);
    all.addAll(fresh.keySet());
    c.assign(all); // positions of partitions already assigned are kept
    Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(fresh, Duration.ofSeconds(10));
    List<TopicPartition> toEnd = new ArrayList<>();
    for (TopicPartition tp : fresh.keySet()) {
      OffsetAndTimestamp o = at.get(tp);
      if (o != null) {
        c.seek(tp, o.offset());
      } else {
        toEnd.add(tp); // nothing that recent: from the end
      }
    }
    c.seekToEnd(toEnd);
    have.addAll(fresh.keySet());
    assigned = true;
    log.info("live view: reading {} partitions", have.size());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private void root(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/") || path.equals("/view")) {
        if (get(ex)) {
          HttpEndpoints.respond(ex, 200, "text/html; charset=utf-8", page);
        }
      } else {
        HttpEndpoints.respond(ex, 404, "not found\n");
      }
    }
  }

  private void view(HttpExchange ex) throws IOException {
    try (ex) {
      if (!get(ex)) {
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/view/", "/view/index.html" -> HttpEndpoints.respond(ex, 200, "text/html; charset=utf-8", page);
        case "/view/state" -> HttpEndpoints.respond(ex, 200, "application/json", snapshotJson());
        case "/view/stream" -> stream(ex);
        default -> {
          if (path.startsWith("/view/frame/") && path.endsWith(".jpg")) {
            frame(ex, path.substring("/view/frame/".length(), path.length() - ".jpg".length()));
          } else {
            HttpEndpoints.respond(ex, 404, "not found\n");
          }
        }
      }
    }
  }

  private static boolean get(HttpExchange ex) throws IOException {
    if (ex.getRequestMethod().equals("GET")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET");
    HttpEndpoints.respond(ex, 405, "GET only\n");
    return false;
  }

  private byte[] snapshotJson() throws JsonProcessingException {
    Map<String, Object> body = new LinkedHashMap<>();
    ViewState.Snapshot s = state.snapshot(System.currentTimeMillis());
    body.put("topology", config.applicationId());
    body.put("model", config.modelName());
    body.put("reading", assigned);
    body.put("now", s.now());
    body.put("timeline_ms", s.timelineMs());
    body.put("labels", s.labels());
    body.put("alert_labels", s.alertLabels());
    body.put("cameras", s.cameras());
    return JSON.writeValueAsBytes(body);
  }

  private void frame(HttpExchange ex, String camera) throws IOException {
    Optional<ViewState.Frame> f = state.frame(camera);
    if (f.isEmpty()) {
      HttpEndpoints.respond(ex, 404, "no frame for this camera\n");
      return;
    }
    ex.getResponseHeaders().set("X-Capture-Ts", Long.toString(f.get().captureTs()));
    HttpEndpoints.respond(ex, 200, f.get().contentType(), f.get().bytes());
  }

  /**
   * Server-sent events: first a {@code hello} (topology, labels), then every tick a {@code camera}
   * event per tile that changed and a {@code clock} event (server time, camera ids, whether the
   * topics are being read), which also keeps proxies from closing the connection.
   */
  private void stream(HttpExchange ex) throws IOException {
    if (streams.incrementAndGet() > settings.maxStreams()) {
      streams.decrementAndGet();
      HttpEndpoints.respond(ex, 503, "too many live view streams\n");
      return;
    }
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.getResponseHeaders().set("X-Accel-Buffering", "no");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      Map<String, Object> hello = new LinkedHashMap<>();
      hello.put("topology", config.applicationId());
      hello.put("model", config.modelName());
      hello.put("labels", config.model().labels());
      hello.put("alert_labels", config.episodes().alertLabels());
      hello.put("timeline_ms", settings.limits().timeline().toMillis());
      send(out, "hello", JSON.writeValueAsString(hello));
      Map<String, String> sent = new HashMap<>();
      while (running.get()) {
        ViewState.Snapshot s = state.snapshot(System.currentTimeMillis());
        List<String> ids = new ArrayList<>();
        for (ViewState.CameraView c : s.cameras()) {
          ids.add(c.camera());
          String json = JSON.writeValueAsString(c);
          if (!json.equals(sent.get(c.camera()))) {
            send(out, "camera", json);
            sent.put(c.camera(), json);
          }
        }
        sent.keySet().retainAll(ids);
        Map<String, Object> clock = new LinkedHashMap<>();
        clock.put("now", s.now());
        clock.put("reading", assigned);
        clock.put("cameras", ids);
        send(out, "clock", JSON.writeValueAsString(clock));
        out.flush();
        Thread.sleep(settings.tick().toMillis());
      }
    } catch (IOException e) {
      // the browser went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.decrementAndGet();
    }
  }

  private static void send(OutputStream out, String event, String json) throws IOException {
    out.write(("event: " + event + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] resource(String name) {
    try (InputStream in = LiveView.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    running.set(false);
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
