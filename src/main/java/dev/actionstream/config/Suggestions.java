package dev.actionstream.config;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The key or label a user probably meant: {@code quiet_time} → {@code quiet-time}. */
public final class Suggestions {
  private Suggestions() {}

  public static Optional<String> closest(String wrong, Collection<String> candidates) {
    String w = normal(wrong);
    // An abbreviation of exactly one candidate (w → width) beats an edit distance of 1 (w → x).
    List<String> extending =
        candidates.stream().filter(c -> !w.isEmpty() && normal(c).startsWith(w)).toList();
    if (extending.size() == 1) {
      return Optional.of(extending.get(0));
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(w, normal(c));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    // Up to a third of the word may be wrong (at least one letter, at most three), never all.
    int allowed = Math.max(1, Math.min(3, w.length() / 3));
    return bestDistance <= allowed && bestDistance < w.length()
        ? Optional.of(best)
        : Optional.empty();
  }

  /** {@code "; did you mean 'x'?"}, or "" when nothing is close. */
  public static String didYouMean(String wrong, Collection<String> candidates) {
    return closest(wrong, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
  }

  // Case and the choice of separator are the commonest slips (snake_case from Python habits).
  private static String normal(String s) {
    return s.toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
