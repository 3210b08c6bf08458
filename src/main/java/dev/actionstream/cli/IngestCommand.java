package dev.actionstream.cli;

import dev.actionstream.config.Durations;
import dev.actionstream.engine.Topics;
import dev.actionstream.ingest.CameraSpec;
import dev.actionstream.ingest.CameraWorker;
import dev.actionstream.ingest.CamerasFile;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.http.OpsEndpoints;
import dev.actionstream.metrics.IngestMetrics;
import dev.actionstream.metrics.Telemetry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code actionstream ingest}: reads the cameras of a camera file (RTSP, HTTP MJPEG, files,
 * synthetic) into the frames topic until interrupted, or until every camera has ended.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Read cameras (rtsp://, http:// MJPEG, video files, synthetic:) into the frames topic.",
      "",
      "One thread per camera; a dead or frozen camera is marked down and reconnected with capped "
          + "exponential backoff while the others keep flowing. Prints each camera's state changes "
          + "and a status line per camera every --status-every. Credentials in URLs are never "
          + "printed. Ends on Ctrl-C/SIGTERM, after --duration, or when every camera has ended "
          + "(files without loop). Exit code 6 for a bad camera file, 5 when Kafka is unreachable or refuses the producer: settings (credentials, TLS)."
    })
final class IngestCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--cameras"},
      paramLabel = "FILE",
      defaultValue = "config/cameras.yaml",
      description = "camera file (default: ${DEFAULT-VALUE})")
  Path cameras;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Kafka brokers; overrides the file and ACTIONSTREAM_BOOTSTRAP_SERVERS")
  String bootstrapServers;

  @Option(names = "--duration", paramLabel = "DURATION", description = "stop after this long, e.g. 60s")
  String duration;

  @Option(
      names = "--status-every",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "status line interval (default: ${DEFAULT-VALUE})")
  String statusEvery;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "4",
      description = "partitions of the frames topic when ingest creates it (default: ${DEFAULT-VALUE})")
  int partitions;

  @Mixin HttpOptions httpOptions = new HttpOptions();

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    CamerasFile.Cameras file = CamerasFile.load(cameras);
    String brokers = bootstrapServers != null ? bootstrapServers : file.bootstrapServers();
    Duration limit = duration == null ? null : Durations.parse(duration);
    Duration every = Durations.parse(statusEvery);
    HttpSettings httpSettings = httpOptions.resolve(file.http(), spec);
    // Kafka first: unreachable brokers stop ingest before anything starts (exit code 5).
    // Through the producer's connection settings (TLS, SASL): wrong credentials stop here too.
    Topics.createMissing(
        brokers, file.producer(), "producer", List.of(file.topic()), Math.max(1, partitions), Duration.ofSeconds(15));
    AtomicReference<Ingest> started = new AtomicReference<>();
    try (Telemetry telemetry = new Telemetry();
        HttpEndpoints http = OpsEndpoints.start(httpSettings, telemetry.registry(),
            () -> started.get() == null ? "starting cameras" : null)) {
      out.printf("ingest: %s%n", OpsEndpoints.describe(http));
      out.flush();
      return run(out, file, brokers, limit, every, new IngestMetrics(telemetry.registry()), started);
    }
  }

  private int run(PrintWriter out, CamerasFile.Cameras file, String brokers, Duration limit, Duration every,
      IngestMetrics metrics, AtomicReference<Ingest> started) throws InterruptedException {
    StopSignal signal = StopSignal.install("ingest-shutdown", 15);
    try (Ingest ingest = new Ingest(brokers, file.topic(), file.producer(), metrics)) {
      ingest.onChange(c -> {
        out.printf("ingest: camera %s %s: %s%n", c.camera(), c.state().name().toLowerCase(Locale.ROOT), c.reason());
        out.flush();
      });
      for (CameraSpec cam : file.cameras()) {
        out.printf("ingest: camera %s from %s at %s fps%n", cam.id(), cam.source().redacted(),
            cam.fps() > 0 ? fmt(cam.fps()) : "source");
        ingest.start(cam);
      }
      started.set(ingest);
      out.printf("ingest: %d camera(s) into topic %s on %s%n", file.cameras().size(), file.topic(), brokers);
      out.flush();
      long start = System.nanoTime();
      long nextStatus = start + every.toNanos();
      while (!signal.stopRequested().await(200, TimeUnit.MILLISECONDS)) {
        long now = System.nanoTime();
        if (limit != null && now - start >= limit.toNanos()) {
          break;
        }
        if (now >= nextStatus) {
          status(out, ingest, (now - start) / 1e9);
          nextStatus += every.toNanos();
        }
        if (ingest.allEnded()) {
          break;
        }
      }
      ingest.close();
      status(out, ingest, (System.nanoTime() - start) / 1e9);
    } finally {
      signal.finished();
    }
    return ExitCodes.OK;
  }

  private static void status(PrintWriter out, Ingest ingest, double seconds) {
    for (CameraWorker w : ingest.cameras()) {
      IngestMetrics.Camera m = ingest.metrics().camera(w.id());
      out.printf(
          "ingest: %5.0f s %s %s: read %d, published %d (%.1f/s), dropped fps-cap %d publish %d, "
              + "decode errors %d, reconnects %d, decode %.0f µs/frame%n",
          seconds, w.id(), w.state().name().toLowerCase(Locale.ROOT), m.framesRead(), m.framesPublished(),
          seconds > 0 ? m.framesPublished() / seconds : 0.0, m.droppedCount("fps-cap"),
          m.droppedCount("publish-error"), m.decodeErrors(), m.reconnects(), m.meanDecodeMicros());
    }
    out.flush();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
