package dev.actionstream.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium (Debian's {@code chromium} + {@code chromium-driver}) driven through
 * chromedriver's W3C WebDriver HTTP API with the JDK's HTTP client: no Selenium needed for the
 * few commands the tests use (open a page, run a script, take a screenshot).
 */
final class HeadlessChromium implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private String session;

  static boolean installed() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  private HeadlessChromium(Process driver, String base) {
    this.driver = driver;
    this.base = base;
  }

  /** Starts chromedriver and a browser session with a window of {@code width × height}. */
  static HeadlessChromium start(Path logDir, int width, int height) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p =
        new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve("chromedriver.log").toFile())
            .start();
    HeadlessChromium c = new HeadlessChromium(p, "http://127.0.0.1:" + port);
    try {
      c.awaitReady();
      ObjectNode chrome = JSON.createObjectNode();
      chrome.put("binary", CHROMIUM.toString());
      chrome.set(
          "args",
          JSON.valueToTree(
              List.of(
                  "--headless=new",
                  "--no-sandbox", // root in CI containers
                  "--disable-gpu",
                  "--disable-dev-shm-usage",
                  "--hide-scrollbars",
                  "--window-size=" + width + "," + height)));
      ObjectNode always = JSON.createObjectNode();
      always.put("browserName", "chrome");
      always.set("goog:chromeOptions", chrome);
      ObjectNode caps = JSON.createObjectNode();
      caps.putObject("capabilities").set("alwaysMatch", always);
      JsonNode v = c.call("POST", "/session", caps, Duration.ofSeconds(60));
      c.session = v.get("sessionId").asText();
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        if (call("GET", "/status", null, Duration.ofSeconds(2)).path("ready").asBoolean()) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline || !driver.isAlive()) {
        throw new IOException("chromedriver did not become ready");
      }
      Thread.sleep(200);
    }
  }

  void open(String url) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("url", url);
    call("POST", "/session/" + session + "/url", body, Duration.ofSeconds(60));
  }

  /** Runs a script in the page (a function body: {@code return ...}); returns its value. */
  JsonNode script(String body) throws IOException, InterruptedException {
    ObjectNode req = JSON.createObjectNode().put("script", body);
    req.putArray("args");
    return call("POST", "/session/" + session + "/execute/sync", req, Duration.ofSeconds(30));
  }

  /** Screenshot of the window, as PNG. */
  byte[] screenshot() throws IOException, InterruptedException {
    return Base64.getDecoder()
        .decode(call("GET", "/session/" + session + "/screenshot", null, Duration.ofSeconds(30)).asText());
  }

  /** One WebDriver command; returns its {@code value}, fails on a WebDriver error. */
  private JsonNode call(String method, String path, JsonNode body, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    if (body != null) {
      b.header("Content-Type", "application/json; charset=utf-8")
          .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode v = JSON.readTree(r.body()).path("value");
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "WebDriver " + method + " " + path + ": " + r.statusCode() + " " + v.path("error").asText() + ": " + v.path("message").asText());
    }
    return v;
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        call("DELETE", "/session/" + session, null, Duration.ofSeconds(15));
      }
    } catch (IOException | RuntimeException e) {
      // the driver goes anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      driver.destroy();
      try {
        if (!driver.waitFor(5, TimeUnit.SECONDS)) {
          driver.destroyForcibly();
        }
      } catch (InterruptedException e) {
        driver.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
