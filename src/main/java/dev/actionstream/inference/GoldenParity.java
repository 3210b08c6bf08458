package dev.actionstream.inference;

import ai.onnxruntime.OrtException;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ModelManifest;
import java.util.Arrays;

/**
 * Runs a model on its golden inputs and compares the scores with PyTorch's: the proof that the
 * exported ONNX file and ONNX Runtime Java compute what the training code computed.
 */
public final class GoldenParity {

  /**
   * @param maxAbsDiff largest |ONNX Runtime − PyTorch| over all output values
   * @param maxScaledError largest {@link GoldenSet#scaledError}: what the tolerance bounds
   * @param tolerance golden.yaml's tolerance
   * @param topClass class ONNX Runtime scores highest
   * @param goldenTopClass class PyTorch scored highest
   */
  public record Result(
      double maxAbsDiff,
      double maxScaledError,
      double tolerance,
      int topClass,
      int goldenTopClass) {
    public boolean passed() {
      return maxScaledError <= tolerance;
    }
  }

  private GoldenParity() {}

  /** Runs batch 1 on the golden inputs; checks the golden set fits the manifest first. */
  public static Result check(ModelSession session, GoldenSet golden) throws OrtException {
    ModelManifest m = session.manifest();
    if (!golden.outputName().equals(m.output().name())) {
      throw new ManifestError(
          "golden.output.name",
          "'%s' but the manifest's output.name is '%s'"
              .formatted(golden.outputName(), m.output().name()));
    }
    long[] outShape = {1, m.output().classes()};
    if (!Arrays.equals(golden.output().shape(), outShape)) {
      throw new ManifestError(
          "golden.output.shape",
          golden.output() + " does not match the manifest's output " + Arrays.toString(outShape));
    }
    ClipBuffers clips = session.newBuffers(1);
    fill(clips, golden, 0);
    float[] actual = session.run(clips, 1)[0];
    return compare(actual, GoldenSet.readFloatArray(golden.output()), golden.tolerance());
  }

  /** Copies the golden inputs into one clip slot of every model input. */
  public static void fill(ClipBuffers clips, GoldenSet golden, int slot) {
    ModelManifest m = clips.manifest();
    for (int i = 0; i < m.inputs().size(); i++) {
      ModelManifest.Input input = m.inputs().get(i);
      GoldenSet.Array a = golden.inputs().get(input.name());
      if (a == null) {
        throw new ManifestError(
            "golden.inputs", "no entry for manifest input '" + input.name() + "'");
      }
      long[] batch1 = m.inputShape(input, 1);
      if (!Arrays.equals(a.shape(), batch1)) {
        throw new ManifestError(
            "golden.inputs",
            a + " does not match manifest input '" + input.name() + "' " + Arrays.toString(batch1));
      }
      clips.clip(i, slot).put(GoldenSet.readFloats(a));
    }
  }

  static Result compare(float[] actual, float[] expected, double tolerance) {
    double maxAbs = 0;
    double maxScaled = 0;
    for (int k = 0; k < expected.length; k++) {
      maxAbs = Math.max(maxAbs, Math.abs((double) actual[k] - expected[k]));
      maxScaled = Math.max(maxScaled, GoldenSet.scaledError(actual[k], expected[k]));
    }
    return new Result(maxAbs, maxScaled, tolerance, argmax(actual), argmax(expected));
  }

  /** Index of the highest score (the first of equals): the top class. */
  public static int argmax(float[] v) {
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }
}
