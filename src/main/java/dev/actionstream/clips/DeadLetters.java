package dev.actionstream.clips;

import java.nio.charset.StandardCharsets;

/** Headers a dead letter carries beside the original record's own. */
public final class DeadLetters {
  /** Why the record was refused: a kebab-case reason such as {@code undecodable-image}. */
  public static final String REASON = "reason";
  /** The reason in words, with the values involved. */
  public static final String DETAIL = "reason-detail";
  public static final String SOURCE_TOPIC = "source-topic";
  public static final String SOURCE_PARTITION = "source-partition";
  public static final String SOURCE_OFFSET = "source-offset";

  private DeadLetters() {}

  /** A key as a log can show it: text when it is printable UTF-8, else its length. */
  static String printableKey(byte[] key) {
    if (key == null) {
      return "(none)";
    }
    String s = new String(key, StandardCharsets.UTF_8);
    return s.length() <= 64 && s.chars().allMatch(c -> c >= 0x20 && c != 0xFFFD)
        ? "'" + s + "'"
        : "(" + key.length + " bytes)";
  }
}
