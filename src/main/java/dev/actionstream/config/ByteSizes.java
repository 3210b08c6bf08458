package dev.actionstream.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as the topology file spells them: a number and a unit, {@code 512MiB 4GiB 2GB}.
 * Binary units (KiB, MiB, GiB, TiB) count powers of 1024, decimal ones (KB, MB, GB, TB) powers of
 * 1000, as in Kubernetes resource quantities; a bare integer counts bytes.
 */
public final class ByteSizes {
  public static final String EXAMPLES = "a size such as 512MiB, 4GiB or 2GB";

  private static final Pattern SPELLING =
      Pattern.compile("(-?\\d{1,15}(?:\\.\\d{1,6})?)\\s?([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);

  private ByteSizes() {}

  /** The size in bytes, or an {@link IllegalArgumentException} whose message is the reason. */
  public static long parse(String text) {
    Matcher m = SPELLING.matcher(text.strip());
    if (!m.matches() || (m.group(2) == null && m.group(1).contains("."))) {
      throw new IllegalArgumentException(
          "must be " + EXAMPLES + " (units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), got '" + text
              + "'");
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    double bytes = Double.parseDouble(m.group(1)) * multiplier(unit);
    if (bytes >= Long.MAX_VALUE) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return (long) Math.floor(bytes);
  }

  /** 4 GiB rather than 4294967296 B. */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    double v = bytes;
    while (i < units.length - 1 && Math.abs(v) >= 1024 && v % 1024 == 0) {
      v /= 1024;
      i++;
    }
    return (long) v + " " + units[i];
  }

  private static double multiplier(String unit) {
    return switch (unit) {
      case "KIB" -> 1L << 10;
      case "MIB" -> 1L << 20;
      case "GIB" -> 1L << 30;
      case "TIB" -> 1L << 40;
      case "KB" -> 1e3;
      case "MB" -> 1e6;
      case "GB" -> 1e9;
      case "TB" -> 1e12;
      default -> 1;
    };
  }
}
