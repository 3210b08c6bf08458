package dev.actionstream.bench;

import dev.actionstream.engine.Engine;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.ProcessCpu;
import dev.actionstream.topology.TopologyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An engine draining a frames topic that is already full, from offset 0, in backfill policy: the
 * engine flat out, limited by its own work and not by the cameras. Timed from the first frame its
 * stream thread takes in to the last frame or window it finishes (seen by polling its meters every
 * 10 ms, so up to that much late), so start-up (model load, group join, tasks and state stores) is
 * not counted. CPU is over RUNNING to the end.
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
    // The clock starts when the stream thread takes in its first frame: the moment it registers
    // the first per-camera frames counter. Heard on that thread, so exact even when this thread
    // wakes late on a busy machine, and after start-up (model, group join, tasks, state stores).
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicLong first = new AtomicLong();
    registry.config().onMeterAdded(meter -> {
      if (meter.getId().getName().equals("actionstream.frames.in")) {
        first.compareAndSet(0, System.nanoTime());
      }
    });
    EngineMetrics m = new EngineMetrics(registry);
    try (Engine engine = Bench.startEngine(config, m, stateDir)) {
      // Fresh meters: every count is 0 at RUNNING.
      EngineSnapshot origin = EngineSnapshot.take(m).withZeroCounts();
      long t0 = origin.wallNanos();
      EngineSnapshot lastChange = origin;
      long seen = 0;
      long nextPrint = t0 + Duration.ofSeconds(5).toNanos();
      boolean complete = false;
      while (true) {
        Thread.sleep(POLL_MS);
        EngineSnapshot s = EngineSnapshot.take(m);
        long in = s.framesIn() + s.deadLetters();
        long progress = in + s.windows();
        if (progress != seen) {
          seen = progress;
          lastChange = s;
        }
        if (in >= frames && s.wallNanos() - lastChange.wallNanos() > SETTLE_NANOS) {
          complete = true;
          break;
        }
        if (s.wallNanos() - t0 > timeout.toNanos()) {
          out.printf("bench: %s: timed out after %d s with %d of %d frames in%n", label, timeout.toSeconds(), in, frames);
          break;
        }
        if (s.wallNanos() >= nextPrint) {
          out.printf(Locale.ROOT, "bench: %s: %5.1f s  frames %d/%d  clips %d%n",
              label, (s.wallNanos() - t0) / 1e9, in, frames, s.inferred());
          nextPrint += Duration.ofSeconds(5).toNanos();
        }
      }
      java.util.List<BenchReport.Stage> stages = lastChange.stagesSince(origin);
      double seconds = (lastChange.wallNanos() - (first.get() == 0 ? t0 : first.get())) / 1e9;
      return new BenchReport.Drain(
          config.model().name(),
          config.inference().batch(),
          seconds,
          lastChange.framesIn(),
          lastChange.framesIn() / seconds,
          lastChange.inferred(),
          lastChange.inferred() / seconds,
          lastChange.framesDecoded(),
          BenchReport.finite(BenchReport.ratio(lastChange.framesDecoded(), lastChange.framesIn())),
          BenchReport.finite(ProcessCpu.fractionOfCores(lastChange.cpuNanos() - origin.cpuNanos(),
              lastChange.secondsSince(origin))),
          complete,
          stages,
          BenchReport.finite(stages.stream().mapToDouble(BenchReport.Stage::totalS).sum() / seconds));
    }
  }
}
