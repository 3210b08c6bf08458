package dev.actionstream.demo;

import dev.actionstream.ingest.CameraSpec;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.ingest.SyntheticSource;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;

/**
 * The synthetic cameras of the demo, soak and bench runs: camera {@code i} of a seed ({@code
 * cam-i}) plays its own seeded script of the demo actions at 320×240, JPEG quality 85, so a seed
 * gives the same scenes in every tool.
 */
public final class DemoCameras {
  private DemoCameras() {}

  public static SyntheticCamera camera(int i, long seed, long startMs, long scriptMs, double fps) {
    CameraScript script = CameraScript.random(seed * 1_000_003L + i, startMs, scriptMs);
    return new SyntheticCamera("cam-" + i, script, seed * 7919L + i, new SyntheticCamera.Settings(fps, 320, 240, 85));
  }

  /** Plays {@code camera} through the ingest path, in real time. */
  public static void start(Ingest ingest, SyntheticCamera camera, long seed) {
    // fps 0: the camera renders at its own rate already, nothing to thin.
    ingest.start(CameraSpec.of(camera.id(), "synthetic:seed=" + seed).withFps(0), new SyntheticSource(camera));
  }
}
