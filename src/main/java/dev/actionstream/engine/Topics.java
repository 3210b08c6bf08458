package dev.actionstream.engine;

import dev.actionstream.config.KafkaProperties;
import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Start check of the topology's topics: the brokers answer, the input topic exists, and the
 * output topics exist (created with the input's partition count when missing).
 */
public final class Topics {
  private Topics() {}

  static void ensure(TopologyConfig config, Duration timeout) {
    Properties p = adminProperties(config.bootstrapServers(), config.streams(), timeout);
    String input = config.input().topic();
    TopologyConfig.Outputs out = config.outputs();
    try (Admin admin = Admin.create(p)) {
      Set<String> existing;
      try {
        existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        EngineStartError refused = refused(config.bootstrapServers(), "streams", e);
        throw refused != null ? refused : unreachable(config.bootstrapServers(), timeout, e);
      } catch (TimeoutException e) {
        throw unreachable(config.bootstrapServers(), timeout, e);
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
    createMissing(bootstrapServers, Map.of(), "properties", names, partitions, timeout);
  }

  /**
   * {@link #createMissing(String, List, int, Duration)} through a client that connects as
   * {@code clientProperties} say (their {@code security.protocol}, {@code sasl.*}, {@code ssl.*};
   * the rest is ignored). {@code section} names where they come from, for messages.
   */
  public static void createMissing(
      String bootstrapServers, Map<String, String> clientProperties, String section, List<String> names,
      int partitions, Duration timeout) {
    try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties, timeout))) {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      createMissing(admin, existing, names, partitions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineStartError("interrupted while creating topics", e);
    } catch (ExecutionException e) {
      EngineStartError refused = refused(bootstrapServers, section, e);
      throw refused != null
          ? refused
          : new EngineStartError(
              "cannot create topics %s on %s: %s".formatted(names, bootstrapServers, e.getCause().getMessage()), e);
    } catch (TimeoutException e) {
      throw new EngineStartError(
          "cannot create topics %s on %s: %s".formatted(names, bootstrapServers, e.getMessage()), e);
    }
  }

  private static EngineStartError unreachable(String bootstrapServers, Duration timeout, Exception e) {
    return new EngineStartError(
        "cannot reach the Kafka brokers at %s (bootstrap-servers) within %d s"
            .formatted(bootstrapServers, timeout.toSeconds()),
        e);
  }

  /**
   * The brokers answered but refused us: wrong credentials or TLS settings say so (Kafka's
   * messages name the mechanism, never the secret). Null for anything else.
   */
  private static EngineStartError refused(String bootstrapServers, String section, ExecutionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof SaslAuthenticationException) {
      return new EngineStartError(
          "the Kafka brokers at %s refused the credentials (%s: sasl.mechanism, sasl.jaas.config): %s"
              .formatted(bootstrapServers, section, cause.getMessage()),
          e);
    }
    if (cause instanceof SslAuthenticationException) {
      return new EngineStartError(
          "TLS with the Kafka brokers at %s failed (%s: security.protocol, ssl.*): %s"
              .formatted(bootstrapServers, section, rootMessage(cause)),
          e);
    }
    if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
      return new EngineStartError(
          "the Kafka brokers at %s refused this client (%s): %s"
              .formatted(bootstrapServers, section, cause.getMessage()),
          e);
    }
    return null;
  }

  /** TLS errors nest the useful line ("PKIX path building failed", "No subject alternative names"). */
  private static String rootMessage(Throwable t) {
    String message = t.getMessage();
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        message = c.getMessage();
      }
    }
    return message;
  }

  /**
   * Calls give up after {@code timeout}; one request may take at most that, or 10 s. Connects as
   * {@code clientProperties} say (TLS, SASL); their {@code admin.}-prefixed copies win.
   */
  private static Properties adminProperties(
      String bootstrapServers, Map<String, String> clientProperties, Duration timeout) {
    Properties p = KafkaProperties.addConnection(new Properties(), clientProperties, "admin.");
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
