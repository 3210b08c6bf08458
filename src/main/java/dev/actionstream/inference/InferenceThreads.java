package dev.actionstream.inference;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that model runs overlap the stream threads' frame work on ({@code
 * inference.overlap}): as many as there are stream threads, so that no more runs go at once than
 * when each stream thread ran its own, and each run still gets the session's intra-op threads.
 * Idle threads end after a while, so an engine that is closed leaves none behind.
 */
public final class InferenceThreads {
  private static final AtomicInteger ENGINES = new AtomicInteger();

  private InferenceThreads() {}

  /** An executor of {@code threads} daemon threads, started on demand. */
  public static Executor create(int threads) {
    int engine = ENGINES.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "actionstream-inference-" + engine + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
