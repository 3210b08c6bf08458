package dev.actionstream.cli;

import dev.actionstream.demo.Demo;
import dev.actionstream.demo.DemoSummary;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.topology.TopologyLoader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code actionstream demo}: broker, synthetic cameras and engine in one process. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on this machine: an in-process Kafka broker (KRaft), synthetic "
          + "cameras acting out the eight demo actions, the engine on the demo topology, and "
          + "live events in the terminal.",
      "",
      "Ends after --duration (or Ctrl-C) with one line: summary: windows=W predictions=P "
          + "correct=C accuracy=A%% events=E dead_letters=D, where accuracy counts the windows "
          + "lying wholly inside one scripted action."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--cameras", defaultValue = "4", description = "synthetic cameras (default ${DEFAULT-VALUE})")
  int cameras;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      defaultValue = "0",
      description = "stop after this many seconds; 0 = run until Ctrl-C (default)")
  long durationSeconds;

  @Option(
      names = "--topology",
      paramLabel = "FILE",
      description = "topology file (default: topologies/demo.yaml of this installation)")
  Path topology;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT[,...]",
      description = "use this Kafka cluster instead of starting a broker in-process")
  String bootstrapServers;

  @Option(names = "--seed", defaultValue = "1", description = "camera scripts and scenes (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--fps", defaultValue = "15", description = "camera frame rate (default ${DEFAULT-VALUE})")
  double fps;

  @Spec CommandSpec spec;

  @Mixin HttpOptions httpOptions = new HttpOptions();

  @Override
  public Integer call() throws InterruptedException {
    if (cameras < 1) {
      throw new IllegalArgumentException("--cameras must be at least 1");
    }
    Path file = topology != null ? topology : Installation.file("topologies/demo.yaml");
    HttpSettings http = httpOptions.resolve(TopologyLoader.load(file).http(), spec);
    // Ctrl-C ends the demo the normal way (drain, summary) before the JVM exits.
    StopSignal signal = StopSignal.install("demo-shutdown", 60);
    try {
      DemoSummary s =
          Demo.run(
              new Demo.Options(
                  cameras,
                  durationSeconds > 0 ? Duration.ofSeconds(durationSeconds) : null,
                  file,
                  bootstrapServers,
                  seed,
                  fps,
                  null,
                  new PrintStream(System.out, true),
                  http),
              signal.stopRequested());
      return s.duplicates() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    } finally {
      signal.finished();
    }
  }

  /** Files shipped beside the jar: the working directory first, then the jar's checkout. */
  static final class Installation {
    private Installation() {}

    static Path file(String relative) {
      Path here = Path.of(relative);
      if (Files.exists(here)) {
        return here;
      }
      try {
        Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // target/actionstream.jar (or target/classes) -> the checkout root
        Path root = jar.getParent().getParent();
        Path there = root.resolve(relative);
        return Files.exists(there) ? there : here;
      } catch (Exception e) {
        return here;
      }
    }
  }
}
