package dev.actionstream.frames;

import java.util.Locale;

/**
 * A frame the engine cannot use. The {@link #reason()} is a stable kebab-case tag for metrics and
 * the dead-letter reason header; {@link #detail()} says what was wrong with this frame.
 */
public final class FrameRejected extends Exception {

  /** Why a frame was refused; {@link #tag()} is the kebab-case spelling used in headers. */
  public enum Reason {
    /** The record had no bytes at all. */
    EMPTY_VALUE,
    /** Neither a JPEG nor a PNG signature. */
    UNSUPPORTED_FORMAT,
    /** The header or the image data is corrupt or truncated. */
    UNDECODABLE_IMAGE,
    /** Width x height above the decoder's pixel limit (a decompression bomb, or just too big). */
    IMAGE_TOO_LARGE;

    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;
  private final String detail;

  public FrameRejected(Reason reason, String detail) {
    super(reason.tag() + ": " + detail, null, false, false); // no stack trace: bad input is routine
    this.reason = reason;
    this.detail = detail;
  }

  /** The kebab-case reason tag, e.g. {@code undecodable-image}. */
  public String reason() {
    return reason.tag();
  }

  public Reason kind() {
    return reason;
  }

  public String detail() {
    return detail;
  }
}
