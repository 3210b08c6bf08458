package dev.actionstream.cli;

import dev.actionstream.broker.EmbeddedBroker;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code actionstream broker}: a one-node Kafka broker for the demo and for clients such as kcat,
 * until SIGINT or SIGTERM.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Run a single-node Kafka broker (KRaft, in this process) with the engine's topics.",
      "",
      "Listens on 127.0.0.1 only. Creates the topics that are missing, prints one line when "
          + "clients can connect and runs until interrupted (Ctrl-C, SIGTERM). Exit code 5 when "
          + "it cannot start, e.g. the port is in use."
    })
final class BrokerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "client port on 127.0.0.1, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "keep the logs here across restarts (default: a temporary directory, deleted"
          + " on exit)")
  Path dataDir;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "4",
      description = "partitions of each created topic (default: ${DEFAULT-VALUE})")
  int partitions;

  @Option(
      names = "--topics",
      split = ",",
      paramLabel = "TOPIC",
      defaultValue = "frames,predictions,events,alerts,dead-letters",
      description = "topics to create if missing (default: ${DEFAULT-VALUE})")
  List<String> topics;

  @Override
  public Integer call() throws InterruptedException {
    if (partitions < 1) {
      throw new ParameterException(spec.commandLine(), "--partitions: must be at least 1");
    }
    EmbeddedBroker broker =
        EmbeddedBroker.start(new EmbeddedBroker.Settings(port, dataDir, partitions));
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGINT/SIGTERM run shutdown hooks only; a clean close keeps a --data-dir consistent.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "broker-shutdown"));
    Map<String, Integer> wanted = new LinkedHashMap<>();
    topics.forEach(t -> wanted.put(t, partitions));
    broker.createTopics(wanted);
    spec.commandLine()
        .getOut()
        .printf(
            "broker: listening on %s (KRaft, data in %s)%n",
            broker.bootstrapServers(), broker.dataDir());
    spec.commandLine().getOut().flush();
    stopped.await();
    return ExitCodes.OK;
  }
}
