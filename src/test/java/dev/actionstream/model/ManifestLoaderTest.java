package dev.actionstream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.model.ModelManifest.Clip;
import dev.actionstream.model.ModelManifest.Input;
import dev.actionstream.model.ModelManifest.Layout;
import dev.actionstream.model.ModelManifest.OutputType;
import dev.actionstream.model.ModelManifest.Pathway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestLoaderTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path dir;

  /** What modelkit.manifest.build_manifest writes for a small single-input model. */
  private static ObjectNode validManifest() {
    ObjectNode m = YAML.createObjectNode();
    m.put("format", "actionstream-model/v1").put("name", "tiny").put("family", "test");
    m.put("description", "").put("onnx", "model.onnx").put("labels", "labels.txt");
    m.putObject("clip")
        .put("frames", 8)
        .put("sampling_rate", 4.0)
        .put("reference_fps", 30.0)
        .put("duration", 1.066667);
    m.putArray("inputs")
        .addObject()
        .put("name", "input")
        .put("layout", "NCTHW")
        .put("frames", 8)
        .put("pathway", "clip");
    ObjectNode pre = m.putObject("preprocessing");
    pre.put("resize", "bilinear").put("short_side", 72).put("crop", 64).put("crop_mode", "center");
    pre.put("scale", 1.0 / 255);
    pre.putArray("mean").add(0.45).add(0.45).add(0.45);
    pre.putArray("std").add(0.225).add(0.225).add(0.225);
    pre.put("channel_order", "RGB");
    m.put("modality", "rgb");
    m.putObject("output").put("name", "logits").put("type", "logits").put("classes", 3);
    m.putObject("source").put("arch", "tiny"); // extra fields are allowed, as in Python
    return m;
  }

  /** SlowFast-style: slow takes T/alpha frames, fast all T. */
  private static ObjectNode slowFastManifest() {
    ObjectNode m = validManifest();
    ((ObjectNode) m.get("clip"))
        .put("frames", 32)
        .put("sampling_rate", 2.0)
        .put("duration", 2.133333);
    ArrayNode inputs = m.putArray("inputs");
    inputs
        .addObject()
        .put("name", "slow")
        .put("layout", "NCTHW")
        .put("frames", 8)
        .put("pathway", "slow")
        .put("alpha", 4);
    inputs
        .addObject()
        .put("name", "fast")
        .put("layout", "NCTHW")
        .put("frames", 32)
        .put("pathway", "fast");
    return m;
  }

  private Path write(ObjectNode manifest) throws IOException {
    Files.write(dir.resolve("labels.txt"), List.of("walking", "", "running", "jumping"));
    Path file = dir.resolve("manifest.yaml");
    YAML.writeValue(file.toFile(), manifest);
    return file;
  }

  @Test
  void validManifestLoadsWithPathsResolvedAgainstItsDirectory() throws IOException {
    ModelManifest m = ManifestLoader.load(write(validManifest()));

    assertEquals("tiny", m.name());
    assertEquals("test", m.family());
    assertEquals(dir.resolve("model.onnx").toAbsolutePath(), m.onnx());
    assertEquals(dir.resolve("labels.txt").toAbsolutePath(), m.labelsFile());
    assertEquals(List.of("walking", "running", "jumping"), m.labels(), "blank lines are skipped");
    assertEquals(new Clip(8, 4.0, 30.0, 1.066667), m.clip());
    assertEquals(List.of(new Input("input", Layout.NCTHW, 8, Pathway.CLIP, 0)), m.inputs());
    assertEquals(72, m.preprocessing().shortSide());
    assertEquals(64, m.preprocessing().crop());
    assertEquals(List.of(0.225, 0.225, 0.225), m.preprocessing().std());
    assertEquals(ChannelOrder.RGB, m.preprocessing().channelOrder());
    assertEquals(new ModelManifest.Output("logits", OutputType.LOGITS, 3), m.output());
    assertArrayEquals(new long[] {3, 8, 64, 64}, m.clipShape(m.inputs().get(0)));
  }

  @Test
  void fp16VariantIsOptionalAndResolvedAgainstTheManifestsDirectory() throws IOException {
    assertEquals(null, ManifestLoader.load(write(validManifest())).onnxFp16());

    ObjectNode withVariant = validManifest().put("onnx_fp16", "half/model.fp16.onnx");
    ModelManifest m = ManifestLoader.load(write(withVariant));

    assertEquals(dir.resolve("half/model.fp16.onnx").toAbsolutePath(), m.onnxFp16());
    assertEquals(dir.resolve("model.onnx").toAbsolutePath(), m.onnx());
  }

  @Test
  void slowFastManifestLoadsBothPathwaysWithPackPathwayFrames() throws IOException {
    ModelManifest m = ManifestLoader.load(write(slowFastManifest()));

    Input slow = m.inputs().get(0);
    assertEquals(new Input("slow", Layout.NCTHW, 8, Pathway.SLOW, 4), slow);
    // trunc(linspace(0, 31, 8)), as PyTorchVideo's PackPathway and manifest.slow_indices.
    assertArrayEquals(new int[] {0, 4, 8, 13, 17, 22, 26, 31}, slow.frameIndices(32));
    assertEquals(32, m.inputs().get(1).frameIndices(32).length);
  }

  /** The repo's own manifests (written by modelkit.export --manifests-only) are valid here too. */
  static List<Path> configManifests() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("config", "models"))) {
      List<Path> found = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertFalse(found.isEmpty(), "no manifests in config/models");
      return found;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configManifests")
  void manifestUnderConfigModelsLoads(Path file) {
    ModelManifest m = ManifestLoader.load(file);
    assertEquals(m.output().classes(), m.labels().size());
  }

  @Test
  void slowIndicesMatchManifestPy() {
    assertArrayEquals(new int[] {0}, ModelManifest.slowIndices(4, 4));
    assertArrayEquals(new int[] {0, 12}, ModelManifest.slowIndices(13, 6));
    assertArrayEquals(new int[] {0, 5, 10, 15}, ModelManifest.slowIndices(16, 4));
    assertThrows(IllegalArgumentException.class, () -> ModelManifest.slowIndices(3, 4));
  }

  /** Each bad field with the start of its message, in manifest.py's wording. */
  static Stream<Arguments> badFields() {
    return Stream.of(
        bad(
            m -> m.put("format", "actionstream-model/v0"),
            "format: expected 'actionstream-model/v1', got 'actionstream-model/v0'"),
        bad(m -> m.remove("name"), "name: missing"),
        bad(m -> m.put("onnx", ""), "onnx: must be a non-empty string"),
        bad(m -> m.put("labels", 7), "labels: must be a non-empty string"),
        bad(m -> m.put("onnx_fp16", ""), "onnx_fp16: must be a non-empty string"),
        bad(m -> m.put("onnx_fp16", 16), "onnx_fp16: must be a non-empty string"),
        bad(
            m -> m.put("onnx_fp16", "./model.onnx"),
            "onnx_fp16: './model.onnx' is the float32 model (onnx); name the fp16 variant's file"),
        bad(m -> m.remove("clip"), "clip: missing"),
        bad(m -> clip(m).put("frames", 0), "clip.frames: must be a positive integer, got 0"),
        bad(m -> clip(m).put("frames", 8.5), "clip.frames: must be a positive integer, got 8.5"),
        bad(m -> clip(m).put("sampling_rate", -1), "clip.sampling_rate: must be > 0, got -1"),
        bad(
            m -> clip(m).put("reference_fps", "fast"),
            "clip.reference_fps: must be a number, got 'fast'"),
        bad(
            m -> clip(m).put("duration", 2.0),
            "clip.duration: 2.0 != frames*sampling_rate/reference_fps = 1.066667"),
        bad(m -> m.putArray("inputs"), "inputs: must be a non-empty list"),
        bad(m -> input(m, 0).remove("name"), "inputs[0].name: missing"),
        bad(
            m -> input(m, 0).put("layout", "NTCHW"),
            "inputs[0].layout: 'NTCHW' not one of ('NCTHW', 'NCHW')"),
        bad(
            m -> clip(m).put("sampling", "random"),
            "clip.sampling: 'random' not one of ('uniform', 'segments')"),
        bad(m -> clip(m).put("segments", 2), "clip.segments: only with sampling: segments"),
        bad(m -> clip(m).put("sampling", "segments"), "clip.segments: missing"),
        bad(
            m -> clip(m).put("sampling", "segments").put("segments", 3),
            "clip.segments: 3 does not divide clip.frames 8"),
        bad(
            m -> clip(m).put("sampling", "segments").put("segments", 4).put("duration", 1.0),
            "clip.duration: 1.0 < frames*sampling_rate/reference_fps = 1.066667"),
        bad(
            m -> output(m).put("consensus", "average"),
            "output.consensus: 'average' needs NCHW inputs (one row per segment)"),
        bad(
            m -> output(m).put("consensus", "max"),
            "output.consensus: 'max' not one of ('none', 'average')"),
        bad(
            m -> input(m, 0).put("pathway", "slowest"),
            "inputs[0].pathway: 'slowest' not one of ('clip', 'slow', 'fast')"),
        bad(
            m -> input(m, 0).put("frames", 13),
            "inputs[0].frames: 13 != clip.frames 8 for pathway clip"),
        bad(
            m -> ((ArrayNode) m.get("inputs")).add(input(m, 0).deepCopy()),
            "inputs[1].name: duplicate input name 'input'"),
        bad(m -> pre(m).remove("short_side"), "preprocessing.short_side: missing"),
        bad(m -> pre(m).put("crop", 80), "preprocessing.crop: 80 > short_side 72"),
        bad(
            m -> pre(m).put("resize", "nearest"),
            "preprocessing.resize: 'nearest' not one of ('bilinear')"),
        bad(
            m -> pre(m).put("crop_mode", "random"),
            "preprocessing.crop_mode: 'random' not one of ('center')"),
        bad(
            m -> pre(m).putArray("mean").add(0.5).add(0.5),
            "preprocessing.mean: must list 3 values (one per channel)"),
        bad(
            m -> pre(m).putArray("std").add(0.2).add(0).add(0.2),
            "preprocessing.std: values must be > 0"),
        bad(m -> pre(m).put("scale", 0), "preprocessing.scale: must be > 0, got 0"),
        bad(
            m -> pre(m).put("channel_order", "rgb"),
            "preprocessing.channel_order: 'rgb' not one of ('RGB', 'BGR')"),
        bad(m -> m.put("modality", "depth"), "modality: 'depth' not one of ('rgb', 'flow')"),
        bad(
            m -> m.put("modality", "flow"),
            "preprocessing.mean: must list 2 values (one per flow component, x and y)"),
        bad(m -> flowModel(m).remove("flow"), "flow: missing"),
        bad(m -> m.putObject("flow").put("method", "farneback"), "flow: only with modality: flow"),
        bad(
            m -> flowModel(m).with("flow").put("method", "brox"),
            "flow.method: 'brox' not one of ('farneback', 'tvl1')"),
        bad(m -> flowModel(m).with("flow").put("bound", 0), "flow.bound: must be > 0, got 0"),
        bad(
            m -> flowModel(m).with("flow").put("encoding", "jpeg"),
            "flow.encoding: 'jpeg' not one of ('raw', 'quantized')"),
        bad(
            m -> input(flowModel(m), 0).put("layout", "NCTHW"),
            "inputs[0].layout: modality 'flow' needs layout NCHW"),
        bad(
            m -> clip(flowModel(m)).put("sampling", "segments").put("segments", 8)
                .put("duration", 2.0),
            "clip.frames: modality 'flow' needs at least 2 frames per segment, got 1"),
        bad(m -> output(m).remove("name"), "output.name: missing"),
        bad(
            m -> output(m).put("type", "scores"),
            "output.type: 'scores' not one of ('logits', 'probabilities')"),
        bad(m -> output(m).put("classes", 0), "output.classes: must be a positive integer, got 0"),
        bad(
            m -> output(m).put("classes", 400),
            "labels: 3 labels in labels.txt != output.classes 400"),
        bad(m -> m.put("labels", "kinetics400.txt"), "labels: cannot read "));
  }

  /** The test manifest turned into a valid flow model: NCHW, 2 channels, a flow section. */
  private static ObjectNode flowModel(ObjectNode m) {
    m.put("modality", "flow");
    input(m, 0).put("layout", "NCHW");
    pre(m).putArray("mean").add(128).add(128);
    pre(m).putArray("std").add(128).add(128);
    m.putObject("flow").put("method", "farneback").put("bound", 20.0).put("encoding", "quantized");
    return m;
  }

  /** SlowFast-only fields. */
  static Stream<Arguments> badSlowFastFields() {
    return Stream.of(
        bad(m -> input(m, 0).remove("alpha"), "inputs[0].alpha: missing"),
        bad(
            m -> input(m, 0).put("alpha", 64),
            "inputs[0].alpha: 64 leaves no slow frames from clip.frames 32"),
        bad(m -> input(m, 0).put("frames", 4), "inputs[0].frames: 4 != clip.frames 32 // alpha 4"),
        bad(
            m -> input(m, 1).put("frames", 8),
            "inputs[1].frames: 8 != clip.frames 32 for pathway fast"));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("badFields")
  void badFieldIsRefusedWithMessageNamingIt(
      String field, Consumer<ObjectNode> mutation, String message) throws IOException {
    assertRefused(validManifest(), field, mutation, message);
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("badSlowFastFields")
  void badSlowFastFieldIsRefusedWithMessageNamingIt(
      String field, Consumer<ObjectNode> mutation, String message) throws IOException {
    assertRefused(slowFastManifest(), field, mutation, message);
  }

  @Test
  void segmentsAndFlowLoadWithTheirShapes() throws IOException {
    ObjectNode doc = flowModel(validManifest());
    // 8 frames as 2 segments of 4 (3 flow fields each) over a 2 s window; tau 4 at 30 fps.
    clip(doc).put("sampling", "segments").put("segments", 2).put("duration", 2.0);
    output(doc).put("consensus", "average");
    ModelManifest m = ManifestLoader.load(write(doc));

    assertEquals(new Clip(8, 4.0, 30.0, 2.0, ModelManifest.Sampling.SEGMENTS, 2), m.clip());
    assertEquals(new ModelManifest.Flow(ModelManifest.FlowMethod.FARNEBACK, 20.0,
        ModelManifest.FlowEncoding.QUANTIZED), m.flow());
    assertEquals(ModelManifest.Consensus.AVERAGE, m.output().consensus());
    assertEquals(2, m.channels());
    assertEquals(3, m.stackedUnits());
    // Two rows per clip, of 3 fields x (x, y).
    assertArrayEquals(new long[] {2, 6, 64, 64}, m.clipShape(m.inputs().get(0)));
    assertArrayEquals(new long[] {6, 6, 64, 64}, m.inputShape(m.inputs().get(0), 3));
    assertEquals(2, m.outputRowsPerClip());
    // Segment centres 0.5 s and 1.5 s after the window start; frames 4/30 s apart around them.
    double[] at = m.clip().sampleTimes(10_000, 2_000);
    double step = 4.0 / 30 * 1000;
    double[] expected = new double[8];
    for (int g = 0; g < 2; g++) {
      for (int j = 0; j < 4; j++) {
        expected[g * 4 + j] = 8_000 + (g + 0.5) * 1000 + (j - 1.5) * step;
      }
    }
    assertArrayEquals(expected, at, 1e-9);
  }

  @Test
  void uniformSampleTimesSpanTheWindow() {
    Clip c = new Clip(5, 1.0, 10.0, 0.5);
    assertArrayEquals(new double[] {500, 625, 750, 875, 1000}, c.sampleTimes(1000, 500), 1e-9);
  }

  @Test
  void invalidYamlIsRefusedAsManifest() throws IOException {
    Path file = dir.resolve("manifest.yaml");
    Files.writeString(file, "format: [unclosed\n");
    ManifestError e = assertThrows(ManifestError.class, () -> ManifestLoader.load(file));
    assertEquals("manifest", e.field());
    assertTrue(e.getMessage().startsWith("manifest: not valid YAML"), e.getMessage());
  }

  @Test
  void emptyFileIsRefusedAsManifest() throws IOException {
    Path file = dir.resolve("manifest.yaml");
    Files.writeString(file, "");
    ManifestError e = assertThrows(ManifestError.class, () -> ManifestLoader.load(file));
    assertEquals("manifest", e.field());
  }

  @Test
  void missingFileIsRefusedAsManifest() {
    ManifestError e =
        assertThrows(ManifestError.class, () -> ManifestLoader.load(dir.resolve("nope.yaml")));
    assertEquals(
        "manifest: cannot read " + dir.resolve("nope.yaml") + ": no such file", e.getMessage());
  }

  private void assertRefused(
      ObjectNode manifest, String field, Consumer<ObjectNode> mutation, String message)
      throws IOException {
    mutation.accept(manifest);
    Path file = write(manifest);
    ManifestError e = assertThrows(ManifestError.class, () -> ManifestLoader.load(file));
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.getMessage().startsWith(message), () -> "message: " + e.getMessage());
  }

  /** A mutation and the message it must produce; the field is the message up to ": ". */
  private static Arguments bad(Consumer<ObjectNode> mutation, String message) {
    return Arguments.of(message.substring(0, message.indexOf(": ")), mutation, message);
  }

  private static ObjectNode clip(ObjectNode m) {
    return (ObjectNode) m.get("clip");
  }

  private static ObjectNode input(ObjectNode m, int i) {
    return (ObjectNode) m.get("inputs").get(i);
  }

  private static ObjectNode pre(ObjectNode m) {
    return (ObjectNode) m.get("preprocessing");
  }

  private static ObjectNode output(ObjectNode m) {
    return (ObjectNode) m.get("output");
  }
}
