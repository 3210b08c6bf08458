package dev.actionstream.frames;

/**
 * A frame record that breaks the frame contract (key, headers, timestamps) or comes too late; the
 * record goes to dead letters with {@link #reason()}. Image problems are {@link FrameRejected}.
 */
public final class InvalidFrame extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public InvalidFrame(String reason, String detail) {
    super(detail, null, false, false); // no stack trace: bad input is routine
    this.reason = reason;
  }

  /** Kebab-case reason for the dead-letter header and metrics, e.g. {@code late-frame}. */
  public String reason() {
    return reason;
  }
}
