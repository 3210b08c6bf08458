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
          List.of("demo-slowfast.yaml", "demo.yaml", "slowfast-r50.yaml", "x3d-s.yaml"),
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

  @ParameterizedTest
  @CsvSource({"x3d-s.yaml, x3d_s", "slowfast-r50.yaml, slowfast_r50"})
  void officialTopologyLoadsWithoutItsOnnxFile(String file, String model) {
    TopologyConfig t = TopologyLoader.load(DIR.resolve(file));

    assertEquals(model, t.model().name());
    assertEquals(400, t.model().labels().size());
    assertTrue(t.episodes().labels().containsAll(t.episodes().alertLabels()));
  }

  @ParameterizedTest
  @CsvSource({"x3d-s.yaml, x3d_s", "slowfast-r50.yaml, slowfast_r50"})
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

  /**
   * x3d-s.yaml in full, with the X3D-S that bin/test exports to target/test-models (random
   * weights, the official architecture): the shipped file in a copy of the repository layout.
   */
  @Test
  void x3dsTopologyPassesTheCheckWithAnExportedModel() throws IOException {
    Path exported = Path.of("target/test-models/x3d_s").toAbsolutePath();
    assumeTrue(
        Files.isRegularFile(exported.resolve("model.onnx")),
        "no X3D-S export in target/test-models (bin/test makes one)");
    Path models = Files.createDirectories(tmp.resolve("config/models/labels"));
    Files.copy(Path.of("config/models/x3d_s.yaml"), tmp.resolve("config/models/x3d_s.yaml"));
    Files.copy(Path.of("config/models/labels/kinetics400.txt"), models.resolve("kinetics400.txt"));
    Files.createDirectories(tmp.resolve("models"));
    Files.createSymbolicLink(tmp.resolve("models/x3d_s"), exported);
    Path topology = Files.createDirectories(tmp.resolve("topologies")).resolve("x3d-s.yaml");
    Files.copy(DIR.resolve("x3d-s.yaml"), topology);

    TopologyConfig t = TopologyLoader.loadAndCheck(topology, null);

    assertEquals("x3d_s", t.model().name());
    assertEquals(
        List.of("input float32[batch,3,13,182,182]"), ModelCheck.check(t).inputs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo.yaml", "demo-slowfast.yaml", "x3d-s.yaml", "slowfast-r50.yaml"})
  void shippedTopologiesNameDistinctApplicationsAndTopics(String file) {
    TopologyConfig t = TopologyLoader.load(DIR.resolve(file));

    assertTrue(t.applicationId().startsWith("actionstream-"), t.applicationId());
    assertEquals("frames", t.input().topic());
  }
}
