package dev.actionstream.broker;

import java.nio.file.Path;
import java.util.Properties;

/**
 * The server properties of a one-node KRaft cluster (broker and controller in one process) that
 * Kafka Streams with {@code exactly_once_v2} can run against.
 */
final class BrokerConfig {
  static final int NODE_ID = 1;
  static final String BROKER_LISTENER = "PLAINTEXT";
  static final String CONTROLLER_LISTENER = "CONTROLLER";
  static final String SECURE_LISTENER = "SECURE";
  static final String SCRAM = "SCRAM-SHA-512";
  static final String HOST = "127.0.0.1";

  /** Room for a 1 MiB frame plus headers and batch overhead (Kafka's default is 1 MiB + 12). */
  static final int MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

  private BrokerConfig() {}

  /**
   * @param brokerPort the client listener's port, 0 for one the kernel picks
   * @param controllerPort a fixed port: the static voter list must name it before the start
   */
  static Properties of(int brokerPort, int controllerPort, Path logDir, int defaultPartitions) {
    return of(brokerPort, controllerPort, logDir, defaultPartitions, null);
  }

  /** With {@code secure}: a SASL/SCRAM listener on an ephemeral port too. */
  static Properties of(
      int brokerPort, int controllerPort, Path logDir, int defaultPartitions, EmbeddedBroker.Secure secure) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", BROKER_LISTENER);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    if (secure != null) {
      p.put("listeners", p.getProperty("listeners") + "," + SECURE_LISTENER + "://" + HOST + ":0");
      p.put(
          "listener.security.protocol.map",
          p.getProperty("listener.security.protocol.map") + "," + SECURE_LISTENER + ":" + secure.protocol());
      String prefix = "listener.name." + SECURE_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
      p.put("sasl.enabled.mechanisms", SCRAM);
      p.put(prefix + "sasl.enabled.mechanisms", SCRAM);
      p.put(
          prefix + SCRAM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      secure.listenerConfig().forEach((k, v) -> p.put(prefix + k, v));
    }

    // One node: every replication factor and ISR must be 1, or internal topics (offsets,
    // transactions, share state) are never created and Kafka Streams never leaves REBALANCING.
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // 50 partitions each (the defaults) only slow down the first group and transaction here.
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.num.partitions", "1");

    // A demo starts consuming at once; the default 3 s delay would only stall the first rebalance.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("num.partitions", String.valueOf(defaultPartitions));
    // Topics are created explicitly with their partition counts; a typo must not create one.
    p.put("auto.create.topics.enable", "false");
    p.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
    p.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
    return p;
  }
}
