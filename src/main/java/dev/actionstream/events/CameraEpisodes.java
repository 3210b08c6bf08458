package dev.actionstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Value of the {@code open-episodes} store (key: camera id): the recent scores and open episodes
 * of one camera. Mutable; one stream thread owns a camera, so no guarding is needed. Stored as
 * JSON: small (a few labels × smoothing scores) and readable in the changelog.
 */
public final class CameraEpisodes {
  /** Per label: the scores of the last windows, oldest first, at most smoothing of them. */
  @JsonProperty("recent")
  public Map<String, List<Double>> recent = new LinkedHashMap<>();

  /** Per label: the open episode, if any. */
  @JsonProperty("open")
  public Map<String, Open> open = new LinkedHashMap<>();

  /** Camera time (window end) of the last window seen. */
  @JsonProperty("last_window_end")
  public long lastWindowEnd;

  /** Wall clock when the last window was seen: quiet cameras end their episodes. */
  @JsonProperty("last_seen_wall")
  public long lastSeenWall;

  public static final class Open {
    @JsonProperty("id")
    public String id;

    @JsonProperty("start")
    public long start;

    @JsonProperty("last_end")
    public long lastEnd;

    @JsonProperty("score")
    public double score;

    @JsonProperty("top_score")
    public double topScore;
  }

  double smoothed(String label, double score, int smoothing) {
    List<Double> r = recent.computeIfAbsent(label, l -> new ArrayList<>(smoothing + 1));
    r.add(score);
    while (r.size() > smoothing) {
      r.remove(0);
    }
    double sum = 0;
    for (double s : r) {
      sum += s;
    }
    return sum / r.size();
  }
}
