package dev.actionstream.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.actionstream.config.ByteSizes;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
   * Loads the manifest's ONNX file (its fp16 variant where the provider runs one) on the
   * settings' execution provider and checks it against the manifest.
   *
   * @throws ManifestError naming the field where the model and its manifest disagree, or {@code
   *     onnx} ({@code onnx_fp16}) where ONNX Runtime cannot load the file
   * @throws ProviderUnavailable when a GPU provider cannot run here, naming what is missing
   */
  public static ModelSession open(ModelManifest manifest, SessionSettings settings) {
    ExecutionProvider provider = settings.provider();
    String field = provider.usesFp16Variant() ? "onnx_fp16" : "onnx";
    Path onnx = provider.usesFp16Variant() ? manifest.onnxFp16() : manifest.onnx();
    if (onnx == null) {
      throw new ManifestError(
          field,
          "missing: fp16 on the %s provider runs the model's fp16 variant; export one with"
                  .formatted(provider.kind().spelling())
              + " python3 -m modelkit.export ... --fp16 (tools/modelkit/MANIFEST.md)");
    }
    if (!Files.isRegularFile(onnx)) {
      throw new ManifestError(field, "no such file: " + onnx);
    }
    // Before any native work: a missing GPU build or CUDA library is named in one message.
    ProviderSetup.check(provider);
    // ONNX Runtime Java allows one environment per process; getEnvironment() returns it.
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    List<AutoCloseable> providerOptions = new ArrayList<>();
    try (SessionOptions options = new SessionOptions()) {
      options.setIntraOpNumThreads(settings.intraOpThreads());
      // Sequential execution: X3D and SlowFast graphs are chains, an inter-op pool only idles.
      options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
      options.setLoggerId(manifest.name());
      options.addConfigEntry("session.intra_op.allow_spinning", settings.spinning() ? "1" : "0");
      providerOptions.addAll(ProviderSetup.configure(options, provider));
      session = env.createSession(onnx.toString(), options);
    } catch (OrtException e) {
      ProviderUnavailable unavailable = provider.isGpu() ? ProviderSetup.translate(provider, e) : null;
      if (unavailable != null) {
        throw unavailable;
      }
      throw new ManifestError(field, "cannot load " + onnx + ": " + e.getMessage(), e);
    } finally {
      closeAll(providerOptions);
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
        "model {}: opened {} on {}, {} intra-op threads{}, inputs {}, output {}",
        manifest.name(),
        onnx.getFileName(),
        describe(provider),
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

  /** "CPU", "cuda device 0 (fp16, memory limit 4 GiB)". */
  static String describe(ExecutionProvider p) {
    if (!p.isGpu()) {
      return "CPU";
    }
    List<String> notes = new ArrayList<>();
    if (p.fp16()) {
      notes.add("fp16");
    }
    if (p.gpuMemLimit() > 0) {
      notes.add("memory limit " + ByteSizes.format(p.gpuMemLimit()));
    }
    if (p.trtCacheDir() != null) {
      notes.add("engine cache " + p.trtCacheDir());
    }
    return p.kind().spelling() + " device " + p.deviceId()
        + (notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ")");
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        log.warn("closing ONNX Runtime provider options failed: {}", e.getMessage());
      }
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
