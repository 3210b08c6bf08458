package dev.actionstream.engine;

import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Start check of the topology's topics: the brokers answer, the input topic exists, and the
 * output topics exist (created with the input's partition count when missing).
 */
public final class Topics {
  private Topics() {}

  static void ensure(TopologyConfig config, Duration timeout) {
    Properties p = adminProperties(config.bootstrapServers(), timeout);
    String input = config.input().topic();
    TopologyConfig.Outputs out = config.outputs();
    try (Admin admin = Admin.create(p)) {
      Set<String> existing;
      try {
        existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        throw new EngineStartError(
            "cannot reach the Kafka brokers at %s (bootstrap-servers) within %d s"
                .formatted(config.bootstrapServers(), timeout.toSeconds()),
            e);
      }
      if (!existing.contains(input)) {
        throw new EngineStartError(
            "input topic '%s' (input.topic) does not exist on %s; create it, e.g. "
                    .formatted(input, config.bootstrapServers())
                + "kafka-topics.sh --create --topic " + input + " --partitions 4");
      }
      TopicDescription d =
          admin.describeTopics(List.of(input)).allTopicNames().get().get(input);
      int partitions = d.partitions().size();
      try {
        createMissing(
            admin,
            existing,
            List.of(out.predictions(), out.events(), out.alerts(), out.deadLetters()),
            partitions);
      } catch (ExecutionException e) {
        throw new EngineStartError("cannot create output topics: " + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineStartError("interrupted while checking topics", e);
    } catch (ExecutionException e) {
      throw new EngineStartError("cannot describe topic '" + input + "': " + e.getCause().getMessage(), e);
    }
  }

  /**
   * Creates those of {@code names} that the cluster at {@code bootstrapServers} lacks, with
   * {@code partitions} partitions and the broker's replication factor.
   */
  public static void createMissing(
      String bootstrapServers, List<String> names, int partitions, Duration timeout) {
    try (Admin admin = Admin.create(adminProperties(bootstrapServers, timeout))) {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      createMissing(admin, existing, names, partitions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineStartError("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new EngineStartError(
          "cannot create topics %s on %s: %s".formatted(names, bootstrapServers, e.getMessage()), e);
    }
  }

  /** Calls give up after {@code timeout}; one request may take at most that, or 10 s. */
  private static Properties adminProperties(String bootstrapServers, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
    return p;
  }

  /** Another client creating the same topic meanwhile is fine. */
  private static void createMissing(Admin admin, Set<String> existing, List<String> names, int partitions)
      throws InterruptedException, ExecutionException {
    List<NewTopic> missing = new ArrayList<>();
    for (String t : names) {
      if (!existing.contains(t)) {
        missing.add(new NewTopic(t, Optional.of(partitions), Optional.empty()));
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(missing).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }
}
