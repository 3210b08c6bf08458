package dev.actionstream.cli;

import dev.actionstream.config.Durations;
import dev.actionstream.engine.Engine;
import dev.actionstream.http.HttpEndpoints;
import dev.actionstream.http.OpsEndpoints;
import dev.actionstream.view.LiveView;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.Telemetry;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code actionstream run TOPOLOGY}: the engine on an existing Kafka cluster, until stopped. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the engine of one topology file against a Kafka cluster until SIGINT/SIGTERM.",
      "",
      "Checks the topology, the model and the topics first and exits non-zero naming the "
          + "problem; then consumes the input topic and publishes predictions, events, alerts "
          + "and dead letters. Instances with the same application-id share the cameras."
    })
final class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TOPOLOGY", description = "topology file (topologies/*.yaml)")
  Path topologyFile;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT[,...]",
      description =
          "Kafka brokers; overrides ${env:ACTIONSTREAM_BOOTSTRAP_SERVERS} and the file's value.")
  String bootstrapServers;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = "${env:ACTIONSTREAM_STATE_DIR}",
      description =
          "Kafka Streams state (frames of open windows, episodes; rebuilt from changelogs when "
              + "lost). Default: <tmp>/actionstream-state/<application-id>.")
  Path stateDir;

  @Mixin HttpOptions httpOptions = new HttpOptions();

  @Override
  public Integer call() throws InterruptedException {
    TopologyConfig config = TopologyLoader.load(topologyFile, bootstrapServers);
    config = config.withHttp(httpOptions.resolve(config.http(), spec));
    PrintWriter out = spec.commandLine().getOut();
    Path state = stateDir != null ? stateDir : defaultStateDir(config);
    AtomicReference<Engine> started = new AtomicReference<>();
    // The HTTP server comes first: /healthz answers and /readyz says why not yet while the model
    // loads and Kafka Streams rebalances.
    try (Telemetry telemetry = new Telemetry();
        HttpEndpoints http =
            OpsEndpoints.start(config.http(), telemetry.registry(), () -> {
              Engine e = started.get();
              return e == null ? "starting (loading the model, connecting to Kafka)" : e.notReadyReason();
            })) {
      return run(config, out, state, telemetry, started, http);
    }
  }

  private int run(
      TopologyConfig config, PrintWriter out, Path state, Telemetry telemetry, AtomicReference<Engine> started,
      HttpEndpoints http) throws InterruptedException {
    StopSignal signal = StopSignal.install("run-shutdown", 40);
    try (Engine engine = Engine.start(config, new EngineMetrics(telemetry.registry()), state);
        // The view reads the topics, not this engine: it shows every camera, whichever instance
        // processes it.
        LiveView view = http == null ? null : LiveView.start(config, http)) {
      started.set(engine);
      out.printf(
          "run: %s: %s -> %s, model %s, a %s clip every %s, brokers %s (Ctrl-C stops)%n",
          config.applicationId(),
          config.input().topic(),
          config.outputs().predictions(),
          config.modelName(),
          Durations.format(java.time.Duration.ofMillis(Math.round(config.model().clip().duration() * 1000))),
          Durations.format(config.windows().hop()),
          config.bootstrapServers());
      out.printf("run: %s%n", OpsEndpoints.describe(http));
      if (view != null) {
        out.printf("run: live view %s/%n", http.baseUrl());
      }
      out.flush();
      signal.stopRequested().await();
    } finally {
      signal.finished();
    }
    return ExitCodes.OK;
  }

  static Path defaultStateDir(TopologyConfig config) {
    return Path.of(System.getProperty("java.io.tmpdir"), "actionstream-state", config.applicationId());
  }
}
