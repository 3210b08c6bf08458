package dev.actionstream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.broker.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batching across cameras keeps exactly-once. An instance batches up to 64 windows with a
 * 10-minute max-wait, so every window it finds due waits in its batch; the cameras stop, and the
 * instance is killed (SIGKILL) with all of them waiting, after its commits have covered their
 * frames. A new instance with a short max-wait must predict each of those windows once, though
 * no frame arrives any more, and a read_committed subscriber must see no gap and no duplicate.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BatchingIT {
  static final long HOP = 1000;
  static final long GRACE = 300;

  @TempDir Path tmp;

  private Path topology(String name, String maxWait) throws Exception {
    String yaml =
        Files.readString(CrashIT.topology(tmp))
            .replace("batch: 1", "batch: 64\n  max-wait: " + maxWait);
    assertTrue(yaml.contains("max-wait: " + maxWait), yaml);
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void windowsWaitingInABatchAtACrashArePredictedOnceByTheNextInstance() throws Exception {
    Path waiting = topology("waiting", "10m");
    Path prompt = topology("prompt", "100ms");
    List<String> cameras = List.of("cam-1", "cam-2", "cam-3");
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      String bootstrap = broker.bootstrapServers();
      // One partition: all cameras in one task, so their windows share one batch.
      broker.createTopics(
          Map.of("frames", 1, "predictions", 1, "events", 1, "alerts", 1, "dead-letters", 1));
      try (OutputWatch watch = new OutputWatch(bootstrap)) {
        EngineChild a = EngineChild.start("a", tmp, waiting, bootstrap, tmp.resolve("state-a"));
        EngineChild b = null;
        try {
          System.out.println("batching: a ready in " + a.awaitReady(Duration.ofSeconds(120)) + " ms");
          long last;
          try (CameraFeed feed = new CameraFeed(bootstrap, cameras, Map.of()).start()) {
            // 7 s of frames per camera (the feed renders at 10 fps; it may start slowly on a busy box).
            long deadline = System.currentTimeMillis() + 90_000;
            while (feed.sent() < cameras.size() * 70L && System.currentTimeMillis() < deadline) {
              Thread.sleep(200);
            }
            feed.stop();
            assertTrue(feed.sent() >= cameras.size() * 70L, "frames sent: " + feed.sent());
            last = feed.lastCaptureMs();
            assertEquals(0, feed.failed());
            System.out.println("batching: " + feed.sent() + " frames sent, last capture " + last);
          }
          // Its frames processed and committed (commit.interval.ms 100 under exactly-once).
          Thread.sleep(5_000);
          assertEquals(0, watch.predictions.size(), "a published nothing: every window waits in its batch");
          assertEquals(0.0, a.inferred(), "a inferred nothing");
          a.kill9();

          b = EngineChild.start("b", tmp, prompt, bootstrap, tmp.resolve("state-b"));
          System.out.println("batching: b ready in " + b.awaitReady(Duration.ofSeconds(120)) + " ms");
          // The last due window of each camera ends on the last hop multiple at or before last - grace.
          long lastEnd = Math.floorDiv(last - GRACE, HOP) * HOP;
          EngineChild bb = b;
          assertTrue(
              watch.await(
                  s -> cameras.stream().allMatch(c -> s.stream().anyMatch(x -> x.camera().equals(c) && x.windowEnd() == lastEnd)),
                  Duration.ofSeconds(120)),
              "b predicted every camera's last due window " + lastEnd + "\n" + bb.stderr());
          watch.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(30));

          OutputWatch.WindowCheck w = new OutputWatch.WindowCheck(watch.predictions, HOP);
          System.out.println("batching: predictions " + w.total + ": " + w.summary());
          assertEquals(Set.copyOf(cameras), w.windows.keySet());
          assertEquals(List.of(), w.duplicates, "no window twice");
          assertEquals(Map.of(), w.missing, "no window missing");
          for (Map.Entry<String, TreeSet<Long>> e : w.windows.entrySet()) {
            assertEquals(lastEnd, e.getValue().last(), e.getKey() + ": nothing due is left");
            // 7 s of frames, a 1.6 s clip: at least 4 full windows per camera.
            assertTrue(e.getValue().size() >= 4, e.getKey() + ": " + e.getValue());
          }
          assertTrue(b.stderr().contains("left waiting"), "b took them by recovery\n" + b.stderr());
        } finally {
          a.close();
          if (b != null) {
            b.close();
          }
        }
      }
    }
  }
}
