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
 * and compute, float32 inputs and outputs), null when the manifest names none. {@code flow} is
 * null unless {@code modality} is {@link Modality#FLOW}.
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
    Flow flow,
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
   * @param frames T, the frames sampled per clip
   * @param samplingRate tau: sample spacing in frames of video at {@code referenceFps}
   * @param referenceFps the frame rate the model was trained at (30 for Kinetics)
   * @param duration D seconds: T·tau / referenceFps for uniform sampling; the window the segments
   *     split for {@link Sampling#SEGMENTS}
   * @param sampling uniform over the window, or K segments of L = T/K frames each (TSN)
   * @param segments K; 1 for uniform sampling
   */
  public record Clip(
      int frames,
      double samplingRate,
      double referenceFps,
      double duration,
      Sampling sampling,
      int segments) {

    /** Uniform sampling, the 3D networks' clip. */
    public Clip(int frames, double samplingRate, double referenceFps, double duration) {
      this(frames, samplingRate, referenceFps, duration, Sampling.UNIFORM, 1);
    }

    /** L: the frames of one segment (all T for uniform sampling). */
    public int framesPerSegment() {
      return frames / segments;
    }

    /**
     * The capture times (ms) the clip's T frames are sampled at, for a window ending at {@code
     * end} and lasting {@code durationMs}: uniform t_i = end − D + i·D/(T−1); segments t_{g,j} = end − D + (g + ½)·D/K + (j −
     * (L−1)/2)·tau/fps (tools/modelkit/manifest.py sample_times).
     */
    public double[] sampleTimes(long end, long durationMs) {
      double[] at = new double[frames];
      if (sampling == Sampling.UNIFORM) {
        for (int i = 0; i < frames; i++) {
          at[i] = frames == 1 ? end : end - durationMs + (double) i * durationMs / (frames - 1);
        }
        return at;
      }
      int l = framesPerSegment();
      double spacingMs = samplingRate / referenceFps * 1000.0;
      double segmentMs = (double) durationMs / segments;
      for (int g = 0; g < segments; g++) {
        double centre = end - durationMs + (g + 0.5) * segmentMs;
        for (int j = 0; j < l; j++) {
          at[g * l + j] = centre + (j - (l - 1) / 2.0) * spacingMs;
        }
      }
      return at;
    }
  }

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

  /**
   * The output tensor: {@code classes} scores per clip, or per segment when {@code consensus} is
   * {@link Consensus#AVERAGE} (the engine then averages each clip's K rows).
   */
  public record Output(String name, OutputType type, int classes, Consensus consensus) {
    public Output(String name, OutputType type, int classes) {
      this(name, type, classes, Consensus.NONE);
    }
  }

  /**
   * Optical flow for {@link Modality#FLOW}: how it is computed, clipped to ±{@code bound} pixels
   * and encoded before {@code preprocessing}'s scale, mean and std apply.
   */
  public record Flow(FlowMethod method, double bound, FlowEncoding encoding) {}

  /** Channels per frame (RGB: 3) or per flow field (x, y: 2). */
  public int channels() {
    return modality == Modality.FLOW ? 2 : CHANNELS;
  }

  /**
   * Units one clip row stacks along channels in an NCHW input: the segment's L frames, or the
   * L − 1 flow fields between them.
   */
  public int stackedUnits() {
    int l = clip.framesPerSegment();
    return modality == Modality.FLOW ? l - 1 : l;
  }

  /** ONNX rows per clip: K segments for NCHW inputs, 1 for NCTHW. */
  public int rowsPerClip(Input input) {
    return input.layout() == Layout.NCHW ? clip.segments() : 1;
  }

  /** Output rows per clip: K when the engine averages the segments, else 1. */
  public int outputRowsPerClip() {
    return output.consensus() == Consensus.AVERAGE ? clip.segments() : 1;
  }

  /**
   * The floats of one clip in an input, as the ONNX dims after the batch one: C x T x crop x crop
   * for NCTHW; K rows of C·S x crop x crop for NCHW (the leading K folds into the batch axis).
   */
  public long[] clipShape(Input input) {
    int crop = preprocessing.crop();
    if (input.layout() == Layout.NCHW) {
      return new long[] {clip.segments(), (long) channels() * stackedUnits(), crop, crop};
    }
    return new long[] {CHANNELS, input.frames(), crop, crop};
  }

  /** The ONNX shape of an input holding {@code n} clips. */
  public long[] inputShape(Input input, int n) {
    long[] c = clipShape(input);
    return input.layout() == Layout.NCHW
        ? new long[] {n * c[0], c[1], c[2], c[3]}
        : new long[] {n, c[0], c[1], c[2], c[3]};
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
    /** Batch, channel, time, height, width: a 3D network's clip. */
    NCTHW,
    /** Rows of segments, frames or flow fields stacked along channels: a 2D network's input. */
    NCHW;

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
    RGB,
    /** Optical flow between consecutive clip frames, computed by the engine. */
    FLOW
  }

  public enum Sampling implements Spelled {
    /** T frames spread evenly over the window, its first and last instants included. */
    UNIFORM,
    /** K equal segments, L frames centred in each (TSN). */
    SEGMENTS
  }

  public enum Consensus implements Spelled {
    /** The graph gives one row per clip. */
    NONE,
    /** The graph gives one row per segment; the engine averages them (TSN). */
    AVERAGE
  }

  public enum FlowMethod implements Spelled {
    FARNEBACK,
    TVL1
  }

  public enum FlowEncoding implements Spelled {
    /** The clipped displacement in pixels. */
    RAW,
    /** rint((v + bound)·255/(2·bound)): the 8-bit value flow JPEG files store. */
    QUANTIZED
  }
}
