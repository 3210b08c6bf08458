package dev.actionstream.clips;

import ai.onnxruntime.OrtException;
import dev.actionstream.frames.ClipAssembler;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.Softmax;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.metrics.EngineMetrics.Stage;
import dev.actionstream.model.ModelManifest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Due windows of one task waiting for a shared model run: up to {@code capacity} clips from any of
 * the task's cameras. Each clip is copied into its batch slot when it is added, so the frames it
 * sampled may be purged or evicted meanwhile; {@link #run} infers them all in one call.
 *
 * <p>Holds no durable state: losing a batch (crash, rebalance) loses no window, because the
 * processor persists a camera's windows as taken only once their predictions are forwarded.
 *
 * <p>{@link #run} may run on an inference thread while the stream thread goes on with other
 * frames (see {@code inference.overlap}); it only reads the batch, and the stream thread neither
 * adds to nor {@link #clear}s a batch until that run's result has been collected.
 */
final class WindowBatch {
  /**
   * A waiting window; its clip sits in the slot of its position.
   *
   * @param before the camera's clock before this window was taken: what the store keeps while the
   *     window waits, so that it stays due there
   */
  record Pending(String camera, long start, long end, int distinct, CameraClock before) {}

  /** A pending window with its class probabilities and the run's time. */
  record Scored(Pending window, float[] probabilities, long runNanos) {}

  private final ModelSession session;
  private final ClipBuffers buffers;
  private final ClipAssembler assembler;
  private final EngineMetrics metrics;
  private final boolean logits;
  private final List<Pending> pending;
  private long firstAddedMs;

  WindowBatch(ModelSession session, int capacity, EngineMetrics metrics) {
    this.session = session;
    this.buffers = session.newBuffers(capacity);
    this.assembler = new ClipAssembler(session.manifest());
    this.metrics = metrics;
    this.logits = session.manifest().output().type() == ModelManifest.OutputType.LOGITS;
    this.pending = new ArrayList<>(capacity);
  }

  int size() {
    return pending.size();
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  boolean isFull() {
    return pending.size() == buffers.batchSize();
  }

  /** Whether a window of {@code camera} is waiting. */
  boolean holds(String camera) {
    return first(camera) != null;
  }

  /** The camera's first waiting window, or null. */
  Pending first(String camera) {
    for (Pending p : pending) {
      if (p.camera().equals(camera)) {
        return p;
      }
    }
    return null;
  }

  /** How long the oldest waiting window has waited at wall clock {@code nowMs}; 0 when empty. */
  long waitedMs(long nowMs) {
    return pending.isEmpty() ? 0 : nowMs - firstAddedMs;
  }

  /** Copies the clip's T frames into the next slot; {@code nowMs}: the wall clock. */
  void add(Pending window, float[][] frames, long nowMs) {
    if (isFull()) {
      throw new IllegalStateException("batch is full: run it first");
    }
    long t0 = System.nanoTime();
    assembler.fill(buffers, pending.size(), frames);
    long t1 = System.nanoTime();
    metrics.stage(Stage.ASSEMBLE, t1 - t0);
    if (pending.isEmpty()) {
      firstAddedMs = nowMs;
    }
    pending.add(window);
  }

  /** Cameras with a window waiting, in order of their first one. */
  Set<String> cameras() {
    Set<String> c = new LinkedHashSet<>();
    for (Pending p : pending) {
      c.add(p.camera());
    }
    return c;
  }

  /**
   * Infers every waiting window in one model run; results in add order. The windows stay in the
   * batch until {@link #clear}, so that the stream thread can still see which cameras wait.
   */
  List<Scored> run() throws OrtException {
    int n = pending.size();
    long t0 = System.nanoTime();
    session.runInPlace(buffers, n);
    long nanos = System.nanoTime() - t0;
    metrics.stage(Stage.INFER, nanos);
    metrics.batchInferred(n, nanos);
    List<Scored> out = new ArrayList<>(n);
    for (int slot = 0; slot < n; slot++) {
      float[] scores = buffers.scores(slot);
      out.add(new Scored(pending.get(slot), logits ? Softmax.of(scores) : scores, nanos));
    }
    return out;
  }

  /** Empties the batch once its run's results have been taken. */
  void clear() {
    pending.clear();
  }

  /** Drops the waiting windows unrun (the task is closing; they are not taken). */
  int discard() {
    int n = pending.size();
    pending.clear();
    return n;
  }
}
