package dev.actionstream.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.demo.Demo;
import dev.actionstream.demo.DemoSummary;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live view in a real browser: the demo's engine and synthetic cameras on an in-process
 * broker, the view on its own HTTP server, and headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}; skipped without them) watching the page: a tile per camera with its
 * frame, labels that change, episodes on the timeline. Saves {@code target/live-view.png}.
 */
class LiveViewIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> CAMERAS = Set.of("cam-1", "cam-2", "cam-3");
  private static final Path SCREENSHOT = Path.of("target/live-view.png");

  /** What the page shows, read from its DOM. */
  private static final String READ_PAGE =
      """
      const rows = {};
      for (const r of document.querySelectorAll('#rows .trow')) rows[r.dataset.camera] = r.querySelectorAll('.ep').length;
      return {
        conn: document.getElementById('conn').textContent,
        tiles: [...document.querySelectorAll('#tiles .tile')].map(t => ({
          camera: t.dataset.camera,
          state: t.dataset.state || '',
          label: t.querySelector('.label').textContent,
          img: t.querySelector('img.frame').naturalWidth,
          bars: rows[t.dataset.camera] || 0
        }))
      };""";

  @TempDir Path tmp;

  @Test
  void tilesFramesChangingLabelsAndEpisodesInHeadlessChromium() throws Exception {
    assumeTrue(
        HeadlessChromium.installed(),
        "chromium / chromedriver not installed (apt-get install chromium chromium-driver): live view browser test skipped");
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(Map.of("frames", 4, "predictions", 4, "events", 4, "alerts", 4, "dead-letters", 4));
      TopologyConfig config = TopologyLoader.load(Path.of("topologies/demo.yaml"), bootstrap);
      // A one-minute timeline, so that a short run fills it.
      LiveView.Settings d = LiveView.Settings.defaults();
      ViewState.Limits l = d.limits();
      LiveView.Settings settings =
          new LiveView.Settings(
              new ViewState.Limits(
                  l.maxCameras(), l.maxEpisodes(), l.maxFrameBytes(), Duration.ofSeconds(60),
                  l.frameInterval(), l.liveWithin(), l.downAfter(), l.forgetAfter()),
              d.outputLookback(), d.framesLookback(), d.tick(), d.maxStreams());
      // Two views, as two engine instances would serve them: each shows every camera.
      try (HttpEndpoints http = HttpEndpoints.start("127.0.0.1", 0);
          LiveView view = LiveView.start(config, http, settings);
          HttpEndpoints http2 = HttpEndpoints.start("127.0.0.1", 0);
          LiveView view2 = LiveView.start(config, http2, settings)) {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<DemoSummary> summary = new AtomicReference<>();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Thread demo =
            new Thread(
                () -> {
                  try {
                    summary.set(
                        Demo.run(
                            new Demo.Options(
                                3, Duration.ofSeconds(75), Path.of("topologies/demo.yaml"), bootstrap, 7, 15,
                                tmp.resolve("state"), new PrintStream(console, true, StandardCharsets.UTF_8)),
                            stop));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "demo");
        demo.start();
        long t0 = System.nanoTime();
        Map<String, Set<String>> labels = new HashMap<>();
        JsonNode page = null;
        try (HeadlessChromium browser = HeadlessChromium.start(tmp, 1280, 900)) {
          browser.open(http.baseUrl() + "/");
          String title = browser.script("return document.title;").asText();
          assertTrue(title.contains("live view"), title);
          double firstTile = -1;
          boolean done = false;
          while (!done && seconds(t0) < 110) {
            Thread.sleep(1000);
            page = browser.script(READ_PAGE);
            int withFrame = 0;
            int withBars = 0;
            for (JsonNode t : page.get("tiles")) {
              String label = t.get("label").asText();
              if (!label.equals("–")) {
                labels.computeIfAbsent(t.get("camera").asText(), c -> new LinkedHashSet<>()).add(label);
              }
              withFrame += t.get("img").asInt() > 0 ? 1 : 0;
              withBars += t.get("bars").asInt() > 0 ? 1 : 0;
            }
            if (firstTile < 0 && page.get("tiles").size() > 0) {
              firstTile = seconds(t0);
            }
            boolean changed = labels.values().stream().anyMatch(s -> s.size() >= 2);
            done =
                page.get("tiles").size() == CAMERAS.size()
                    && withFrame == CAMERAS.size()
                    && withBars == CAMERAS.size()
                    && labels.keySet().equals(CAMERAS)
                    && changed
                    && page.get("conn").asText().equals("live")
                    // a fuller timeline for the screenshot
                    && seconds(t0) >= 45;
          }
          Files.createDirectories(SCREENSHOT.getParent());
          Files.write(SCREENSHOT, browser.screenshot());
          System.out.printf(
              "live view: first tile after %.1f s, done after %.1f s; labels seen %s; page %s; screenshot %s%n",
              firstTile, seconds(t0), labels, page, SCREENSHOT.toAbsolutePath());
        } finally {
          stop.countDown();
          demo.join(120_000);
          System.out.println(console.toString(StandardCharsets.UTF_8));
        }

        TreeSet<String> tiles = new TreeSet<>();
        for (JsonNode t : page.get("tiles")) {
          tiles.add(t.get("camera").asText());
          assertTrue(t.get("img").asInt() > 0, "frame loaded in " + t);
          assertTrue(t.get("bars").asInt() > 0, "episodes on the timeline for " + t);
          assertEquals("live", t.get("state").asText(), t.toString());
        }
        assertEquals(new TreeSet<>(CAMERAS), tiles, "one tile per camera");
        assertEquals(CAMERAS, labels.keySet(), "every tile shows a label");
        assertTrue(labels.values().stream().anyMatch(s -> s.size() >= 2), "labels change: " + labels);
        assertEquals("live", page.get("conn").asText(), "server-sent events arrive");
        assertTrue(Files.size(SCREENSHOT) > 10_000, "screenshot " + Files.size(SCREENSHOT) + " bytes");
        assertTrue(summary.get() != null && summary.get().predictions() > 0, "the demo ran");

        // The other instance's view: every camera too (all partitions, read from the topics).
        HttpClient client = HttpClient.newHttpClient();
        JsonNode state =
            JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(http2.baseUrl() + "/view/state")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
        TreeSet<String> seen = new TreeSet<>();
        state.get("cameras").forEach(c -> seen.add(c.get("camera").asText()));
        assertEquals(new TreeSet<>(CAMERAS), seen, state.toString());
        assertTrue(view2.reading());
        assertTrue(!state.toString().contains(bootstrap), "no broker addresses in the view");

        HttpResponse<byte[]> frame =
            client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + "/view/frame/cam-1.jpg")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, frame.statusCode());
        assertEquals("image/jpeg", frame.headers().firstValue("Content-Type").orElse(""));
        assertEquals((byte) 0xff, frame.body()[0]);
        assertEquals((byte) 0xd8, frame.body()[1]);
        assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + "/view/frame/nope.jpg")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + "/nothing")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
        assertTrue(view.reading());
      }
    }
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
