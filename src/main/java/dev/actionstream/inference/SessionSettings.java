package dev.actionstream.inference;

/**
 * How ONNX Runtime runs one model.
 *
 * @param intraOpThreads threads one run may use to parallelise an operator; concurrent runs share
 *     this one pool
 * @param spinning whether idle pool threads busy-wait for the next operator. Off by default: it
 *     saves microseconds per operator on an idle machine, but the engine shares its cores with
 *     decoding and stream threads, and on a busy 2-core box spinning doubled X3D-XS latency (97 vs
 *     208 ms p50, measured 2026-11-27)
 * @param provider CPU, or a GPU provider with its device settings (the topology's {@code
 *     inference} section)
 */
public record SessionSettings(int intraOpThreads, boolean spinning, ExecutionProvider provider) {

  public SessionSettings {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    if (provider == null) {
      provider = ExecutionProvider.CPU;
    }
  }

  /** On the CPU. */
  public SessionSettings(int intraOpThreads, boolean spinning) {
    this(intraOpThreads, spinning, ExecutionProvider.CPU);
  }

  public SessionSettings(int intraOpThreads) {
    this(intraOpThreads, false);
  }

  /** One intra-op thread per available processor, no spinning. */
  public static SessionSettings defaults() {
    return new SessionSettings(Runtime.getRuntime().availableProcessors());
  }

  /** The same threads on another provider. */
  public SessionSettings withProvider(ExecutionProvider p) {
    return new SessionSettings(intraOpThreads, spinning, p);
  }
}
