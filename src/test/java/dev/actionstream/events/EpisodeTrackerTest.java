package dev.actionstream.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EpisodeTrackerTest {
  private static final List<String> LABELS = List.of("idle", "walk", "fall");
  private final EpisodeTracker tracker =
      new EpisodeTracker(
          new TopologyConfig.Episodes(
              List.of("walk", "fall"), 0.6, 0.4, 2, Duration.ofSeconds(5), List.of("fall")),
          LABELS,
          "m",
          "t");
  private final CameraEpisodes state = new CameraEpisodes();

  private static Prediction p(long end, double idle, double walk, double fall) {
    return new Prediction(
        "cam", end - 1600, end, 8, "x", 0, List.of(), List.of(idle, walk, fall), "m", "t", 1, 0);
  }

  /** "type label score" lines of the events, in order. */
  private List<String> run(double[][] walkFall) {
    List<String> out = new ArrayList<>();
    long end = 10_000;
    for (double[] s : walkFall) {
      for (Event e : tracker.onPrediction(state, p(end, 1 - s[0] - s[1], s[0], s[1]), null, end)) {
        out.add(e.type() + " " + e.label() + " " + Math.round(e.score() * 100));
      }
      end += 1000;
    }
    return out;
  }

  @Test
  void episodeOpensOnSmoothedScoreAndEndsBelowExit() {
    List<String> events =
        run(new double[][] {{0.5, 0}, {0.9, 0}, {0.9, 0}, {0.95, 0}, {0.3, 0}, {0.1, 0}});
    // smoothed walk (2 windows): .5, .7 (new), .9 (update), .925 (update), .625, .2 (end)
    assertEquals(
        List.of("new walk 70", "update walk 90", "update walk 93", "end walk 20"), events);
  }

  @Test
  void hysteresisKeepsEpisodeOpenBetweenExitAndEnter() {
    List<String> events = run(new double[][] {{0.8, 0}, {0.8, 0}, {0.45, 0}, {0.5, 0}, {0.45, 0}});
    assertEquals(List.of("new walk 80"), events);
  }

  @Test
  void alertLabelEventsAreMarkedAndIdsAreStable() {
    List<Event> all = new ArrayList<>();
    all.addAll(tracker.onPrediction(state, p(10_000, 0, 0, 1), null, 0));
    all.addAll(tracker.onPrediction(state, p(11_000, 1, 0, 0), null, 0));
    all.addAll(tracker.onPrediction(state, p(12_000, 1, 0, 0), null, 0));
    assertEquals(List.of("new", "end"), all.stream().map(Event::type).toList());
    assertTrue(all.get(0).alert());
    assertEquals(all.get(0).id(), all.get(1).id());
    assertEquals(EpisodeTracker.episodeId("cam", "fall", 8_400), all.get(0).id());
    assertEquals(8_400, all.get(1).start());
    assertEquals(12_000L, all.get(1).end());
    assertNotEquals(
        EpisodeTracker.episodeId("cam", "fall", 8_400), EpisodeTracker.episodeId("cam2", "fall", 8_400));
  }

  @Test
  void cameraLabelFilterKeepsOtherLabelsFromOpening() {
    List<Event> e = tracker.onPrediction(state, p(10_000, 0, 0, 1), List.of("walk"), 0);
    assertEquals(List.of(), e);
  }

  @Test
  void episodeEndsAfterQuietPeriod() {
    tracker.onPrediction(state, p(10_000, 0, 1, 0), null, 1_000);
    assertEquals(List.of(), tracker.onWallClock("cam", state, 5_999));
    List<Event> ends = tracker.onWallClock("cam", state, 6_000);
    assertEquals(1, ends.size());
    assertEquals("end", ends.get(0).type());
    assertEquals("quiet", ends.get(0).endReason());
    assertEquals(10_000L, ends.get(0).end());
    assertTrue(state.open.isEmpty());
    assertEquals(List.of(), tracker.onWallClock("cam", state, 60_000), "ends only once");
  }
}
