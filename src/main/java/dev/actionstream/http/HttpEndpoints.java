package dev.actionstream.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process's HTTP server (the JDK's, no extra dependency): metrics, health and the live view
 * register their paths on it. Binds to 127.0.0.1 unless told otherwise: nothing is exposed beyond
 * the host by default. Handlers run on a small pool of daemon threads; long-lived responses
 * (server-sent events) each hold one thread, so the pool grows on demand.
 */
public final class HttpEndpoints implements AutoCloseable {
  public static final String DEFAULT_BIND = "127.0.0.1";

  private final HttpServer server;
  private final ExecutorService pool;

  private HttpEndpoints(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts listening on {@code bind:port} (port 0: any free one). */
  public static HttpEndpoints start(String bind, int port) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
      AtomicInteger n = new AtomicInteger();
      ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "http-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      server.setExecutor(pool);
      server.start();
      return new HttpEndpoints(server, pool);
    } catch (IOException | RuntimeException e) {
      throw new HttpBindError("HTTP server cannot listen on " + bind + ":" + port + ": " + e.getMessage()
          + " (choose another with --http-port/--http-bind or the file's http section; "
          + "--http-port 0 takes any free port, --no-http turns it off)", e);
    }
  }

  /** Serves {@code path} and everything below it with {@code handler}. */
  public void handle(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** e.g. {@code http://127.0.0.1:8080}. */
  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + port();
  }

  /** Sends a complete response. */
  public static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  public static void respond(HttpExchange ex, int status, String text) throws IOException {
    respond(ex, status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
