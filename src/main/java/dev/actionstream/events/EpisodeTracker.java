package dev.actionstream.events;

import dev.actionstream.topology.TopologyConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Turns one camera's predictions into episodes: per label, the smoothed score (mean of the last
 * {@code smoothing} windows) opens an episode at {@code enter} and ends it below {@code exit}
 * (hysteresis, so a score wobbling around one threshold does not flap). An open episode sends an
 * update when its smoothed score reaches a new high. Pure logic over {@link CameraEpisodes}; the
 * processor stores the state.
 */
public final class EpisodeTracker {
  private final TopologyConfig.Episodes rules;
  private final List<String> modelLabels;
  private final Set<String> alertLabels;
  private final String model;
  private final String topology;

  public EpisodeTracker(
      TopologyConfig.Episodes rules, List<String> modelLabels, String model, String topology) {
    this.rules = rules;
    this.modelLabels = List.copyOf(modelLabels);
    this.alertLabels = Set.copyOf(rules.alertLabels());
    this.model = model;
    this.topology = topology;
  }

  /**
   * Applies one prediction. {@code allowed} is the camera's label filter (null: every episode
   * label). Returns the events it causes, ends before news.
   */
  public List<Event> onPrediction(
      CameraEpisodes state, Prediction p, List<String> allowed, long wallNow) {
    List<Event> ends = new ArrayList<>(1);
    List<Event> others = new ArrayList<>(1);
    state.lastWindowEnd = p.windowEnd();
    state.lastSeenWall = wallNow;
    for (String label : rules.labels()) {
      if (allowed != null && !allowed.contains(label)) {
        continue;
      }
      double score = p.scores().get(modelLabels.indexOf(label));
      double smoothed = state.smoothed(label, score, rules.smoothing());
      CameraEpisodes.Open open = state.open.get(label);
      if (open != null) {
        open.score = smoothed;
        if (smoothed < rules.exit()) {
          state.open.remove(label);
          ends.add(event(Event.END, p.camera(), label, open, p.windowEnd(), p.windowEnd(), "score"));
          continue;
        }
        open.lastEnd = p.windowEnd();
        if (smoothed > open.topScore) {
          open.topScore = smoothed;
          others.add(event(Event.UPDATE, p.camera(), label, open, null, p.windowEnd(), null));
        }
      } else if (smoothed >= rules.enter()) {
        open = new CameraEpisodes.Open();
        open.start = p.windowStart();
        open.lastEnd = p.windowEnd();
        open.score = smoothed;
        open.topScore = smoothed;
        open.id = episodeId(p.camera(), label, open.start);
        state.open.put(label, open);
        others.add(event(Event.NEW, p.camera(), label, open, null, p.windowEnd(), null));
      }
    }
    ends.addAll(others);
    return ends;
  }

  /** Ends every open episode of a camera silent since {@code quietTime} of wall clock. */
  public List<Event> onWallClock(String camera, CameraEpisodes state, long wallNow) {
    if (state.open.isEmpty() || wallNow - state.lastSeenWall < rules.quietTime().toMillis()) {
      return List.of();
    }
    List<Event> ends = new ArrayList<>(state.open.size());
    Iterator<Map.Entry<String, CameraEpisodes.Open>> it = state.open.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, CameraEpisodes.Open> e = it.next();
      CameraEpisodes.Open open = e.getValue();
      ends.add(event(Event.END, camera, e.getKey(), open, open.lastEnd, state.lastWindowEnd, "quiet"));
      it.remove();
    }
    // A camera that comes back starts its smoothing afresh.
    state.recent.clear();
    return ends;
  }

  /** Same camera, label and start give the same id, also when a window is reprocessed. */
  static String episodeId(String camera, String label, long start) {
    return UUID.nameUUIDFromBytes(
            (camera + '\u0000' + label + '\u0000' + start).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  private Event event(
      String type,
      String camera,
      String label,
      CameraEpisodes.Open open,
      Long end,
      long windowEnd,
      String endReason) {
    return new Event(
        type,
        open.id,
        camera,
        label,
        open.score,
        open.topScore,
        open.start,
        end,
        windowEnd,
        endReason,
        alertLabels.contains(label),
        model,
        topology);
  }
}
