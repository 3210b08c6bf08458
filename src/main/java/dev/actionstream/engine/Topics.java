package dev.actionstream.engine;

import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
final class Topics {
  private Topics() {}

  static void ensure(TopologyConfig config, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
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
      List<NewTopic> missing = new ArrayList<>();
      for (String t : List.of(out.predictions(), out.events(), out.alerts(), out.deadLetters())) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, java.util.Optional.of(partitions), java.util.Optional.empty()));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new EngineStartError("cannot create output topics: " + e.getCause().getMessage(), e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineStartError("interrupted while checking topics", e);
    } catch (ExecutionException e) {
      throw new EngineStartError("cannot describe topic '" + input + "': " + e.getCause().getMessage(), e);
    }
  }

}
