package dev.actionstream.bench;

import ai.onnxruntime.OrtException;
import dev.actionstream.frames.ClipAssembler;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.ModelManifest;
import java.time.Duration;
import java.util.List;

/**
 * What the model alone does on this machine: a tight loop of ONNX Runtime runs over clips the
 * engine inferred, already in the model's input buffers, with the engine's session settings
 * (intra-op threads, no spinning) and batch size. Nothing else runs meanwhile.
 */
final class BareLoop {
  private static final int WARMUP_RUNS = 3;

  private BareLoop() {}

  static BenchReport.Bare run(ModelManifest model, int threads, int batch, List<float[][]> clips, Duration time)
      throws OrtException {
    if (clips.isEmpty()) {
      throw new IllegalStateException("no clips to run: the engine inferred no window");
    }
    SessionSettings settings = new SessionSettings(threads);
    try (ModelSession session = ModelSession.open(model, settings)) {
      ClipAssembler assembler = new ClipAssembler(model);
      // Each buffer holds one batch; together they hold every clip at least once.
      int groups = Math.max(1, (clips.size() + batch - 1) / batch);
      ClipBuffers[] buffers = new ClipBuffers[groups];
      for (int g = 0; g < groups; g++) {
        buffers[g] = session.newBuffers(batch);
        for (int slot = 0; slot < batch; slot++) {
          assembler.fill(buffers[g], slot, clips.get((g * batch + slot) % clips.size()));
        }
      }
      for (int i = 0; i < WARMUP_RUNS; i++) {
        session.runInPlace(buffers[i % groups], batch);
      }
      long t0 = System.nanoTime();
      long until = t0 + time.toNanos();
      long runs = 0;
      long now;
      do {
        session.runInPlace(buffers[(int) (runs % groups)], batch);
        runs++;
        now = System.nanoTime();
      } while (now < until);
      double seconds = (now - t0) / 1e9;
      return new BenchReport.Bare(batch, threads, Math.min(clips.size(), groups * batch), runs, runs * batch,
          seconds, runs * batch / seconds, seconds * 1e3 / runs);
    }
  }
}
