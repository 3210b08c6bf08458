package dev.actionstream.inference;

/**
 * A GPU execution provider cannot run here: ONNX Runtime is the CPU-only build, or the CUDA /
 * TensorRT libraries it loads are missing. The message is one line naming the provider and what
 * is missing; nothing was opened.
 */
public final class ProviderUnavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ExecutionProvider.Kind provider;

  public ProviderUnavailable(ExecutionProvider.Kind provider, String reason, Throwable cause) {
    super(provider.spelling() + " " + reason, cause);
    this.provider = provider;
  }

  public ExecutionProvider.Kind provider() {
    return provider;
  }
}
