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
 * the task's cameras. With late fusion, a window is one clip for each fused model, and its
 * probabilities are their weighted average. Each clip is copied into its batch slot when it is added, so the frames it
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

  /** One model of the batch: a fusion has several, each with its own buffers. */
  private record Part(
      ModelSession session, ClipBuffers buffers, ClipAssembler assembler, boolean logits, float weight) {}

  private final List<Part> parts;
  private final float weightSum;
  private final EngineMetrics metrics;
  private final List<Pending> pending;
  private final int capacity;
  private long firstAddedMs;

  WindowBatch(ModelSession session, int capacity, EngineMetrics metrics) {
    this(List.of(session), new double[] {1.0}, capacity, metrics);
  }

  /** A batch for late fusion: each window runs through every session, scores weighted. */
  WindowBatch(List<ModelSession> sessions, double[] weights, int capacity, EngineMetrics metrics) {
    List<Part> p = new ArrayList<>();
    float sum = 0;
    for (int i = 0; i < sessions.size(); i++) {
      ModelSession s = sessions.get(i);
      p.add(new Part(s, s.newBuffers(capacity), new ClipAssembler(s.manifest()),
          s.manifest().output().type() == ModelManifest.OutputType.LOGITS, (float) weights[i]));
      sum += (float) weights[i];
    }
    this.parts = List.copyOf(p);
    this.weightSum = sum;
    this.metrics = metrics;
    this.capacity = capacity;
    this.pending = new ArrayList<>(capacity);
  }

  int size() {
    return pending.size();
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  boolean isFull() {
    return pending.size() == capacity;
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
    add(window, new float[][][] {frames}, new int[] {0}, nowMs);
  }

  /**
   * Copies each model's clip into the next slot: {@code units[i]} are model i's frames (their
   * floats from {@code offsets[i]}) or flow fields (offset 0), as {@link ClipAssembler} takes them.
   */
  void add(Pending window, float[][][] units, int[] offsets, long nowMs) {
    if (isFull()) {
      throw new IllegalStateException("batch is full: run it first");
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      p.assembler().fill(p.buffers(), pending.size(), units[i], offsets[i]);
    }
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
    for (Part p : parts) {
      p.session().runInPlace(p.buffers(), n);
    }
    long nanos = System.nanoTime() - t0;
    metrics.stage(Stage.INFER, nanos);
    metrics.batchInferred(n, nanos);
    List<Scored> out = new ArrayList<>(n);
    for (int slot = 0; slot < n; slot++) {
      out.add(new Scored(pending.get(slot), probabilities(slot), nanos));
    }
    return out;
  }

  /** One model's class probabilities, or the fusion's weighted average of its models'. */
  private float[] probabilities(int slot) {
    if (parts.size() == 1) {
      return probabilities(parts.get(0), slot);
    }
    float[] fused = null;
    for (Part p : parts) {
      float[] q = probabilities(p, slot);
      if (fused == null) {
        fused = new float[q.length];
      }
      for (int k = 0; k < q.length; k++) {
        fused[k] += p.weight() * q[k];
      }
    }
    for (int k = 0; k < fused.length; k++) {
      fused[k] /= weightSum;
    }
    return fused;
  }

  private static float[] probabilities(Part p, int slot) {
    float[] scores = p.buffers().scores(slot);
    return p.logits() ? Softmax.of(scores) : scores;
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
