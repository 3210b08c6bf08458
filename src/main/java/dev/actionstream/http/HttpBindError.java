package dev.actionstream.http;

/** The HTTP server cannot listen where it was told to (port in use, unknown address). */
public final class HttpBindError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HttpBindError(String message, Throwable cause) {
    super(message, cause);
  }
}
