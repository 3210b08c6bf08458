package dev.actionstream.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real RTSP server in a child process for integration tests: GStreamer's gst-rtsp-server
 * (src/test/scripts/rtsp_server.py, Debian's python3-gi) serving an H.264 clip in an endless loop,
 * optionally behind Basic authentication. It can be killed (SIGKILL), frozen (SIGSTOP), thawed
 * (SIGCONT) and restarted on the same port, like a camera that loses power or hangs.
 *
 * <p>No server outlives its test: {@link #close()} kills it, a JVM shutdown hook kills it when the
 * test run ends without closing it, and the script exits by itself when its stdin (a pipe from
 * this JVM) closes, i.e. when this JVM dies.
 */
final class RtspTestServer implements AutoCloseable {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path SCRIPT = Path.of("src/test/scripts/rtsp_server.py");
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> command;
  private final int port;
  private final Deque<String> output = new ArrayDeque<>(); // last lines of the server's output; guarded by itself
  private final Thread hook = new Thread(this::destroy, "rtsp-server-reaper");
  private volatile Process process;
  private volatile boolean frozen;

  private RtspTestServer(List<String> command, int port) {
    this.command = command;
    this.port = port;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts a server for {@code clip} on a free port of 127.0.0.1 and waits for it to listen. */
  static RtspTestServer start(Path clip, String path, String user, String password) throws IOException {
    int port = freePort();
    List<String> cmd = user == null
        ? List.of(PYTHON.toString(), SCRIPT.toString(), "--port", Integer.toString(port), "--file",
            clip.toString(), "--path", path)
        : List.of(PYTHON.toString(), SCRIPT.toString(), "--port", Integer.toString(port), "--file",
            clip.toString(), "--path", path, "--user", user, "--password", password);
    RtspTestServer s = new RtspTestServer(cmd, port);
    try {
      s.launch();
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Why this machine cannot run the server (a missing Debian package), or null when it can. The
   * packages: python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-{good,bad}, ffmpeg,
   * opencv-doc.
   */
  static String unavailable() {
    if (!Files.isExecutable(PYTHON)) {
      return PYTHON + " not found (apt-get install python3)";
    }
    if (!Files.isReadable(VTEST)) {
      return VTEST + " not found (apt-get install opencv-doc)";
    }
    if (!Files.isExecutable(Path.of("/usr/bin/ffmpeg"))) {
      return "/usr/bin/ffmpeg not found (apt-get install ffmpeg)";
    }
    String probe = "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
        + " from gi.repository import Gst, GstRtspServer; Gst.init(None);"
        + " missing = [e for e in ('appsrc', 'appsink', 'qtdemux', 'h264parse', 'rtph264pay')"
        + " if Gst.ElementFactory.find(e) is None]; print(' '.join(missing))";
    try {
      Process p = new ProcessBuilder(PYTHON.toString(), "-c", probe).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return "GStreamer's RTSP server is not usable from Python (apt-get install python3-gi"
            + " gir1.2-gst-rtsp-server-1.0): " + out;
      }
      if (!out.isEmpty()) {
        return "GStreamer elements missing: " + out
            + " (apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)";
      }
      return null;
    } catch (IOException e) {
      return "cannot run " + PYTHON + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Real footage as a camera would send it: vtest.avi (768×576, 10 fps) as H.264, one keyframe a
   * second (a reconnect gets a picture within a second), one slice per frame, no B-frames. Encoded
   * once into {@code dir} and reused.
   */
  static Path clip(Path dir) throws IOException, InterruptedException {
    Path clip = dir.resolve("vtest-768x576-10fps.mp4");
    if (Files.isRegularFile(clip) && Files.size(clip) > 0) {
      return clip;
    }
    Files.createDirectories(dir);
    Path tmp = dir.resolve("vtest.tmp.mp4");
    Process p = new ProcessBuilder("/usr/bin/ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", VTEST.toString(), "-t", "10", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0",
        "-threads", "1", "-pix_fmt", "yuv420p", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0",
        "-r", "10", "-f", "mp4", tmp.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("ffmpeg could not encode " + VTEST + ": " + out);
    }
    Files.move(tmp, clip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return clip;
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** SIGKILL, as a power cut: the kernel closes the server's sockets. */
  void kill() throws InterruptedException {
    Process p = process;
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts the server again on the same port, after {@link #kill()}. */
  void restart() throws IOException {
    if (alive()) {
      throw new IllegalStateException("the server still runs");
    }
    launch();
  }

  /** SIGSTOP: the server hangs with its sockets open; the kernel still accepts connections. */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
    frozen = true;
  }

  /** SIGCONT after {@link #freeze()}. */
  void thaw() throws IOException, InterruptedException {
    signal("CONT");
    frozen = false;
  }

  /** Makes sure the server runs and is not frozen (after a test that failed half way). */
  void ensureRunning() throws IOException, InterruptedException {
    if (frozen && alive()) {
      thaw();
    }
    if (!alive()) {
      launch();
    }
  }

  /** The last lines the server printed, for assertion messages. */
  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  @Override
  public void close() {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }

  private void destroy() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly(); // SIGKILL ends a stopped process too
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void launch() throws IOException {
    // stdin stays a pipe from this JVM: the script exits when it closes.
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    process = p;
    frozen = false;
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (output) {
            output.addLast(line);
            if (output.size() > 50) {
              output.removeFirst();
            }
          }
          if (line.startsWith("ready ")) {
            ready.countDown();
          }
        }
      } catch (IOException e) {
        // the server died: its output ends here
      }
    }, "rtsp-server-output");
    reader.setDaemon(true);
    reader.start();
    try {
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (!ready.await(50, TimeUnit.MILLISECONDS)) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          reader.join(1_000);
          throw new IOException("the RTSP server did not start (" + String.join(" ", command) + "):\n" + output());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while the RTSP server started", e);
    }
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process k = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new IOException("kill -" + name + " " + pid() + " failed: "
          + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
