package dev.actionstream.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.Input;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the ONNX graph declares, checked against the manifest when a session opens, so that a model
 * that does not match its manifest is refused at start and not at the first clip.
 *
 * <p>Dims the graph leaves symbolic (dynamic) accept the manifest's value; fixed dims must equal
 * it. The batch dim must be dynamic or 1: PyTorchVideo's X3D/SlowFast fix T and crop in the head
 * pool, so only the batch axis can be dynamic, and a model exported at a fixed batch of 8 cannot
 * run the batch-1 clips that CPUs want.
 *
 * @param inputs each ONNX input as {@code name float32[batch,3,13,182,182]}, in manifest order
 * @param output the ONNX output the manifest names, in the same form
 * @param maxBatch 1 where the graph fixes the batch dim, else {@link Integer#MAX_VALUE}
 */
public record ModelSignature(List<String> inputs, String output, int maxBatch) {

  // NCTHW axes.
  private static final int N = 0;
  private static final int C = 1;
  private static final int T = 2;
  private static final int H = 3;
  private static final int W = 4;

  public ModelSignature {
    inputs = List.copyOf(inputs);
  }

  /** Compares the manifest with a session's input and output infos; throws naming the field. */
  public static ModelSignature check(
      ModelManifest manifest, Map<String, NodeInfo> onnxInputs, Map<String, NodeInfo> onnxOutputs) {
    String model = manifest.onnx().getFileName().toString();
    boolean dynamicBatch = true;
    List<String> described = new ArrayList<>();

    for (int i = 0; i < manifest.inputs().size(); i++) {
      Input input = manifest.inputs().get(i);
      String w = "inputs[" + i + "]";
      NodeInfo node = onnxInputs.get(input.name());
      if (node == null) {
        throw new ManifestError(
            w + ".name",
            "'%s' is not an input of %s (ONNX inputs: %s)"
                .formatted(input.name(), model, String.join(", ", onnxInputs.keySet())));
      }
      TensorInfo info = floatTensor(node, w, "input");
      long[] dims = info.getShape();
      String what = "ONNX input '" + input.name() + "'";
      boolean nchw = input.layout() == ModelManifest.Layout.NCHW;
      int rank = nchw ? 4 : 5;
      if (dims.length != rank) {
        throw new ManifestError(
            w + ".layout",
            "%s needs rank %d but %s has shape %s"
                .formatted(input.layout().spelling(), rank, what, describeDims(info)));
      }
      int crop = manifest.preprocessing().crop();
      if (nchw) {
        // N·K rows of C·S stacked channels.
        long[] clip = manifest.clipShape(input);
        dynamicBatch &= rowsDim(dims[0], (int) clip[0], w, what, "clip.segments");
        expectDim(dims[1], (int) clip[1], "modality", what,
            "channel dim (%d %s x %d stacked)".formatted(
                manifest.channels(),
                manifest.modality() == ModelManifest.Modality.FLOW ? "flow components" : "colours",
                manifest.stackedUnits()));
        expectDim(dims[2], crop, "preprocessing.crop", what, "H dim");
        expectDim(dims[3], crop, "preprocessing.crop", what, "W dim");
      } else {
        dynamicBatch &= batchDim(dims[N], w, what);
        expectDim(dims[C], ModelManifest.CHANNELS, "modality", what, "channel dim");
        expectDim(dims[T], input.frames(), w + ".frames", what, "dim");
        expectDim(dims[H], crop, "preprocessing.crop", what, "H dim");
        expectDim(dims[W], crop, "preprocessing.crop", what, "W dim");
      }
      described.add(input.name() + " " + describe(info));
    }
    for (String name : onnxInputs.keySet()) {
      if (manifest.inputs().stream().noneMatch(in -> in.name().equals(name))) {
        throw new ManifestError(
            "inputs", "ONNX input '" + name + "' of " + model + " is not listed in the manifest");
      }
    }

    String outName = manifest.output().name();
    NodeInfo outNode = onnxOutputs.get(outName);
    if (outNode == null) {
      throw new ManifestError(
          "output.name",
          "'%s' is not an output of %s (ONNX outputs: %s)"
              .formatted(outName, model, String.join(", ", onnxOutputs.keySet())));
    }
    TensorInfo out = floatTensor(outNode, "output.name", "output");
    long[] outDims = out.getShape();
    String what = "ONNX output '" + outName + "'";
    if (outDims.length != 2) {
      throw new ManifestError(
          "output.name", what + " has shape " + describeDims(out) + ", expected [batch, classes]");
    }
    dynamicBatch &= rowsDim(outDims[0], manifest.outputRowsPerClip(), "output.consensus", what,
        "output rows per clip");
    expectDim(outDims[1], manifest.output().classes(), "output.classes", what, "dim");

    return new ModelSignature(
        described, outName + " " + describe(out), dynamicBatch ? Integer.MAX_VALUE : 1);
  }

  private static TensorInfo floatTensor(NodeInfo node, String field, String kind) {
    if (!(node.getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
      throw new ManifestError(
          field,
          "ONNX %s '%s' is %s, expected a float32 tensor"
              .formatted(kind, node.getName(), node.getInfo()));
    }
    return info;
  }

  /** True for a dynamic batch dim, false for a fixed 1; anything else is refused. */
  private static boolean batchDim(long dim, String field, String what) {
    if (dim < 0) {
      return true;
    }
    if (dim == 1) {
      return false;
    }
    throw new ManifestError(
        field, what + " has a fixed batch dim " + dim + "; export it with a dynamic batch axis");
  }

  /**
   * The leading dim of a tensor with {@code rows} rows per clip: dynamic (true), or fixed at one
   * clip's rows (false); anything else is refused.
   */
  private static boolean rowsDim(long dim, int rows, String field, String what, String per) {
    if (rows == 1) {
      return batchDim(dim, field, what);
    }
    if (dim < 0) {
      return true;
    }
    if (dim == rows) {
      return false;
    }
    throw new ManifestError(field, "%s has a fixed first dim %d, expected %d (%s) per clip or a"
        .formatted(what, dim, rows, per) + " dynamic axis");
  }

  private static void expectDim(long onnx, int manifest, String field, String what, String dim) {
    if (onnx >= 0 && onnx != manifest) {
      throw new ManifestError(
          field, "manifest says " + manifest + " but " + what + " has " + dim + " " + onnx);
    }
  }

  /** {@code float32[batch,3,13,182,182]}: symbolic dims by name, fixed dims by value. */
  static String describe(TensorInfo info) {
    return "float32" + describeDims(info);
  }

  private static String describeDims(TensorInfo info) {
    long[] dims = info.getShape();
    String[] names = info.getDimensionNames();
    String[] parts = new String[dims.length];
    for (int d = 0; d < dims.length; d++) {
      boolean named = d < names.length && names[d] != null && !names[d].isEmpty();
      parts[d] = dims[d] >= 0 ? Long.toString(dims[d]) : named ? names[d] : "?";
    }
    return Arrays.stream(parts).collect(Collectors.joining(",", "[", "]"));
  }
}
