package dev.actionstream.bench;

import dev.actionstream.engine.Engine;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.ProcessCpu;
import dev.actionstream.topology.TopologyConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * An engine draining a frames topic that is already full, from offset 0, in backfill policy: the
 * engine flat out, limited by its own work and not by the cameras. Timed from the first frame it
 * takes in to the last frame or window it finishes, so start-up (model load, group join, state
 * restore) is not counted.
 */
final class Backlog {
  private static final long POLL_MS = 10;
  /** Nothing new for this long after the last expected frame: the engine is done. */
  private static final long SETTLE_NANOS = Duration.ofSeconds(1).toNanos();

  private Backlog() {}

  /**
   * @param config a backfill topology over the full topic, with an application id never used before
   * @param frames frames in the topic: done when the engine has taken all of them in
   */
  static BenchReport.Drain drain(
      TopologyConfig config, long frames, Duration timeout, Path stateDir, PrintStream out, String label)
      throws InterruptedException {
    EngineMetrics m = EngineMetrics.inMemory();
    try (Engine engine = Bench.startEngine(config, m, stateDir)) {
      long t0 = System.nanoTime();
      long first = -1;
      long cpuFirst = 0;
      long prevPoll = t0;
      long prevCpu = ProcessCpu.processNanos();
      long lastChange = t0;
      long cpuLast = 0;
      long seen = -1;
      long nextPrint = t0 + Duration.ofSeconds(5).toNanos();
      boolean complete = false;
      while (true) {
        Thread.sleep(POLL_MS);
        long now = System.nanoTime();
        EngineSnapshot s = EngineSnapshot.take(m);
        long in = s.framesIn() + s.deadLetters();
        long progress = in + s.windows();
        if (first < 0 && in > 0) {
          // The first frame went in after the previous poll: start there (an overestimate of at
          // most one poll, so a short drain is not reported faster than it was).
          first = prevPoll;
          cpuFirst = prevCpu;
        }
        prevPoll = now;
        prevCpu = s.cpuNanos();
        if (progress != seen) {
          seen = progress;
          lastChange = now;
          cpuLast = s.cpuNanos();
        }
        if (in >= frames && now - lastChange > SETTLE_NANOS) {
          complete = true;
          break;
        }
        if (now - t0 > timeout.toNanos()) {
          out.printf("bench: %s: timed out after %d s with %d of %d frames in%n", label, timeout.toSeconds(), in, frames);
          break;
        }
        if (now >= nextPrint) {
          out.printf(Locale.ROOT, "bench: %s: %5.1f s  frames %d/%d  clips %d%n",
              label, (now - t0) / 1e9, in, frames, s.inferred());
          nextPrint += Duration.ofSeconds(5).toNanos();
        }
      }
      EngineSnapshot end = EngineSnapshot.take(m);
      long in = end.framesIn();
      double seconds = first < 0 ? 0 : (lastChange - first) / 1e9;
      return new BenchReport.Drain(
          config.model().name(),
          config.inference().batch(),
          seconds,
          in,
          in / seconds,
          end.inferred(),
          end.inferred() / seconds,
          end.framesDecoded(),
          BenchReport.finite(BenchReport.ratio(end.framesDecoded(), in)),
          BenchReport.finite(ProcessCpu.fractionOfCores(cpuLast - cpuFirst, seconds)),
          complete);
    }
  }
}
