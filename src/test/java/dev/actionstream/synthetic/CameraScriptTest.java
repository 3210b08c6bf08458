package dev.actionstream.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CameraScriptTest {
  private static final long START = 1_767_225_600_000L;

  @Test
  void actionsAreInTheDemoModelsLabelOrder() throws Exception {
    List<String> labels = Files.readAllLines(Path.of("models", "demo", "x3d", "labels.txt")).stream()
        .filter(l -> !l.isBlank()).toList();
    assertEquals(labels, Arrays.stream(Action.values()).map(Action::label).toList());
  }

  @Test
  void segmentsAreThreeToEightSecondsAndCoverTheScriptWithoutGaps() {
    CameraScript script = CameraScript.random(7, START, 120_000);

    List<CameraScript.Segment> segments = script.segments();
    assertEquals(START, segments.get(0).startMs());
    assertEquals(START + 120_000, script.endMs());
    for (int i = 0; i < segments.size(); i++) {
      CameraScript.Segment s = segments.get(i);
      assertEquals(i, s.index());
      if (i > 0) {
        assertEquals(segments.get(i - 1).endMs(), s.startMs());
        assertNotEquals(segments.get(i - 1).action(), s.action(), "no action twice in a row");
      }
      if (i < segments.size() - 1) { // the last one may be cut by the script's end
        assertTrue(s.durationMs() >= 3_000 && s.durationMs() <= 8_000, s.toString());
      }
    }
  }

  @Test
  void everyEightConsecutiveSegmentsShowEveryAction() {
    CameraScript script = CameraScript.random(11, START, 200_000);

    List<CameraScript.Segment> s = script.segments();
    for (int deck = 0; deck + 8 <= s.size(); deck += 8) {
      EnumSet<Action> seen = EnumSet.noneOf(Action.class);
      s.subList(deck, deck + 8).forEach(x -> seen.add(x.action()));
      assertEquals(EnumSet.allOf(Action.class), seen);
    }
  }

  @Test
  void sameSeedSameScriptOtherSeedOtherScript() {
    assertEquals(CameraScript.random(3, START, 60_000).segments(), CameraScript.random(3, START, 60_000).segments());
    assertNotEquals(CameraScript.random(3, START, 60_000).segments(), CameraScript.random(4, START, 60_000).segments());
  }

  @Test
  void actionAtAndSegmentContainingFollowHalfOpenSegments() {
    CameraScript script = CameraScript.random(5, START, 60_000);
    CameraScript.Segment first = script.segments().get(0);
    CameraScript.Segment second = script.segments().get(1);

    assertEquals(first.action(), script.actionAt(START).orElseThrow());
    assertEquals(first.action(), script.actionAt(first.endMs() - 1).orElseThrow());
    assertEquals(second.action(), script.actionAt(first.endMs()).orElseThrow());
    assertFalse(script.actionAt(START - 1).isPresent());
    assertFalse(script.actionAt(script.endMs()).isPresent());

    assertEquals(first, script.segmentContaining(START, first.endMs() - 1).orElseThrow());
    assertFalse(script.segmentContaining(START, first.endMs()).isPresent(), "ends where the next starts");
    assertFalse(script.segmentContaining(first.endMs() - 500, first.endMs() + 500).isPresent());
    assertEquals(second, script.segmentContaining(second.startMs(), second.startMs() + 100).orElseThrow());
  }
}
