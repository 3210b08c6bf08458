package dev.actionstream.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ModelManifest;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session for one model, opened from its manifest and shared by every thread that
 * runs clips through it.
 *
 * <p>{@link #open} refuses a model that does not match its manifest (see {@link ModelSignature}),
 * naming the manifest field. {@link #run} feeds ONNX Runtime straight from the caller's direct
 * buffers and has it write the scores into them (pinned outputs), so a run copies no clip data.
 */
public final class ModelSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelSession.class);

  private final ModelManifest manifest;
  private final ModelSignature signature;
  private final SessionSettings settings;
  private final OrtEnvironment env;
  private final OrtSession session;

  // OrtSession.run is thread-safe (microsoft/onnxruntime#21946) but OrtSession.close is not safe
  // against runs in flight. run() holds the read lock, so any number of runs proceed together;
  // close() takes the write lock, waiting for them, and later runs fail fast.
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed; // Guarded by lock.

  private ModelSession(
      ModelManifest manifest,
      ModelSignature signature,
      SessionSettings settings,
      OrtEnvironment env,
      OrtSession session) {
    this.manifest = manifest;
    this.signature = signature;
    this.settings = settings;
    this.env = env;
    this.session = session;
  }

  /**
   * Loads the manifest's ONNX file on the CPU provider and checks it against the manifest.
   *
   * @throws ManifestError naming the field where the model and its manifest disagree, or {@code
   *     onnx} where ONNX Runtime cannot load the file
   */
  public static ModelSession open(ModelManifest manifest, SessionSettings settings) {
    if (!Files.isRegularFile(manifest.onnx())) {
      throw new ManifestError("onnx", "no such file: " + manifest.onnx());
    }
    // ONNX Runtime Java allows one environment per process; getEnvironment() returns it.
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (SessionOptions options = new SessionOptions()) {
      options.setIntraOpNumThreads(settings.intraOpThreads());
      // Sequential execution: X3D and SlowFast graphs are chains, an inter-op pool only idles.
      options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
      options.setLoggerId(manifest.name());
      options.addConfigEntry("session.intra_op.allow_spinning", settings.spinning() ? "1" : "0");
      session = env.createSession(manifest.onnx().toString(), options);
    } catch (OrtException e) {
      throw new ManifestError("onnx", "cannot load " + manifest.onnx() + ": " + e.getMessage(), e);
    }
    ModelSignature signature;
    try {
      signature = ModelSignature.check(manifest, session.getInputInfo(), session.getOutputInfo());
    } catch (ManifestError e) {
      closeQuietly(session);
      throw e;
    } catch (OrtException e) {
      closeQuietly(session);
      throw new ManifestError("onnx", "cannot read the graph of " + manifest.onnx() + ": " + e, e);
    }
    log.info(
        "model {}: opened {} on CPU, {} intra-op threads{}, inputs {}, output {}",
        manifest.name(),
        manifest.onnx().getFileName(),
        settings.intraOpThreads(),
        settings.spinning() ? " (spinning)" : "",
        signature.inputs(),
        signature.output());
    return new ModelSession(manifest, signature, settings, env, session);
  }

  public ModelManifest manifest() {
    return manifest;
  }

  public ModelSignature signature() {
    return signature;
  }

  public SessionSettings settings() {
    return settings;
  }

  /** Buffers for up to {@code batchSize} clips, for one caller thread to reuse run after run. */
  public ClipBuffers newBuffers(int batchSize) {
    if (batchSize > signature.maxBatch()) {
      throw new IllegalArgumentException(
          "model %s has a fixed batch of %d; cannot run batches of %d"
              .formatted(manifest.name(), signature.maxBatch(), batchSize));
    }
    return new ClipBuffers(manifest, batchSize);
  }

  /**
   * Runs the first {@code n} clips in {@code clips}; their scores land in {@code clips} and are
   * also returned, one row of {@code output.classes} values per clip (logits or probabilities, as
   * the manifest's output.type says).
   */
  public float[][] run(ClipBuffers clips, int n) throws OrtException {
    runInPlace(clips, n);
    float[][] rows = new float[n][];
    for (int slot = 0; slot < n; slot++) {
      rows[slot] = clips.scores(slot);
    }
    return rows;
  }

  /** As {@link #run} but leaves the scores only in {@code clips} ({@link ClipBuffers#scores}). */
  public void runInPlace(ClipBuffers clips, int n) throws OrtException {
    if (clips.manifest() != manifest) {
      throw new IllegalArgumentException("buffers were made for another model; use newBuffers()");
    }
    if (n < 1 || n > clips.batchSize()) {
      throw new IllegalArgumentException("n must be in 1.." + clips.batchSize() + ", got " + n);
    }
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("model " + manifest.name() + ": session is closed");
      }
      Map<String, OnnxTensor> feed = new HashMap<>(4);
      OnnxTensor scores = null;
      try {
        for (int i = 0; i < clips.inputCount(); i++) {
          feed.put(
              manifest.inputs().get(i).name(),
              OnnxTensor.createTensor(env, clips.inputBatch(i, n), clips.inputShape(i, n)));
        }
        scores = OnnxTensor.createTensor(env, clips.scoresBatch(n), clips.scoresShape(n));
        // Pinned output: ONNX Runtime writes the scores straight into clips' direct buffer.
        session.run(feed, Map.of(manifest.output().name(), scores)).close();
      } finally {
        // Tensors over direct buffers only release their native wrappers here, not the data.
        for (OnnxTensor t : feed.values()) {
          t.close();
        }
        if (scores != null) {
          scores.close();
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Waits for runs in flight, then releases the native session. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        closeQuietly(session);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      log.warn("closing an ONNX Runtime session failed: {}", e.getMessage());
    }
  }
}
