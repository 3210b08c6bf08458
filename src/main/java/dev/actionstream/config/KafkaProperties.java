package dev.actionstream.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka client properties from the topology's {@code streams:} and the camera file's {@code
 * producer:}: {@code ${NAME}} substitution from the environment (so that passwords stay out of the
 * files), the connection settings every client of a process needs (TLS, SASL), and masking for
 * anything printed.
 */
public final class KafkaProperties {
  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  /** Keys that say how to connect: every client of the process gets them. */
  private static final List<String> CONNECTION_PREFIXES =
      List.of("security.protocol", "sasl.", "ssl.", "client.dns.lookup", "socket.connection.setup.timeout");

  /** Key fragments of secrets (Kafka's PASSWORD-typed configs and the like). */
  private static final List<String> SECRET_FRAGMENTS =
      List.of("password", "jaas", "secret", "token", "credential", "ssl.keystore.key", "ssl.keystore.certificate.chain",
          "ssl.truststore.certificates");

  /** What printed output shows instead of a secret (Kafka's own config logging does the same). */
  public static final String HIDDEN = "[hidden]";

  private KafkaProperties() {}

  /**
   * Replaces {@code ${NAME}} in {@code text} by the environment variable NAME; an unset one is an
   * error naming the field and the variable (never the text, which may hold a secret).
   */
  public static String substitute(Section s, String key, String text, Function<String, String> env) {
    Matcher m = ENV.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.apply(m.group(1));
      if (value == null) {
        throw s.error(key, "environment variable " + m.group(1) + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * The connection settings among {@code props} ({@code security.protocol}, {@code sasl.*},
   * {@code ssl.*}, ...), for a client other than the one the map configures (the engine's admin and
   * live-view consumer, ingest's admin). Prefixed copies ({@code admin.sasl.jaas.config} with
   * {@code clientPrefix} "admin.") override the plain ones.
   */
  public static Map<String, String> connection(Map<String, String> props, String clientPrefix) {
    Map<String, String> out = new LinkedHashMap<>();
    props.forEach((k, v) -> {
      if (isConnection(k)) {
        out.put(k, v);
      }
    });
    if (clientPrefix != null) {
      props.forEach((k, v) -> {
        if (k.startsWith(clientPrefix) && isConnection(k.substring(clientPrefix.length()))) {
          out.put(k.substring(clientPrefix.length()), v);
        }
      });
    }
    return out;
  }

  /** {@link #connection} added to {@code p}. */
  public static Properties addConnection(Properties p, Map<String, String> props, String clientPrefix) {
    p.putAll(connection(props, clientPrefix));
    return p;
  }

  private static boolean isConnection(String key) {
    return CONNECTION_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /**
   * A {@code read_committed} consumer of raw bytes without a group (its user assigns partitions
   * and keeps its own position), connecting as the topology's {@code streams} say (TLS, SASL).
   */
  public static Properties committedReader(String bootstrapServers, Map<String, String> streams) {
    Properties p = addConnection(new Properties(), streams, "consumer.");
    p.put("bootstrap.servers", bootstrapServers);
    p.put("isolation.level", "read_committed");
    p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    p.put("enable.auto.commit", false);
    return p;
  }

  /** Whether the value of {@code key} is a secret (passwords, JAAS configs, keys, tokens). */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return SECRET_FRAGMENTS.stream().anyMatch(k::contains);
  }

  /** {@code props} with every secret value replaced by {@value #HIDDEN}: for summaries and logs. */
  public static Map<String, String> masked(Map<String, String> props) {
    Map<String, String> out = new LinkedHashMap<>();
    props.forEach((k, v) -> out.put(k, isSecret(k) ? HIDDEN : v));
    return out;
  }
}
