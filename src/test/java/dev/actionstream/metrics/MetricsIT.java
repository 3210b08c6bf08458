package dev.actionstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.engine.Engine;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.http.OpsEndpoints;
import dev.actionstream.ingest.CameraSpec;
import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.ingest.SyntheticSource;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine and camera ingest in one process on the demo topology, with the operating
 * endpoints on a free port: /readyz turns from 503 to 200, /metrics parses and holds every metric
 * the Grafana dashboard queries.
 */
class MetricsIT {
  static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/actionstream.json");

  @TempDir Path tmp;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void engineAndIngestExposeWhatTheDashboardQueries() throws Exception {
    TopologyConfig file = TopologyLoader.load(Path.of("topologies/demo.yaml"));
    assertEquals(HttpEndpoints.DEFAULT_BIND, file.http().bind(), "binds to loopback by default");

    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
        Telemetry telemetry = new Telemetry()) {
      broker.createTopics(Map.of("frames", 2));
      TopologyConfig config =
          file.withBootstrapServers(broker.bootstrapServers()).withHttp(file.http().withPort(0));
      AtomicReference<Engine> started = new AtomicReference<>();
      try (HttpEndpoints http = OpsEndpoints.start(config.http(), telemetry.registry(), () -> {
        Engine e = started.get();
        return e == null ? "starting" : e.notReadyReason();
      })) {
        String base = http.baseUrl();
        assertTrue(base.startsWith("http://127.0.0.1:"), base);
        assertEquals(200, get(base + "/healthz").statusCode());
        HttpResponse<String> notReady = get(base + "/readyz");
        assertEquals(503, notReady.statusCode());
        assertTrue(notReady.body().contains("starting"), notReady.body());

        EngineMetrics engineMetrics = new EngineMetrics(telemetry.registry());
        try (Engine engine = Engine.start(config, engineMetrics, tmp.resolve("state"))) {
          started.set(engine);
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          HttpResponse<String> ready;
          while ((ready = get(base + "/readyz")).statusCode() != 200) {
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().startsWith("not ready: "), ready.body());
            if (System.nanoTime() > deadline) {
              fail("/readyz not 200 within 60 s: " + ready.body());
            }
            Thread.sleep(200);
          }
          assertEquals("ready\n", ready.body());

          String scrape = feedUntilEvents(config, telemetry, engineMetrics, base);
          Files.createDirectories(Path.of("target"));
          Files.writeString(Path.of("target/metrics-scrape.txt"), scrape);

          Set<String> exposed = PromQl.exposedNames(scrape);
          Map<String, Set<String>> missing = new TreeMap<>();
          List<String> exprs = PromQl.dashboardExprs(DASHBOARD);
          assertTrue(exprs.size() >= 20, "dashboard has " + exprs.size() + " queries");
          for (String expr : exprs) {
            for (String name : PromQl.metricNames(expr)) {
              if (!exposed.contains(name)) {
                missing.computeIfAbsent(name, n -> new TreeSet<>()).add(expr);
              }
            }
          }
          assertTrue(missing.isEmpty(), "metrics queried by the dashboard but not exposed: " + missing);

          // A few values that must have moved.
          assertTrue(PromQl.value(scrape, "actionstream_frames_in_total", "camera=\"cam-1\"") > 0, scrape);
          assertTrue(PromQl.value(scrape, "actionstream_frame_to_prediction_seconds_count", null) > 0);
          assertTrue(PromQl.value(scrape, "actionstream_frame_to_event_seconds_count", null) > 0);
          assertTrue(PromQl.value(scrape, "actionstream_dead_letters_total", "reason=\"empty-value\"") >= 1);
          assertTrue(PromQl.value(scrape, "actionstream_ingest_frames_dropped_total", "camera=\"cam-2\",reason=\"fps-cap\"") > 0);
          assertTrue(PromQl.value(scrape, "actionstream_ingest_camera_fps", "camera=\"cam-1\"") > 5);
          assertTrue(PromQl.value(scrape, "actionstream_inference_batch_size_count", null) > 0);
          assertTrue(PromQl.value(scrape, "process_resident_memory_bytes", null) > 50e6);
          assertTrue(PromQl.value(scrape, "actionstream_input_lag_records", null) >= 0);
          // The gauge sums real per-partition metrics (both partitions: one instance owns all).
          assertEquals(2, InputLag.partitions(engine.streams().metrics(), "frames"));
        }
        HttpResponse<String> stopped = get(base + "/readyz");
        assertEquals(503, stopped.statusCode());
      }
    }
  }

  /**
   * Two synthetic cameras through the ingest path (cam-2 capped at 10 fps, so frames are dropped)
   * plus one empty frame for a dead letter, until events flow; returns the last scrape.
   */
  private String feedUntilEvents(TopologyConfig config, Telemetry telemetry, EngineMetrics engine, String base)
      throws Exception {
    long start = System.currentTimeMillis();
    try (Ingest ingest = new Ingest(config.bootstrapServers(), config.input().topic(), Map.of(),
            new IngestMetrics(telemetry.registry()));
        FramePublisher bad = new FramePublisher(config.bootstrapServers(), config.input().topic(), Map.of())) {
      for (int i = 1; i <= 2; i++) {
        String id = "cam-" + i;
        SyntheticCamera camera = new SyntheticCamera(id, CameraScript.random(11L * i, start, 60_000), i,
            new SyntheticCamera.Settings(15, 320, 240, 85));
        ingest.start(CameraSpec.of(id, "synthetic:seed=" + i).withFps(i == 1 ? 0 : 10), new SyntheticSource(camera));
      }
      bad.publish("cam-bad", System.currentTimeMillis(), 0, new byte[0]);
      bad.flush();
      long deadline = System.nanoTime() + Duration.ofSeconds(50).toNanos();
      String scrape;
      do {
        Thread.sleep(1000);
        HttpResponse<String> r = get(base + "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        scrape = r.body();
      } while ((Double.isNaN(PromQl.value(scrape, "actionstream_events_total", null))
              || engine.deadLetters() == 0)
          && System.nanoTime() < deadline);
      assertTrue(!Double.isNaN(PromQl.value(scrape, "actionstream_events_total", null)), "no events in 50 s");
      System.gc(); // jvm_gc_pause_seconds appears with the first collection
      Thread.sleep(200);
      return get(base + "/metrics").body();
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
