package dev.actionstream.model;

import static dev.actionstream.model.YamlFields.need;
import static dev.actionstream.model.YamlFields.nonEmptyString;
import static dev.actionstream.model.YamlFields.positiveNumber;
import static dev.actionstream.model.YamlFields.repr;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reference tensors the Python model kit writes beside a model (&lt;model dir&gt;/golden/, by
 * tools/modelkit/export.py write_golden): a seeded clip of raw frames, the model inputs PyTorch
 * built from it, and PyTorch's output. With them Java proves that it feeds the ONNX model the same
 * numbers and gets the same scores.
 *
 * <p>golden.yaml describes each raw file (little-endian, C order, no header) by file, dtype and
 * shape: {@code frames} (frames.u8, T x H x W x 3 uint8 RGB), {@code inputs} (one input-NAME.f32
 * per model input, batch 1) and {@code output} (output.f32), plus the tolerance. Loading checks
 * every file's size against its shape; the data is read on demand, frames can be large.
 */
public final class GoldenSet {
  public static final String FORMAT = "actionstream-golden/v1";

  /**
   * The comparison golden.yaml states; the only one this engine implements ({@link #scaledError}).
   */
  public static final String TOLERANCE_RULE =
      "|actual - expected| <= tolerance * max(1, |expected|), element-wise";

  public static final String DIR = "golden";
  public static final String FILE = "golden.yaml";

  /** The element types golden files use, by their numpy names. */
  public enum Dtype {
    UINT8("uint8", 1),
    FLOAT32("float32", 4);

    private final String numpyName;
    private final int bytes;

    Dtype(String numpyName, int bytes) {
      this.numpyName = numpyName;
      this.bytes = bytes;
    }

    public String numpyName() {
      return numpyName;
    }
  }

  /** One raw little-endian array file. */
  public record Array(Path file, Dtype dtype, long[] shape) {
    public long elements() {
      return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    @Override
    public String toString() {
      return file.getFileName() + " " + dtype.numpyName + Arrays.toString(shape);
    }
  }

  private final Path dir;
  private final double tolerance;
  private final Array frames;
  private final Map<String, Array> inputs;
  private final String outputName;
  private final Array output;

  private GoldenSet(
      Path dir,
      double tolerance,
      Array frames,
      Map<String, Array> inputs,
      String outputName,
      Array output) {
    this.dir = dir;
    this.tolerance = tolerance;
    this.frames = frames;
    this.inputs = inputs;
    this.outputName = outputName;
    this.output = output;
  }

  /** Where a manifest's golden set lives: golden/ beside the manifest. */
  public static Path dirOf(ModelManifest manifest) {
    return manifest.file().getParent().resolve(DIR);
  }

  public static boolean existsFor(ModelManifest manifest) {
    return Files.isRegularFile(dirOf(manifest).resolve(FILE));
  }

  /** Reads golden.yaml and checks that each file it lists has the size its shape implies. */
  public static GoldenSet load(Path dir) {
    JsonNode root = YamlFields.readMapping(dir.resolve(FILE), "golden");
    JsonNode format = need(root, "format", "golden.");
    if (!format.isTextual() || !format.asText().equals(FORMAT)) {
      throw new ManifestError("golden.format", "expected '" + FORMAT + "', got " + repr(format));
    }
    double tolerance = positiveNumber(root, "tolerance", "golden.");
    JsonNode rule = root.get("tolerance_rule");
    if (rule != null && !rule.asText().equals(TOLERANCE_RULE)) {
      throw new ManifestError(
          "golden.tolerance_rule",
          "unknown rule " + repr(rule) + "; this engine applies '" + TOLERANCE_RULE + "'");
    }

    Array frames = array(dir, need(root, "frames", "golden."), "golden.frames.", Dtype.UINT8);
    if (frames.shape().length != 4 || frames.shape()[3] != ModelManifest.CHANNELS) {
      throw new ManifestError(
          "golden.frames.shape", "must be T x H x W x 3, got " + Arrays.toString(frames.shape()));
    }

    JsonNode inputList = need(root, "inputs", "golden.");
    if (!inputList.isArray() || inputList.isEmpty()) {
      throw new ManifestError("golden.inputs", "must be a non-empty list");
    }
    Map<String, Array> inputs = new LinkedHashMap<>();
    for (int i = 0; i < inputList.size(); i++) {
      String w = "golden.inputs[" + i + "].";
      String name = nonEmptyString(inputList.get(i), "name", w);
      inputs.put(name, array(dir, inputList.get(i), w, Dtype.FLOAT32));
    }

    JsonNode out = need(root, "output", "golden.");
    String outputName = nonEmptyString(out, "name", "golden.output.");
    Array output = array(dir, out, "golden.output.", Dtype.FLOAT32);
    return new GoldenSet(
        dir, tolerance, frames, Collections.unmodifiableMap(inputs), outputName, output);
  }

  private static Array array(Path dir, JsonNode entry, String w, Dtype dtype) {
    String file = nonEmptyString(entry, "file", w);
    JsonNode dtypeNode = need(entry, "dtype", w);
    if (!dtypeNode.asText().equals(dtype.numpyName)) {
      throw new ManifestError(
          w + "dtype", "expected '" + dtype.numpyName + "', got " + repr(dtypeNode));
    }
    JsonNode shapeNode = need(entry, "shape", w);
    if (!shapeNode.isArray() || shapeNode.isEmpty()) {
      throw new ManifestError(w + "shape", "must be a non-empty list of dims");
    }
    long[] shape = new long[shapeNode.size()];
    for (int d = 0; d < shape.length; d++) {
      JsonNode dim = shapeNode.get(d);
      if (!dim.isIntegralNumber() || dim.longValue() < 1) {
        throw new ManifestError(w + "shape", "dims must be positive integers, got " + shapeNode);
      }
      shape[d] = dim.longValue();
    }
    Array a = new Array(dir.resolve(file).normalize(), dtype, shape);
    long expected = a.elements() * dtype.bytes;
    long actual;
    try {
      actual = Files.size(a.file());
    } catch (IOException e) {
      throw new ManifestError(
          w + "file", "cannot read " + a.file() + ": " + YamlFields.reason(e), e);
    }
    if (actual != expected) {
      throw new ManifestError(
          w + "file", a + " needs " + expected + " bytes but the file has " + actual);
    }
    return a;
  }

  public Path dir() {
    return dir;
  }

  /** The tolerance of {@link #TOLERANCE_RULE}. */
  public double tolerance() {
    return tolerance;
  }

  /**
   * One value's error as {@link #TOLERANCE_RULE} measures it: |actual − expected| / max(1,
   * |expected|). Relative for large logits (SlowFast's reach 200), absolute near zero.
   */
  public static double scaledError(float actual, float expected) {
    return Math.abs((double) actual - expected) / Math.max(1.0, Math.abs(expected));
  }

  /** The raw clip: T x H x W x 3 uint8 RGB. */
  public Array frames() {
    return frames;
  }

  /** Model inputs by ONNX input name, in golden.yaml order; each batch 1. */
  public Map<String, Array> inputs() {
    return inputs;
  }

  /** The ONNX output name PyTorch's output stands for. */
  public String outputName() {
    return outputName;
  }

  public Array output() {
    return output;
  }

  /** A float32 file as a direct native-order buffer, ready to hand to ONNX Runtime. */
  public static FloatBuffer readFloats(Array a) {
    if (a.dtype() != Dtype.FLOAT32) {
      throw new IllegalArgumentException(a + " is not float32");
    }
    FloatBuffer out =
        ByteBuffer.allocateDirect(Math.toIntExact(a.elements() * Float.BYTES))
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    out.put(read(a).asFloatBuffer()).flip();
    return out;
  }

  /** A float32 file as an array. */
  public static float[] readFloatArray(Array a) {
    FloatBuffer b = readFloats(a);
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  /** A file's bytes in little-endian order (for frames.u8, the uint8 pixels). */
  public static ByteBuffer read(Array a) {
    try {
      return ByteBuffer.wrap(Files.readAllBytes(a.file())).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new ManifestError("golden", "cannot read " + a.file() + ": " + YamlFields.reason(e), e);
    }
  }
}
