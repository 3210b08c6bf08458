package dev.actionstream.metrics;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The engine's consumer lag on its input topic: Kafka's per-partition {@code records-lag} of the
 * stream threads' main consumers (not the restore consumers), summed. Partitions this instance
 * does not own carry no metric, so an instance with nothing assigned has lag 0.
 */
public final class InputLag {
  private InputLag() {}

  public static double sum(Map<MetricName, ? extends Metric> metrics, String topic) {
    double sum = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (!counts(e.getKey(), topic)) {
        continue;
      }
      Object v = e.getValue().metricValue();
      if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
        sum += num.doubleValue();
      }
    }
    return sum;
  }

  /** How many input partitions carry a lag metric (the partitions this instance fetches). */
  public static int partitions(Map<MetricName, ? extends Metric> metrics, String topic) {
    return (int) metrics.keySet().stream().filter(n -> counts(n, topic)).count();
  }

  private static boolean counts(MetricName n, String topic) {
    return n.name().equals("records-lag")
        && n.group().equals("consumer-fetch-manager-metrics")
        && topic.equals(n.tags().get("topic"))
        && n.tags().containsKey("partition")
        && !n.tags().getOrDefault("client-id", "").endsWith("restore-consumer");
  }
}
