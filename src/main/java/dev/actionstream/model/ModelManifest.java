package dev.actionstream.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Everything the engine needs to feed one ONNX model without code: the Java twin of
 * tools/modelkit/manifest.py (fields documented in tools/modelkit/MANIFEST.md).
 *
 * <p>Instances come from {@link ManifestLoader}, which validates them: paths are resolved against
 * the manifest's directory, the label file has been read and matches {@code output.classes}, and
 * the per-input frame counts agree with the clip. Whether the ONNX file agrees is checked when a
 * session opens it ({@code dev.actionstream.inference.ModelSession}).
 *
 * <p>{@code onnxFp16} is the optional half-precision variant ({@code onnx_fp16}: float16 weights
 * and compute, float32 inputs and outputs), null when the manifest names none.
 */
public record ModelManifest(
    Path file,
    String name,
    String family,
    String description,
    Path onnx,
    Path onnxFp16,
    Path labelsFile,
    List<String> labels,
    Clip clip,
    List<Input> inputs,
    Preprocessing preprocessing,
    Modality modality,
    Output output) {

  /** The only manifest format this engine reads. */
  public static final String FORMAT = "actionstream-model/v1";

  /** Colour channels of an RGB clip: the C of NCTHW. */
  public static final int CHANNELS = 3;

  public ModelManifest {
    labels = List.copyOf(labels);
    inputs = List.copyOf(inputs);
  }

  /**
   * Which frames form a clip, in time.
   *
   * @param frames T, the frames sampled uniformly over the clip
   * @param samplingRate tau: the clip spans T·tau frames of video at {@code referenceFps}
   * @param referenceFps the frame rate the model was trained at (30 for Kinetics)
   * @param duration D = T·tau / referenceFps seconds
   */
  public record Clip(int frames, double samplingRate, double referenceFps, double duration) {}

  /**
   * One ONNX input tensor built from the clip.
   *
   * @param frames T of this tensor: clip frames, or clip frames / alpha for a slow pathway
   * @param alpha SlowFast's pathway ratio; 0 where the pathway is not {@link Pathway#SLOW}
   */
  public record Input(String name, Layout layout, int frames, Pathway pathway, int alpha) {

    /** The clip frames this input takes, in order (a slow pathway takes every alpha-th-ish one). */
    public int[] frameIndices(int clipFrames) {
      return pathway == Pathway.SLOW
          ? slowIndices(clipFrames, alpha)
          : IntStream.range(0, clipFrames).toArray();
    }
  }

  /**
   * Per-frame preprocessing, in this order: scale, resize the short side, centre crop, normalise
   * per channel (tools/modelkit/preprocess.py is the reference implementation).
   */
  public record Preprocessing(
      Resize resize,
      int shortSide,
      int crop,
      CropMode cropMode,
      double scale,
      List<Double> mean,
      List<Double> std,
      ChannelOrder channelOrder) {

    public Preprocessing {
      mean = List.copyOf(mean);
      std = List.copyOf(std);
    }
  }

  /** The output tensor: one row of {@code classes} scores per clip. */
  public record Output(String name, OutputType type, int classes) {}

  /** Clip frames x the values each takes in a tensor: C x T x crop x crop floats per clip. */
  public long[] clipShape(Input input) {
    return new long[] {CHANNELS, input.frames(), preprocessing.crop(), preprocessing.crop()};
  }

  /** D = T·tau / reference fps, in seconds, as PyTorchVideo's clip_duration. */
  public static double clipDuration(int frames, double samplingRate, double referenceFps) {
    return frames * samplingRate / referenceFps;
  }

  /**
   * The clip frames feeding a slow pathway: trunc(linspace(0, T-1, T / alpha)), as PyTorchVideo's
   * PackPathway. Exact integer arithmetic, identical to manifest.py's slow_indices.
   */
  public static int[] slowIndices(int frames, int alpha) {
    int n = alpha < 1 ? 0 : frames / alpha;
    if (n < 1) {
      throw new IllegalArgumentException(alpha + " leaves no slow frames from " + frames);
    }
    if (n == 1) {
      return new int[] {0};
    }
    return IntStream.range(0, n).map(i -> (int) ((long) i * (frames - 1) / (n - 1))).toArray();
  }

  /**
   * Field values with a fixed YAML spelling (manifest.py's LAYOUTS, PATHWAYS, ... tuples), matched
   * case-sensitively as Python does. Lower-case unless an enum says otherwise.
   */
  public interface Spelled {
    default String spelling() {
      return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
    }
  }

  public enum Layout implements Spelled {
    NCTHW;

    @Override
    public String spelling() {
      return name();
    }
  }

  public enum Pathway implements Spelled {
    /** The whole clip, for single-pathway models (X3D, R(2+1)D, ...). */
    CLIP,
    /** SlowFast's slow pathway: clip frames / alpha. */
    SLOW,
    /** SlowFast's fast pathway: every clip frame. */
    FAST
  }

  public enum ChannelOrder implements Spelled {
    RGB,
    BGR;

    @Override
    public String spelling() {
      return name();
    }
  }

  public enum OutputType implements Spelled {
    LOGITS,
    PROBABILITIES
  }

  public enum Resize implements Spelled {
    /** Half-pixel centres, no antialiasing (OpenCV INTER_LINEAR, torch align_corners=False). */
    BILINEAR
  }

  public enum CropMode implements Spelled {
    CENTER
  }

  public enum Modality implements Spelled {
    RGB
  }
}
