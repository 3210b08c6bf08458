package dev.actionstream.clips;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowPlanTest {
  // hop 1 s, clip 1.6 s, grace 300 ms
  private final WindowPlan plan = new WindowPlan(1000, 1600, 300);

  @Test
  void firstWindowIsTheFirstFullOneAlignedToTheHop() {
    CameraClock c = plan.start(10_250);
    // 10_250 + 1600 = 11_850 -> next multiple of 1000
    assertEquals(12_000, c.nextEnd());
    assertEquals(List.of(), plan.due(c));
  }

  @Test
  void windowIsDueOnceStreamTimePassesEndPlusGrace() {
    CameraClock c = plan.start(10_000); // first end 11_600 -> 12_000
    c = plan.advance(c, 12_299);
    assertEquals(List.of(), plan.due(c));
    c = plan.advance(c, 12_300);
    assertEquals(List.of(12_000L), plan.due(c));
  }

  @Test
  void everyHopGivesExactlyOneWindowInOrder() {
    CameraClock c = plan.start(0);
    List<Long> ends = new ArrayList<>();
    for (long ts = 0; ts <= 10_000; ts += 66) {
      c = plan.advance(c, ts);
      for (long end : plan.due(c)) {
        ends.add(end);
        c = plan.taken(c, end);
      }
    }
    // ends 2000..9000 (9000 + 300 <= 9966 < 10_000 + 300)
    List<Long> expected = new ArrayList<>();
    for (long e = 2000; e <= 9000; e += 1000) {
      expected.add(e);
    }
    assertEquals(expected, ends);
  }

  @Test
  void framesWithinGraceAreNotLateOlderOnesAre() {
    CameraClock c = plan.advance(plan.start(5_000), 8_000);
    assertFalse(plan.isLate(c, 7_700));
    assertTrue(plan.isLate(c, 7_699));
    assertFalse(plan.isLate(null, 1), "a camera's first frame is never late");
  }

  @Test
  void outOfOrderFrameDoesNotMoveStreamTimeBack() {
    CameraClock c = plan.advance(plan.start(5_000), 8_000);
    assertEquals(8_000, plan.advance(c, 7_900).streamTime());
  }

  @Test
  void restartAfterGapBeginsAtTheNextFrame() {
    CameraClock c = plan.start(0);
    c = plan.restartAt(c, 60_123);
    assertEquals(62_000, c.nextEnd());
    assertEquals(60_400, plan.retainFrom(c));
  }
}
