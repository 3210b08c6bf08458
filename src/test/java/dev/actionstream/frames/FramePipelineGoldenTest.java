package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import dev.actionstream.TestModels;
import dev.actionstream.inference.GoldenParity;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java frame path against the Python model kit, for every model with a golden set: golden
 * frames.u8 → the model's FrameStage (colour planes, or gray crops and then optical flow) →
 * ClipAssembler must give the golden input tensors, and running
 * them must give PyTorch's output.
 */
class FramePipelineGoldenTest {
  /** Per input value: float32 rounding of two implementations of the same arithmetic. */
  private static final double INPUT_TOLERANCE = 1e-5;

  /**
   * The largest normalised value a pixel can reach, at least 1: float32 rounds relative to the
   * values before the mean is subtracted, so a model fed 0-255 pixels (scale 1, as C3D's
   * Caffe-style input) rounds 255 times coarser than one fed 0-1.
   */
  private static double inputMagnitude(ModelManifest m) {
    if (m.modality() == ModelManifest.Modality.FLOW) {
      // Computed by the same OpenCV on both sides from the same 8-bit crops: exact or nothing.
      return 1;
    }
    double minStd = Double.MAX_VALUE;
    for (double s : m.preprocessing().std()) {
      minStd = Math.min(minStd, s);
    }
    return Math.max(1, 255 * m.preprocessing().scale() / minStd);
  }

  static List<Path> modelsWithGolden() {
    return TestModels.withGolden();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modelsWithGolden")
  void goldenFramesBecomeGoldenInputsAndGoldenOutput(Path manifestFile) throws OrtException {
    ModelManifest m = ManifestLoader.load(manifestFile);
    GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(m));
    long[] shape = golden.frames().shape(); // T, H, W, 3
    int frames = (int) shape[0];
    int height = (int) shape[1];
    int width = (int) shape[2];
    assertEquals(m.clip().frames(), frames, "golden clip frames");
    byte[] raw = GoldenSet.read(golden.frames()).array();
    int frameBytes = height * width * 3;

    FrameStage pre = FrameStage.of(m, RegionOfInterest.FULL);
    float[][] planes = new float[frames][pre.frameFloats()];
    byte[] frame = new byte[frameBytes];
    try (Mat image = new Mat(height, width, CV_8UC3)) {
      for (int t = 0; t < frames; t++) {
        System.arraycopy(raw, t * frameBytes, frame, 0, frameBytes);
        image.data().put(frame, 0, frameBytes);
        pre.process(image, ChannelOrder.RGB, planes[t], 0);
      }
    }

    try (ModelSession session = ModelSession.open(m, new SessionSettings(2));
        ClipUnits units = new ClipUnits(m)) {
      ClipBuffers clips = session.newBuffers(1);
      new ClipAssembler(m).fill(clips, 0, units.of(planes, 0), units.offset(0));

      for (int i = 0; i < m.inputs().size(); i++) {
        String name = m.inputs().get(i).name();
        float[] expected = GoldenSet.readFloatArray(golden.inputs().get(name));
        FloatBuffer actual = clips.clip(i, 0);
        assertEquals(expected.length, actual.remaining(), name + " floats");
        double maxDiff = 0;
        double maxScaled = 0;
        for (int k = 0; k < expected.length; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(actual.get(k) - expected[k]));
          maxScaled = Math.max(maxScaled, GoldenSet.scaledError(actual.get(k), expected[k]));
        }
        System.out.printf("%s input %s: max |Δ| %.3e, scaled %.3e vs preprocess.py%n", m.name(), name, maxDiff, maxScaled);
        double d = maxDiff;
        double bound = INPUT_TOLERANCE * inputMagnitude(m);
        assertTrue(d <= bound, () -> "%s input %s: max |Δ| %.3e > %.3e".formatted(m.name(), name, d, bound));
      }

      float[] scores = session.run(clips, 1)[0];
      float[] expected = GoldenSet.readFloatArray(golden.output());
      double maxAbs = 0;
      double maxScaled = 0;
      for (int k = 0; k < expected.length; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(scores[k] - expected[k]));
        maxScaled = Math.max(maxScaled, GoldenSet.scaledError(scores[k], expected[k]));
      }
      System.out.printf("%s output: max |Δ| %.3e, scaled %.3e vs PyTorch%n", m.name(), maxAbs, maxScaled);
      double scaled = maxScaled;
      assertTrue(scaled <= golden.tolerance(),
          () -> "%s output: scaled error %.3e > %.1e".formatted(m.name(), scaled, golden.tolerance()));
      assertEquals(GoldenParity.argmax(expected), GoldenParity.argmax(scores), "top class");
    }
  }

}
