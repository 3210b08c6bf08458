package dev.actionstream.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FrameRejected;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class SyntheticCameraTest {
  private static final long START = 1_767_225_600_000L;

  private static List<CameraFrame> film(long seed, int frames) {
    CameraScript script = CameraScript.random(1, START, 30_000);
    List<CameraFrame> out = new ArrayList<>();
    try (SyntheticCamera camera = new SyntheticCamera("cam", script, seed)) {
      for (int i = 0; i < frames; i++) {
        out.add(camera.next());
      }
    }
    return out;
  }

  @Test
  void framesAreTimedNumberedLabelledAndDecodableAt320x240() throws FrameRejected {
    CameraScript script = CameraScript.random(1, START, 30_000);
    List<CameraFrame> frames = film(9, 40);

    try (FrameDecoder decoder = new FrameDecoder()) {
      for (int i = 0; i < frames.size(); i++) {
        CameraFrame f = frames.get(i);
        assertEquals(i, f.sequence());
        assertEquals(START + Math.round(i * 1000 / 15.0), f.captureTimeMs());
        assertEquals(script.actionAt(f.captureTimeMs()).orElseThrow(), f.action());
        Mat image = decoder.decode(f.jpeg());
        assertEquals(320, image.cols());
        assertEquals(240, image.rows());
        assertTrue(f.jpeg().length < 100_000, "well under Kafka's 1 MiB: " + f.jpeg().length);
      }
    }
  }

  @Test
  void sameSeedGivesTheSameBytesOtherSeedOtherPictures() {
    List<CameraFrame> a = film(21, 5);
    List<CameraFrame> b = film(21, 5);
    List<CameraFrame> c = film(22, 5);

    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).jpeg(), b.get(i).jpeg(), "frame " + i);
    }
    assertFalse(java.util.Arrays.equals(a.get(0).jpeg(), c.get(0).jpeg()));
  }

  @Test
  void cameraStopsAtTheEndOfItsScript() {
    CameraScript script = CameraScript.random(2, START, 1_000);
    int n = 0;
    try (SyntheticCamera camera = new SyntheticCamera("short", script, 1)) {
      while (camera.hasNext()) {
        camera.next();
        n++;
      }
    }
    assertEquals(15, n, "frames at 0, 67, ..., 933 ms");
  }

  /** Prints render + encode cost (not asserted: timings on a shared box only flake). */
  @Test
  void reportsRenderAndEncodeTimePerFrame() {
    CameraScript script = CameraScript.random(3, START, 120_000);
    try (SyntheticCamera camera = new SyntheticCamera("bench", script, 3)) {
      for (int i = 0; i < 150; i++) {
        camera.next(); // warm-up
      }
      int n = 600;
      long bytes = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        bytes += camera.next().jpeg().length;
      }
      double ms = (System.nanoTime() - t0) / 1e6 / n;
      System.out.printf("synthetic camera 320x240 q85: %.2f ms/frame render+encode (%.0f%% of a core"
          + " for 4 cameras x 15 fps), %d bytes/frame%n", ms, ms * 60 / 10, bytes / n);
    }
  }
}
