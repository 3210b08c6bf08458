package dev.actionstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RateWindow, InputLag, ResidentMemory and the exposed names of the engine and ingest meters. */
class MetersTest {
  private static final long MS = 1_000_000L;

  @Test
  void rateOverTheLastFiveSeconds() {
    RateWindow w = RateWindow.fiveSeconds();
    assertEquals(0, w.rate(0));
    long t = 1_000_000 * MS;
    for (int i = 0; i < 100; i++) { // 10 per second for 10 s
      w.mark(t + i * 100 * MS);
    }
    long end = t + 100 * 100 * MS;
    assertEquals(10, w.rate(end), 0.6);
    // Half a window silent: about half the rate; a whole window silent: 0.
    assertEquals(5, w.rate(end + 2500 * MS), 0.6);
    assertEquals(0, w.rate(end + 5000 * MS));
    // Shortly after the first event, the rate is over the time since then, not the whole window.
    RateWindow fresh = RateWindow.fiveSeconds();
    for (int i = 0; i < 10; i++) {
      fresh.mark(t + i * 100 * MS);
    }
    assertEquals(10, fresh.rate(t + 1000 * MS), 1);
  }

  @Test
  void inputLagSumsTheMainConsumersPartitionsOfTheInputTopic() {
    Map<MetricName, Metric> m = new LinkedHashMap<>();
    put(m, "records-lag", "app-StreamThread-1-consumer", "frames", "0", 5);
    put(m, "records-lag", "app-StreamThread-2-consumer", "frames", "1", 7);
    put(m, "records-lag", "app-StreamThread-1-consumer", "frames", "2", Double.NaN);
    put(m, "records-lag", "app-StateUpdater-1-restore-consumer", "frames", "0", 100); // not input
    put(m, "records-lag", "app-StreamThread-1-consumer", "app-clip-frames-changelog", "0", 100);
    put(m, "records-lag-max", "app-StreamThread-1-consumer", "frames", "0", 100);
    assertEquals(12, InputLag.sum(m, "frames"));
    assertEquals(3, InputLag.partitions(m, "frames"));
    assertEquals(0, InputLag.sum(Map.of(), "frames"));
  }

  private static void put(Map<MetricName, Metric> m, String name, String client, String topic, String partition, double v) {
    MetricName n = new MetricName(name, "consumer-fetch-manager-metrics", "",
        Map.of("client-id", client, "topic", topic, "partition", partition));
    m.put(n, new Metric() {
      @Override
      public MetricName metricName() {
        return n;
      }

      @Override
      public Object metricValue() {
        return v;
      }
    });
  }

  @Test
  void residentMemoryFromStatm(@TempDir Path tmp) throws Exception {
    Path statm = tmp.resolve("statm");
    Files.writeString(statm, "123456 2500 300 10 0 4000 0\n");
    assertEquals(2500 * 4096.0, new ResidentMemory(statm, 4096).bytes());
    assertTrue(Double.isNaN(new ResidentMemory(tmp.resolve("none"), 4096).bytes()));
    if (Files.isReadable(Path.of("/proc/self/statm"))) {
      double rss = new ResidentMemory().bytes();
      assertTrue(rss > 10e6 && rss < 1e12, "rss " + rss);
      SimpleMeterRegistry r = new SimpleMeterRegistry();
      new ResidentMemory().bindTo(r);
      System.gc();
      assertTrue(r.get("process.resident.memory").gauge().value() > 10e6, "held strongly, survives a GC");
    }
  }
}
