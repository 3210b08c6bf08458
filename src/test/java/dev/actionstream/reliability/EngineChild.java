package dev.actionstream.reliability;

import dev.actionstream.ChildJvm;
import dev.actionstream.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code actionstream run} in a child JVM, as an operator would start it. */
final class EngineChild implements AutoCloseable {
  private static final Pattern METRICS = Pattern.compile("metrics (http://\\S+/metrics)");
  private static final Pattern INFERRED =
      Pattern.compile("(?m)^actionstream_windows_total\\{[^}]*outcome=\"inferred\"[^}]*\\} ([0-9.eE+]+)$");

  final String name;
  final Process process;
  private final Path stderr;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private String metricsUrl;

  private EngineChild(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    Thread reader =
        new Thread(
            () -> {
              BufferedReader out =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
              for (String line; (line = ChildJvm.readLine(out)) != null; ) {
                lines.add(line);
              }
            },
            name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  static EngineChild start(String name, Path tmp, Path topology, String bootstrap, Path stateDir)
      throws IOException {
    Path err = tmp.resolve(name + "-" + System.nanoTime() + ".stderr");
    Process p =
        new ProcessBuilder(
                ChildJvm.command(
                    tmp,
                    List.of("-Xmx512m", "-Dorg.slf4j.simpleLogger.log.dev.actionstream=info"),
                    Main.class, "run", topology.toString(), "--http-port", "0",
                    "--bootstrap-servers", bootstrap, "--state-dir", stateDir.toString()))
            .redirectError(err.toFile())
            .start();
    return new EngineChild(name, p, err);
  }

  /** Waits for the start lines; returns how long the start took. */
  long awaitReady(Duration timeout) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    while (metricsUrl == null) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(name + " not ready after " + timeout + "\n" + stderr());
      }
      Matcher m = METRICS.matcher(line);
      if (m.find()) {
        metricsUrl = m.group(1);
      }
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** Windows this instance inferred so far (its /metrics counter). */
  double inferred() throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher m = INFERRED.matcher(r.body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** SIGKILL: no shutdown hook, no leave-group, an open transaction left behind. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  String stderr() {
    return ChildJvm.read(stderr);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
