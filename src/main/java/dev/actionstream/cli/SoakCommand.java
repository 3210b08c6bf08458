package dev.actionstream.cli;

import dev.actionstream.demo.Soak;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code actionstream soak}: the demo's pipeline for a long time, sampled. */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Soak test: synthetic cameras, the engine and (by default) an in-process Kafka broker for "
          + "--duration, sampled every --interval: heap, resident set, input lag, frame-to-prediction "
          + "latency p50/p95/p99 over the interval (as a read_committed subscriber sees it), windows "
          + "inferred and skipped, CPU. One line per sample; --out FILE writes the samples as JSON "
          + "(or CSV when FILE ends in .csv), rewritten after every sample.",
      "",
      "The default, 26 cameras at 15 fps on the demo topology, is about 70 % of an idle 2-core "
          + "machine (cameras, broker and engine in one process: about 0.05 core per camera once "
          + "warm; README, \"Guarantees\")."
    })
final class SoakCommand implements Callable<Integer> {

  @Option(names = "--cameras", defaultValue = "26", description = "synthetic cameras (default ${DEFAULT-VALUE})")
  int cameras;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "30m",
      description = "how long to run, e.g. 30m, 2h, 600s (default ${DEFAULT-VALUE})")
  String duration;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description = "sampling interval (default ${DEFAULT-VALUE})")
  String interval;

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

  @Option(names = "--out", paramLabel = "FILE", description = "report file: JSON, or CSV when it ends in .csv")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (cameras < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--cameras must be at least 1");
    }
    Duration d = parse("--duration", duration);
    Duration i = parse("--interval", interval);
    Path file = topology != null ? topology : DemoCommand.Installation.file("topologies/demo.yaml");
    StopSignal signal = StopSignal.install("soak-shutdown", 60);
    try {
      Soak.run(
          new Soak.Options(cameras, d, i, file, bootstrapServers, seed, fps, out, new PrintStream(System.out, true)),
          signal.stopRequested());
      return ExitCodes.OK;
    } finally {
      signal.finished();
    }
  }

  private Duration parse(String option, String text) {
    Duration d;
    try {
      d = dev.actionstream.config.Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage(), e, null, text);
    }
    if (d.isZero() || d.isNegative()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + ": must be a positive duration such as 30s or 30m, got '" + text + "'");
    }
    return d;
  }
}
