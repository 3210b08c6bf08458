package dev.actionstream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.actionstream.inference.ModelSignature;
import dev.actionstream.topology.TopologyConfig.Provider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The topology files shipped under topologies/ load, and their models pass the start check. */
class TopologyFilesTest {
  private static final Path DIR = Path.of("topologies");
  private static final List<String> DEMO_EPISODE_LABELS =
      List.of("move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall");

  @TempDir Path tmp;

  @Test
  void everyShippedTopologyIsTested() throws IOException {
    try (var files = Files.list(DIR)) {
      assertEquals(
          List.of("c3d.yaml", "demo-slowfast.yaml", "demo-two-stream.yaml", "demo.yaml", "hidden-two-stream.yaml", "i3d.yaml",
              "mc3-18.yaml", "r2plus1d-18.yaml", "r3d-18.yaml", "s3d.yaml", "slowfast-r50.yaml", "t3d.yaml",
              "tsn-r50.yaml", "two-stream.yaml", "x3d-s.yaml"),
          files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
              .toList());
    }
  }

  @Test
  void demoLoadsAndItsModelPassesTheCheck() {
    TopologyConfig t = TopologyLoader.loadAndCheck(DIR.resolve("demo.yaml"), null);

    assertEquals("actionstream-demo", t.applicationId());
    assertEquals("demo_x3d", t.model().name());
    assertEquals(DEMO_EPISODE_LABELS, t.episodes().labels());
    assertEquals(List.of("fall"), t.episodes().alertLabels());
    assertEquals(Provider.CPU, t.inference().provider());
  }

  @Test
  void demoSlowFastLoadsAndItsModelPassesTheCheck() {
    TopologyConfig t = TopologyLoader.loadAndCheck(DIR.resolve("demo-slowfast.yaml"), null);

    assertEquals("demo_slowfast", t.model().name());
    ModelSignature signature = ModelCheck.check(t);
    assertEquals(2, signature.inputs().size());
    assertEquals(DEMO_EPISODE_LABELS, t.episodes().labels());
    assertEquals(List.of("fall"), t.episodes().alertLabels());
  }

  @Test
  void demoTwoStreamLoadsAndBothItsModelsPassTheCheck() {
    TopologyConfig t = TopologyLoader.loadAndCheck(DIR.resolve("demo-two-stream.yaml"), null);

    assertEquals("demo-two-stream", t.modelName());
    assertEquals(List.of("demo_two_stream_rgb", "demo_two_stream_flow"),
        t.members().stream().map(m -> m.manifest().name()).toList());
    assertEquals(List.of(1.0, 1.5), t.members().stream().map(TopologyConfig.Member::weight).toList());
    assertEquals(DEMO_EPISODE_LABELS, t.episodes().labels());
    assertEquals(8, t.maxClipFrames());
  }

  @ParameterizedTest
  @CsvSource({"x3d-s.yaml, x3d_s", "slowfast-r50.yaml, slowfast_r50", "r3d-18.yaml, r3d_18", "mc3-18.yaml, mc3_18",
      "r2plus1d-18.yaml, r2plus1d_18", "s3d.yaml, s3d", "c3d.yaml, c3d", "i3d.yaml, i3d", "t3d.yaml, t3d",
      "tsn-r50.yaml, tsn_r50", "two-stream.yaml, two-stream", "hidden-two-stream.yaml, hidden-two-stream"})
  void officialTopologyLoadsWithoutItsOnnxFile(String file, String model) {
    TopologyConfig t = TopologyLoader.load(DIR.resolve(file));

    assertEquals(model, t.modelName());
    assertEquals(400, t.model().labels().size());
    assertTrue(t.episodes().labels().containsAll(t.episodes().alertLabels()));
  }

  @ParameterizedTest
  @CsvSource({"x3d-s.yaml, x3d_s", "slowfast-r50.yaml, slowfast_r50", "r3d-18.yaml, r3d_18",
      "mc3-18.yaml, mc3_18", "r2plus1d-18.yaml, r2plus1d_18", "s3d.yaml, s3d"})
  void missingOnnxFileIsReportedWithTheExportCommand(String file, String arch) {
    Path topology = DIR.resolve(file);
    TopologyConfig t = TopologyLoader.load(topology);
    assumeTrue(!Files.exists(t.model().onnx()), "the user has exported " + arch);

    TopologyError e =
        assertThrows(TopologyError.class, () -> TopologyLoader.loadAndCheck(topology, null));

    assertEquals("model", e.field());
    assertTrue(e.reason().startsWith("../config/models/" + arch + ".yaml: onnx: no such file: "),
        e.getMessage());
    assertTrue(
        e.reason().contains("Create it from the repository root with: cd tools && python3 -m "
            + "modelkit.export --arch " + arch + " --checkpoint "),
        e.getMessage());
    assertTrue(e.reason().contains("--out ../models/" + arch), e.getMessage());
    assertTrue(e.reason().contains("download the checkpoint first: https://"), e.getMessage());
  }

  /** Networks without published weights in our layout: the export command, no checkpoint. */
  @ParameterizedTest
  @CsvSource({"c3d.yaml, c3d, model", "i3d.yaml, i3d, model", "t3d.yaml, t3d, model",
      "tsn-r50.yaml, tsn_r50, model", "two-stream.yaml, two_stream_rgb, model.fuse[0].manifest",
      "hidden-two-stream.yaml, two_stream_rgb, model.fuse[0].manifest"})
  void missingOnnxFileOfARandomWeightFamilyGivesTheExportCommand(String file, String arch, String field) {
    Path topology = DIR.resolve(file);
    assumeTrue(!Files.exists(TopologyLoader.load(topology).model().onnx()), "the user has exported " + arch);

    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.loadAndCheck(topology, null));

    assertEquals(field, e.field());
    assertTrue(e.reason().contains("Create it from the repository root with: cd tools && python3 -m "
        + "modelkit.export --arch " + arch + " --out ../models/" + arch), e.getMessage());
  }

  /**
   * Each family's topology file in full, with the model bin/test exports to target/test-models
   * (random weights, the same architecture): the shipped file in a copy of the repository layout.
   */
  @ParameterizedTest
  @CsvSource({"x3d-s.yaml, x3d_s, 'input float32[batch,3,13,182,182]'",
      "r3d-18.yaml, r3d_18, 'input float32[batch,3,16,112,112]'",
      "mc3-18.yaml, mc3_18, 'input float32[batch,3,16,112,112]'",
      "r2plus1d-18.yaml, r2plus1d_18, 'input float32[batch,3,16,112,112]'",
      "s3d.yaml, s3d, 'input float32[batch,3,32,224,224]'",
      "c3d.yaml, c3d, 'input float32[batch,3,16,112,112]'",
      "i3d.yaml, i3d, 'input float32[batch,3,32,224,224]'",
      "t3d.yaml, t3d, 'input float32[batch,3,16,112,112]'",
      "tsn-r50.yaml, tsn_r50, 'input float32[batch,3,224,224]'",
      "two-stream.yaml, two_stream_rgb two_stream_flow, 'input float32[batch,3,224,224]'",
      "hidden-two-stream.yaml, two_stream_rgb hidden_two_stream, 'input float32[batch,3,224,224]'"})
  void familyTopologyPassesTheCheckWithAnExportedModel(String file, String archs, String input) throws IOException {
    Path models = Files.createDirectories(tmp.resolve("config/models/labels"));
    Files.copy(Path.of("config/models/labels/kinetics400.txt"), models.resolve("kinetics400.txt"));
    Files.createDirectories(tmp.resolve("models"));
    List<String> names = List.of(archs.split(" "));
    for (String arch : names) {
      Path exported = Path.of("target/test-models/" + arch).toAbsolutePath();
      assumeTrue(
          Files.isRegularFile(exported.resolve("model.onnx")),
          "no " + arch + " export in target/test-models (bin/test makes one)");
      Files.copy(Path.of("config/models/" + arch + ".yaml"), tmp.resolve("config/models/" + arch + ".yaml"));
      Files.createSymbolicLink(tmp.resolve("models/" + arch), exported);
    }
    Path topology = Files.createDirectories(tmp.resolve("topologies")).resolve(file);
    Files.copy(DIR.resolve(file), topology);

    TopologyConfig t = TopologyLoader.loadAndCheck(topology, null);

    assertEquals(names, t.members().stream().map(m -> m.manifest().name()).toList());
    assertEquals(List.of(input), ModelCheck.check(t).inputs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo.yaml", "demo-slowfast.yaml", "demo-two-stream.yaml", "x3d-s.yaml", "slowfast-r50.yaml", "r3d-18.yaml",
      "mc3-18.yaml", "r2plus1d-18.yaml", "s3d.yaml", "c3d.yaml", "i3d.yaml", "t3d.yaml", "tsn-r50.yaml",
      "two-stream.yaml", "hidden-two-stream.yaml"})
  void shippedTopologiesNameDistinctApplicationsAndTopics(String file) {
    TopologyConfig t = TopologyLoader.load(DIR.resolve(file));

    assertTrue(t.applicationId().startsWith("actionstream-"), t.applicationId());
    assertEquals("frames", t.input().topic());
  }
}
