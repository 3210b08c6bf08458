package dev.actionstream.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the topology file spells them: an integer and a unit, {@code 500ms 2s 1m 1h}. */
public final class Durations {
  public static final String EXAMPLES = "a duration such as 500ms, 2s or 1m";

  // A sign is accepted so that "-1s" is refused by the field's range check ("must be >= 0"),
  // which says more than "not a duration".
  private static final Pattern SPELLING = Pattern.compile("(-?\\d{1,12})(ms|s|m|h)");

  private Durations() {}

  /** The duration, or an {@link IllegalArgumentException} whose message is the reason. */
  public static Duration parse(String text) {
    Matcher m = SPELLING.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be " + EXAMPLES + ", got '" + text + "'" + hint(text.strip()));
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** Why a bare YAML number is not a duration. */
  public static String bareNumber(String number) {
    return "must be " + EXAMPLES + ", got " + number + " without a unit (write " + number
        + "s for seconds or " + number + "ms for milliseconds)";
  }

  /** The shortest exact spelling: 1s rather than 1000ms, 1500ms rather than 1.5s. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Seconds with three decimals, for model clip durations that are rarely whole. */
  public static String seconds(Duration d) {
    return String.format("%.3f s", d.toNanos() / 1e9);
  }

  private static String hint(String text) {
    if (text.matches("-?\\d+\\.\\d+(ms|s|m|h)")) {
      return " (the number must be a whole one: use a smaller unit, e.g. 1500ms for 1.5s)";
    }
    if (text.matches("-?\\d+\\s*(sec|secs|second|seconds|min|mins|minutes|msec|millis|hours?)")) {
      return " (units are ms, s, m and h)";
    }
    return "";
  }
}
