package dev.actionstream.cli;

import ai.onnxruntime.OrtException;
import dev.actionstream.bench.Bench;
import dev.actionstream.config.Durations;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code actionstream bench}: the engine end to end, flat out, and the bare model, side by side. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "End-to-end bench: cameras through a real broker (in-process unless --bootstrap-servers) into "
          + "the engine in real time (per-stage cost, frames/s, clips/s, frame-to-prediction and "
          + "frame-to-event latency p50/p95/p99, input lag, skipped windows, decodes per frame, CPU, "
          + "memory); then a fresh engine drains the same frames flat out (saturated clips/s), and a "
          + "bare ONNX Runtime loop runs clips the engine inferred with the same session settings: "
          + "engine/bare = saturated clips/s / bare clips/s. A progress line every --progress.",
      "",
      "--pytorch (with --video) also runs tools/modelkit/reference.py on the same video: engine/torch.",
      "--overhead instead measures the topology: frames/s of the engine with a trivial model draining "
          + "a pre-filled topic / frames/s of a plain consumer that decodes and preprocesses each frame.",
      "",
      "Defaults fit a 2-core machine: 4 cameras at 15 fps, 15 s warm-up + 60 s, demo-x3d."
    })
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--cameras", defaultValue = "4", description = "cameras (default ${DEFAULT-VALUE})")
  int cameras;

  @Option(names = "--fps", defaultValue = "15", description = "camera frame rate (default ${DEFAULT-VALUE})")
  double fps;

  @Option(names = "--hop", paramLabel = "DURATION", description = "window hop (default: the topology's, 1s)")
  String hop;

  @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "60s",
      description = "measured real-time phase (default ${DEFAULT-VALUE})")
  String duration;

  @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "15s",
      description = "real-time warm-up before measuring, not counted (default ${DEFAULT-VALUE}); 0 = none")
  String warmup;

  @Option(names = "--model", paramLabel = "NAME|MANIFEST",
      description = "demo-x3d (default), demo-slowfast, trivial (config/models/NAME.yaml) or a manifest file;"
          + " --overhead defaults to trivial when config/models/trivial.yaml exists")
  String model;

  @Option(names = "--topology", paramLabel = "FILE",
      description = "topology whose rules bench runs (default: topologies/demo.yaml of this installation)")
  Path topology;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
      description = "inference.batch (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--batch-sweep", paramLabel = "N,N,...", split = ",",
      description = "saturated and bare runs at each batch size, e.g. 1,2,4,8 (the real-time phase uses the first)")
  List<Integer> batchSweep;

  @Option(names = "--threads", paramLabel = "N",
      description = "ONNX Runtime intra-op threads, engine and bare loop alike (default: the topology's)")
  Integer threads;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
      description = "use this Kafka cluster instead of starting a broker in-process")
  String bootstrapServers;

  @Option(names = "--video", paramLabel = "FILE", description = "every camera plays this file, looped")
  Path video;

  @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
  Path json;

  @Option(names = "--pytorch", description = "also run the PyTorch reference pipeline (needs --video)")
  boolean pytorch;

  @Option(names = "--saturate", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "run the saturated phase, needed for engine/bare (default: on; --no-saturate skips it)")
  boolean saturate;

  @Option(names = "--bare-time", paramLabel = "DURATION", defaultValue = "10s",
      description = "how long the bare ONNX Runtime loop runs per batch size (default ${DEFAULT-VALUE})")
  String bareTime;

  @Option(names = "--progress", paramLabel = "DURATION", defaultValue = "5s",
      description = "progress line interval (default ${DEFAULT-VALUE})")
  String progress;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "5m",
      description = "longest a saturated or overhead drain may take (default ${DEFAULT-VALUE})")
  String drainTimeout;

  @Option(names = "--overhead", description = "measure the topology's overhead instead (see above)")
  boolean overhead;

  @Option(names = "--overhead-frames", paramLabel = "M", defaultValue = "3000",
      description = "frames pre-filled for --overhead, spread over --cameras (default ${DEFAULT-VALUE})")
  long overheadFrames;

  @Option(names = "--seed", defaultValue = "1", description = "synthetic camera scripts (default ${DEFAULT-VALUE})")
  long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException, OrtException {
    if (cameras < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--cameras must be at least 1");
    }
    if (fps <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--fps must be positive");
    }
    List<Integer> batches = batchSweep == null || batchSweep.isEmpty() ? List.of(batch) : batchSweep;
    if (batches.stream().anyMatch(b -> b < 1)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "batch sizes must be at least 1");
    }
    if (video != null && !Files.isRegularFile(video)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--video: no such file: " + video);
    }
    if (overhead && overheadFrames < cameras) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--overhead-frames must be at least --cameras");
    }
    PrintStream out = new PrintStream(System.out, true);
    Path manifest = manifest(out);
    Path file = topology != null ? topology : DemoCommand.Installation.file("topologies/demo.yaml");
    StopSignal signal = StopSignal.install("bench-shutdown", 60);
    try {
      Bench.run(
          new Bench.Options(
              cameras, fps, hop == null ? null : positive("--hop", hop), positive("--duration", duration),
              parse("--warmup", warmup), file, manifest, batches, threads, bootstrapServers, video, json,
              pytorch ? DemoCommand.Installation.file("tools") : null, saturate, positive("--bare-time", bareTime),
              positive("--progress", progress), positive("--drain-timeout", drainTimeout),
              overhead ? overheadFrames : 0, seed, out),
          signal.stopRequested());
      return ExitCodes.OK;
    } finally {
      signal.finished();
    }
  }

  /** The manifest --model names: a file, or NAME for config/models/NAME.yaml. */
  private Path manifest(PrintStream out) {
    String name = model;
    if (name == null) {
      if (overhead && Files.isRegularFile(DemoCommand.Installation.file("config/models/trivial.yaml"))) {
        name = "trivial";
      } else {
        if (overhead) {
          out.println("bench: config/models/trivial.yaml not found; --overhead runs demo-x3d");
        }
        name = "demo-x3d";
      }
    }
    Path given = Path.of(name);
    if (name.endsWith(".yaml") || name.endsWith(".yml") || Files.isRegularFile(given)) {
      return given;
    }
    Path named = DemoCommand.Installation.file("config/models/" + name + ".yaml");
    if (!Files.isRegularFile(named)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--model: no manifest " + named + " (give demo-x3d, demo-slowfast, trivial or a manifest file)");
    }
    return named;
  }

  private Duration parse(String option, String text) {
    if (text.strip().equals("0")) {
      return Duration.ZERO;
    }
    try {
      Duration d = Durations.parse(text);
      if (d.isNegative()) {
        throw new IllegalArgumentException("must not be negative");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage(), e, null, text);
    }
  }

  private Duration positive(String option, String text) {
    Duration d = parse(option, text);
    if (d.isZero()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + ": must be a positive duration such as 10s or 2m, got '" + text + "'");
    }
    return d;
  }
}
