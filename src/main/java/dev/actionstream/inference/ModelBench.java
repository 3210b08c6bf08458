package dev.actionstream.inference;

import ai.onnxruntime.OrtException;
import java.util.Arrays;

/**
 * Times session runs on reused buffers: the model's own cost per clip, without decode or
 * preprocessing. A command-line bench, never a timed test (timings on shared CI boxes are noise).
 */
public final class ModelBench {

  /**
   * Milliseconds per clip (one run's wall time / batch) over the timed runs.
   *
   * @param clipsPerSecond clips over the total wall time of the timed runs
   */
  public record Result(
      int batch,
      int warmup,
      int iterations,
      double p50MsPerClip,
      double p95MsPerClip,
      double meanMsPerClip,
      double minMsPerClip,
      double clipsPerSecond) {}

  private ModelBench() {}

  /**
   * Runs {@code warmup} untimed then {@code iterations} timed batches of all clips in {@code
   * clips}.
   */
  public static Result run(ModelSession session, ClipBuffers clips, int warmup, int iterations)
      throws OrtException {
    if (warmup < 0 || iterations < 1) {
      throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1");
    }
    int batch = clips.batchSize();
    for (int i = 0; i < warmup; i++) {
      session.runInPlace(clips, batch);
    }
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      session.runInPlace(clips, batch);
      nanos[i] = System.nanoTime() - start;
    }
    return of(nanos, batch, warmup);
  }

  /** The statistics of timed runs of {@code batch} clips each (any stage, not only the model). */
  public static Result of(long[] timedNanos, int batch, int warmup) {
    long[] nanos = timedNanos.clone();
    int iterations = nanos.length;
    long total = Arrays.stream(nanos).sum();
    Arrays.sort(nanos);
    double perClip = 1e-6 / batch; // ns per run -> ms per clip
    return new Result(
        batch,
        warmup,
        iterations,
        percentile(nanos, 0.50) * perClip,
        percentile(nanos, 0.95) * perClip,
        (double) total / iterations * perClip,
        nanos[0] * perClip,
        (double) batch * iterations / (total * 1e-9));
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
