package dev.actionstream.demo;

import java.util.Locale;

/**
 * What a demo run produced.
 *
 * @param windows windows the engine took (inferred + skipped)
 * @param predictions prediction records read back from the topic (read_committed)
 * @param scored predictions whose window lies wholly inside one script segment
 * @param correct scored predictions whose label is that segment's action
 * @param duplicates predictions for a (camera, window) already seen: must be 0
 */
public record DemoSummary(
    long frames,
    long windows,
    long predictions,
    long scored,
    long correct,
    long events,
    long episodes,
    long deadLetters,
    long duplicates,
    java.util.Map<String, long[]> byAction) {

  /** Per action (script order): {correct, scored}. */
  public DemoSummary {
    byAction = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byAction));
  }

  /** "idle 30/30, move_left 28/29, ...": where the misses are. */
  public String byActionLine() {
    StringBuilder b = new StringBuilder("accuracy by action:");
    byAction.forEach((a, c) -> b.append(' ').append(a).append(' ').append(c[0]).append('/').append(c[1]).append(','));
    return b.length() > 0 && b.charAt(b.length() - 1) == ',' ? b.substring(0, b.length() - 1) : b.toString();
  }

  public double accuracy() {
    return scored == 0 ? 0 : 100.0 * correct / scored;
  }

  /** The one line the demo ends with. */
  public String line() {
    return String.format(
        Locale.ROOT,
        "summary: windows=%d predictions=%d correct=%d accuracy=%.1f%% events=%d dead_letters=%d",
        windows,
        predictions,
        correct,
        accuracy(),
        events,
        deadLetters);
  }
}
