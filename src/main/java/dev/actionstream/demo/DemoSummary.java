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
    long duplicates) {

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
