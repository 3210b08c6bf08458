package dev.actionstream.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT/SIGTERM as a latch for long-running commands. The JVM halts once its shutdown hooks
 * return, so the hook waits (up to a bound) until the command reports {@link #finished()}: a
 * stop then closes the engine cleanly (commits, drains) instead of cutting it off.
 */
final class StopSignal {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);

  private StopSignal() {}

  /** Registers the hook; {@code name} names its thread. */
  static StopSignal install(String name, long maxWaitSeconds) {
    StopSignal s = new StopSignal();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  s.stop.countDown();
                  try {
                    s.finished.await(maxWaitSeconds, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                name));
    return s;
  }

  /** Counts down when a stop is requested. */
  CountDownLatch stopRequested() {
    return stop;
  }

  /** The command has cleaned up; the JVM may halt. */
  void finished() {
    finished.countDown();
  }
}
