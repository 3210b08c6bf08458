package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClipAssemblerTest {
  private static final ModelManifest SLOWFAST =
      ManifestLoader.load(Path.of("models", "demo", "slowfast", "manifest.yaml"));

  /** Plane of frame t: every value encodes (frame, channel, pixel) so misplacement shows. */
  private static float[][] taggedFrames(int frames, int area) {
    float[][] planes = new float[frames][3 * area];
    for (int t = 0; t < frames; t++) {
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k < area; k++) {
          planes[t][c * area + k] = t * 1000 + c * 100 + (k % 100) * 0.01f;
        }
      }
    }
    return planes;
  }

  @Test
  void slowAndFastPathwaysGetTheirFramesInNcthwOrderInTheRequestedSlot() {
    int crop = SLOWFAST.preprocessing().crop();
    int area = crop * crop;
    int frames = SLOWFAST.clip().frames();
    float[][] planes = taggedFrames(frames, area);
    try (ModelSession session = ModelSession.open(SLOWFAST, new SessionSettings(1))) {
      ClipBuffers buffers = session.newBuffers(2);

      new ClipAssembler(SLOWFAST).fill(buffers, 1, planes);

      for (int i = 0; i < SLOWFAST.inputs().size(); i++) {
        ModelManifest.Input input = SLOWFAST.inputs().get(i);
        int[] take = input.frameIndices(frames);
        if (input.pathway() == ModelManifest.Pathway.SLOW) {
          assertArrayEquals(new int[] {0, 5, 10, 15}, take, "slow_indices(16, 4)");
        }
        FloatBuffer clip = buffers.clip(i, 1);
        for (int c = 0; c < 3; c++) {
          for (int j = 0; j < take.length; j++) {
            for (int k = 0; k < area; k += 37) {
              float expected = planes[take[j]][c * area + k];
              assertEquals(expected, clip.get(((c * take.length) + j) * area + k),
                  input.name() + " c" + c + " t" + j + " k" + k);
            }
          }
        }
        FloatBuffer slot0 = buffers.clip(i, 0);
        for (int k = 0; k < slot0.capacity(); k += 101) {
          assertEquals(0f, slot0.get(k), "slot 0 untouched");
        }
      }
    }
  }

  /**
   * A run limits the shared input buffer to its batch; assembling writes straight into that
   * buffer, so a later slot must still be reachable, and refilling a slot must replace it whole.
   */
  @Test
  void slotsFillAfterARunAndRefillingReplacesTheClip() throws Exception {
    int area = SLOWFAST.preprocessing().crop() * SLOWFAST.preprocessing().crop();
    int frames = SLOWFAST.clip().frames();
    float[][] first = taggedFrames(frames, area);
    float[][] second = taggedFrames(frames, area);
    for (float[] plane : second) {
      for (int k = 0; k < plane.length; k++) {
        plane[k] = -plane[k];
      }
    }
    try (ModelSession session = ModelSession.open(SLOWFAST, new SessionSettings(1))) {
      ClipBuffers buffers = session.newBuffers(2);
      ClipBuffers reference = session.newBuffers(2);
      ClipAssembler assembler = new ClipAssembler(SLOWFAST);

      assembler.fill(buffers, 0, first);
      session.run(buffers, 1);
      assembler.fill(buffers, 1, first);
      assembler.fill(buffers, 1, second);
      assembler.fill(reference, 0, first);
      assembler.fill(reference, 1, second);

      for (int i = 0; i < SLOWFAST.inputs().size(); i++) {
        for (int slot = 0; slot < 2; slot++) {
          FloatBuffer got = buffers.clip(i, slot);
          FloatBuffer want = reference.clip(i, slot);
          float[] g = new float[got.remaining()];
          float[] w = new float[want.remaining()];
          got.get(g);
          want.get(w);
          assertArrayEquals(w, g, SLOWFAST.inputs().get(i).name() + " slot " + slot);
        }
      }
    }
  }

  @Test
  void wrongFrameCountOrPlaneSizeIsRefused() {
    int area = SLOWFAST.preprocessing().crop() * SLOWFAST.preprocessing().crop();
    try (ModelSession session = ModelSession.open(SLOWFAST, new SessionSettings(1))) {
      ClipBuffers buffers = session.newBuffers(1);
      ClipAssembler assembler = new ClipAssembler(SLOWFAST);

      assertThrows(IllegalArgumentException.class,
          () -> assembler.fill(buffers, 0, taggedFrames(SLOWFAST.clip().frames() - 1, area)));
      float[][] bad = taggedFrames(SLOWFAST.clip().frames(), area);
      bad[3] = new float[5];
      assertThrows(IllegalArgumentException.class, () -> assembler.fill(buffers, 0, bad));
    }
  }
}
