package dev.actionstream.engine;

/** The engine cannot start: brokers unreachable, input topic missing. Nothing was started. */
public final class EngineStartError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EngineStartError(String message) {
    super(message);
  }

  public EngineStartError(String message, Throwable cause) {
    super(message, cause);
  }
}
