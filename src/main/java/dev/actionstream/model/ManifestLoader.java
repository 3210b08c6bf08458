package dev.actionstream.model;

import static dev.actionstream.model.YamlFields.need;
import static dev.actionstream.model.YamlFields.nonEmptyString;
import static dev.actionstream.model.YamlFields.number;
import static dev.actionstream.model.YamlFields.oneOf;
import static dev.actionstream.model.YamlFields.optionalString;
import static dev.actionstream.model.YamlFields.positiveInt;
import static dev.actionstream.model.YamlFields.positiveNumber;
import static dev.actionstream.model.YamlFields.repr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.model.ModelManifest.Clip;
import dev.actionstream.model.ModelManifest.Consensus;
import dev.actionstream.model.ModelManifest.Flow;
import dev.actionstream.model.ModelManifest.FlowEncoding;
import dev.actionstream.model.ModelManifest.FlowMethod;
import dev.actionstream.model.ModelManifest.Sampling;
import dev.actionstream.model.ModelManifest.CropMode;
import dev.actionstream.model.ModelManifest.Input;
import dev.actionstream.model.ModelManifest.Layout;
import dev.actionstream.model.ModelManifest.Modality;
import dev.actionstream.model.ModelManifest.Output;
import dev.actionstream.model.ModelManifest.OutputType;
import dev.actionstream.model.ModelManifest.Pathway;
import dev.actionstream.model.ModelManifest.Preprocessing;
import dev.actionstream.model.ModelManifest.Resize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a model manifest (YAML) into a {@link ModelManifest}, refusing it with a {@link
 * ManifestError} that names the first bad field.
 *
 * <p>The checks and their order mirror validate() in tools/modelkit/manifest.py, so a manifest the
 * Python kit writes is one the engine reads, and both report the same field. Java adds two checks
 * Python leaves to later: {@code output.classes} is a positive integer and the ONNX file exists.
 */
public final class ManifestLoader {

  private ManifestLoader() {}

  public static ModelManifest load(Path file) {
    Path manifestFile = file.toAbsolutePath().normalize();
    Path dir = manifestFile.getParent();
    JsonNode m = YamlFields.readMapping(manifestFile, "manifest");

    // Identity and files.
    JsonNode format = need(m, "format", "");
    if (!format.isTextual() || !format.asText().equals(ModelManifest.FORMAT)) {
      throw new ManifestError(
          "format", "expected '" + ModelManifest.FORMAT + "', got " + repr(format));
    }
    String name = nonEmptyString(m, "name", "");
    String onnx = nonEmptyString(m, "onnx", "");
    String labelsFile = nonEmptyString(m, "labels", "");
    // Optional: the half-precision variant that GPU providers run with fp16 (modelkit.fp16).
    String onnxFp16 = m.has("onnx_fp16") && !m.get("onnx_fp16").isNull()
        ? nonEmptyString(m, "onnx_fp16", "")
        : null;

    Clip clip = clip(need(m, "clip", ""));
    List<Input> inputs = inputs(need(m, "inputs", ""), clip.frames());
    Modality modality = oneOf(m, "modality", "", Modality.class);
    int channels = modality == Modality.FLOW ? 2 : ModelManifest.CHANNELS;
    Preprocessing preprocessing = preprocessing(need(m, "preprocessing", ""), channels);
    Flow flow = modality == Modality.FLOW ? flow(need(m, "flow", ""), clip, inputs) : null;
    if (flow == null && m.hasNonNull("flow")) {
      throw new ManifestError("flow", "only with modality: flow");
    }
    Output output = output(need(m, "output", ""));
    if (output.consensus() == Consensus.AVERAGE
        && inputs.stream().anyMatch(in -> in.layout() != Layout.NCHW)) {
      throw new ManifestError("output.consensus", "'average' needs NCHW inputs (one row per segment)");
    }

    Path labelsPath = dir.resolve(labelsFile).normalize();
    List<String> labels = readLabels(labelsPath);
    if (labels.size() != output.classes()) {
      throw new ManifestError(
          "labels",
          labels.size() + " labels in " + labelsFile + " != output.classes " + output.classes());
    }
    Path onnxPath = dir.resolve(onnx).normalize();
    Path onnxFp16Path = onnxFp16 == null ? null : dir.resolve(onnxFp16).normalize();
    if (onnxPath.equals(onnxFp16Path)) {
      throw new ManifestError("onnx_fp16", "'" + onnxFp16 + "' is the float32 model (onnx); name"
          + " the fp16 variant's file");
    }

    return new ModelManifest(
        manifestFile,
        name,
        optionalString(m, "family"),
        optionalString(m, "description"),
        onnxPath,
        onnxFp16Path,
        labelsPath,
        labels,
        clip,
        inputs,
        preprocessing,
        modality,
        flow,
        output);
  }

  /** One label per non-blank line, as manifest.py's read_labels. */
  public static List<String> readLabels(Path path) {
    try {
      return Files.readAllLines(path, StandardCharsets.UTF_8).stream()
          .filter(line -> !line.isBlank())
          .toList();
    } catch (IOException e) {
      throw new ManifestError("labels", "cannot read " + path + ": " + YamlFields.reason(e), e);
    }
  }

  private static Clip clip(JsonNode clip) {
    int t = positiveInt(clip, "frames", "clip.");
    double tau = positiveNumber(clip, "sampling_rate", "clip.");
    double fps = positiveNumber(clip, "reference_fps", "clip.");
    double d = number(clip, "duration", "clip.");
    double expected = ModelManifest.clipDuration(t, tau, fps);
    Sampling sampling = clip.has("sampling") && !clip.get("sampling").isNull()
        ? oneOf(clip, "sampling", "clip.", Sampling.class)
        : Sampling.UNIFORM;
    if (sampling == Sampling.SEGMENTS) {
      int k = positiveInt(clip, "segments", "clip.");
      if (t % k != 0) {
        throw new ManifestError("clip.segments", k + " does not divide clip.frames " + t);
      }
      // The segments split a window of any length that holds their frames at tau spacing.
      if (d < expected * (1 - 1e-4)) {
        throw new ManifestError("clip.duration", String.format(
            "%s < frames*sampling_rate/reference_fps = %.6f: the segments cannot hold their frames",
            repr(clip.get("duration")), expected));
      }
      return new Clip(t, tau, fps, d, sampling, k);
    }
    if (clip.has("segments") && !clip.get("segments").isNull()) {
      throw new ManifestError("clip.segments", "only with sampling: segments");
    }
    // Python's math.isclose(d, expected, rel_tol=1e-4): the YAML keeps 6 decimals.
    if (Math.abs(d - expected) > 1e-4 * Math.max(Math.abs(d), Math.abs(expected))) {
      throw new ManifestError(
          "clip.duration",
          String.format(
              "%s != frames*sampling_rate/reference_fps = %.6f",
              repr(clip.get("duration")), expected));
    }
    return new Clip(t, tau, fps, d);
  }

  private static List<Input> inputs(JsonNode inputs, int clipFrames) {
    if (!inputs.isArray() || inputs.isEmpty()) {
      throw new ManifestError("inputs", "must be a non-empty list");
    }
    List<Input> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode inp = inputs.get(i);
      String w = "inputs[" + i + "].";
      String name = nonEmptyString(inp, "name", w);
      if (!names.add(name)) {
        throw new ManifestError(w + "name", "duplicate input name '" + name + "'");
      }
      Layout layout = oneOf(inp, "layout", w, Layout.class);
      Pathway pathway = oneOf(inp, "pathway", w, Pathway.class);
      int frames = positiveInt(inp, "frames", w);
      if (layout == Layout.NCHW && pathway == Pathway.SLOW) {
        throw new ManifestError(w + "pathway", "'slow' needs layout NCTHW");
      }
      int alpha = 0;
      if (pathway == Pathway.SLOW) {
        alpha = positiveInt(inp, "alpha", w);
        if (clipFrames / alpha < 1) {
          throw new ManifestError(
              w + "alpha", alpha + " leaves no slow frames from clip.frames " + clipFrames);
        }
        int slowFrames = ModelManifest.slowIndices(clipFrames, alpha).length;
        if (frames != slowFrames) {
          throw new ManifestError(
              w + "frames", frames + " != clip.frames " + clipFrames + " // alpha " + alpha);
        }
      } else if (frames != clipFrames) {
        throw new ManifestError(
            w + "frames",
            frames + " != clip.frames " + clipFrames + " for pathway " + pathway.spelling());
      }
      out.add(new Input(name, layout, frames, pathway, alpha));
    }
    return out;
  }

  private static Flow flow(JsonNode flow, Clip clip, List<Input> inputs) {
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).layout() != Layout.NCHW) {
        throw new ManifestError("inputs[" + i + "].layout", "modality 'flow' needs layout NCHW");
      }
    }
    if (clip.framesPerSegment() < 2) {
      throw new ManifestError("clip.frames", "modality 'flow' needs at least 2 frames per segment,"
          + " got " + clip.framesPerSegment());
    }
    FlowMethod method = oneOf(flow, "method", "flow.", FlowMethod.class);
    double bound = positiveNumber(flow, "bound", "flow.");
    FlowEncoding encoding = oneOf(flow, "encoding", "flow.", FlowEncoding.class);
    return new Flow(method, bound, encoding);
  }

  private static Preprocessing preprocessing(JsonNode pre, int channels) {
    String w = "preprocessing.";
    int shortSide = positiveInt(pre, "short_side", w);
    int crop = positiveInt(pre, "crop", w);
    if (crop > shortSide) {
      throw new ManifestError(w + "crop", crop + " > short_side " + shortSide);
    }
    Resize resize = oneOf(pre, "resize", w, Resize.class);
    CropMode cropMode = oneOf(pre, "crop_mode", w, CropMode.class);
    List<Double> mean = perChannel(pre, "mean", channels);
    List<Double> std = perChannel(pre, "std", channels);
    if (std.stream().anyMatch(s -> !(s > 0))) {
      throw new ManifestError(w + "std", "values must be > 0");
    }
    double scale = positiveNumber(pre, "scale", w);
    ChannelOrder channelOrder = oneOf(pre, "channel_order", w, ChannelOrder.class);
    return new Preprocessing(resize, shortSide, crop, cropMode, scale, mean, std, channelOrder);
  }

  private static List<Double> perChannel(JsonNode pre, String key, int channels) {
    JsonNode v = need(pre, key, "preprocessing.");
    if (!v.isArray() || v.size() != channels) {
      throw new ManifestError("preprocessing." + key, "must list " + channels + " values (one per "
          + (channels == 2 ? "flow component, x and y" : "channel") + ")");
    }
    List<Double> values = new ArrayList<>();
    for (JsonNode x : v) {
      if (!x.isNumber()) {
        throw new ManifestError("preprocessing." + key, "must be numbers, got " + repr(x));
      }
      values.add(x.doubleValue());
    }
    return values;
  }

  private static Output output(JsonNode out) {
    String name = nonEmptyString(out, "name", "output.");
    OutputType type = oneOf(out, "type", "output.", OutputType.class);
    int classes = positiveInt(out, "classes", "output.");
    Consensus consensus = out.has("consensus") && !out.get("consensus").isNull()
        ? oneOf(out, "consensus", "output.", Consensus.class)
        : Consensus.NONE;
    return new Output(name, type, classes, consensus);
  }
}
