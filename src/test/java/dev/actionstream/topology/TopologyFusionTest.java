package dev.actionstream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model: {name, fuse: [...]}}: late fusion of models in one topology file. */
class TopologyFusionTest {
  private static final Path X3D = TopologyFiles.DEMO_MODEL;
  private static final Path SLOWFAST = Path.of("config/models/demo-slowfast.yaml").toAbsolutePath();

  @TempDir Path tmp;

  private Path fusion(String members) {
    return TopologyFiles.write(tmp, "application-id: t\nmodel:\n  name: demo-fusion\n  fuse:\n" + members);
  }

  private static String member(Path manifest, String weight) {
    return "    - manifest: " + manifest + "\n" + (weight == null ? "" : "      weight: " + weight + "\n");
  }

  @Test
  void fusedModelsLoadWithWeightsAndOpenTogether() {
    TopologyConfig t = TopologyLoader.load(fusion(member(X3D, "1") + member(SLOWFAST, null)));

    assertEquals("demo-fusion", t.modelName());
    assertEquals(2, t.members().size());
    assertEquals("demo_x3d", t.members().get(0).manifest().name());
    assertEquals("demo_slowfast", t.members().get(1).manifest().name());
    assertEquals(1.0, t.members().get(1).weight(), "weight defaults to 1");
    assertEquals(t.members().get(0).manifest(), t.model(), "labels and clip come from the first");
    assertEquals(16, t.maxClipFrames());
    // Both ONNX files open against their manifests.
    assertEquals("input float32[batch,3,8,64,64]", ModelCheck.check(t).inputs().get(0));
    assertEquals(2, ModelCheck.openAll(t, new dev.actionstream.inference.SessionSettings(1)).stream()
        .peek(dev.actionstream.inference.ModelSession::close).count());
  }

  @Test
  void oneModelIsNotAFusion() {
    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.load(fusion(member(X3D, "1"))));
    assertEquals("model.fuse", e.field());
    assertTrue(e.reason().startsWith("must list at least 2 models"), e.getMessage());
  }

  @Test
  void weightMustBePositive() {
    TopologyError e = assertThrows(TopologyError.class,
        () -> TopologyLoader.load(fusion(member(X3D, "1") + member(SLOWFAST, "0"))));
    assertEquals("model.fuse[1].weight", e.field());
  }

  @Test
  void fusedModelsMustShareLabels() throws IOException {
    // The demo X3D with its labels in another order.
    Path labels = tmp.resolve("labels.txt");
    java.util.List<String> names = new java.util.ArrayList<>(Files.readAllLines(
        X3D.getParent().resolve("../../models/demo/x3d/labels.txt").normalize()));
    java.util.Collections.reverse(names);
    Files.write(labels, names);
    Path other = tmp.resolve("other.yaml");
    Files.writeString(other, Files.readString(X3D)
        .replaceAll("labels: .*", "labels: " + labels)
        .replace("../../models/", X3D.getParent() + "/../../models/"));
    TopologyError e = assertThrows(TopologyError.class,
        () -> TopologyLoader.load(fusion(member(X3D, "1") + member(other, "1"))));
    assertEquals("model.fuse[1].manifest", e.field());
    assertTrue(e.reason().contains("labels differ"), e.getMessage());
  }

  @Test
  void fusedModelsMustShareTheWindow() throws IOException {
    // The demo SlowFast with tau 4 instead of 3: a valid manifest over 2.13 s instead of 1.6 s.
    Path longer = tmp.resolve("longer.yaml");
    Files.writeString(longer, Files.readString(SLOWFAST)
        .replace("sampling_rate: 3.0, reference_fps: 30.0, duration: 1.6",
            "sampling_rate: 4.0, reference_fps: 30.0, duration: 2.133333")
        .replace("../../models/", SLOWFAST.getParent() + "/../../models/"));
    TopologyError e = assertThrows(TopologyError.class,
        () -> TopologyLoader.load(fusion(member(X3D, "1") + member(longer, "1"))));
    assertEquals("model.fuse[1].manifest", e.field());
    assertTrue(e.reason().contains("clip duration 2133 ms differs from demo_x3d's 1600 ms"), e.getMessage());
  }

  @Test
  void aBadMemberManifestIsReportedOnItsEntry() throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(X3D).replace("modality: rgb", "modality: depth"));
    TopologyError e = assertThrows(TopologyError.class,
        () -> TopologyLoader.load(fusion(member(X3D, "1") + member(bad, "1"))));
    assertEquals("model.fuse[1].manifest", e.field());
    assertTrue(e.reason().contains("modality: 'depth' not one of"), e.getMessage());
  }

  @Test
  void unknownKeysAndAMissingNameAreRefused() {
    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.load(TopologyFiles.write(tmp,
        "application-id: t\nmodel:\n  fuse:\n" + member(X3D, "1") + member(SLOWFAST, "1"))));
    assertEquals("model.name", e.field());
    e = assertThrows(TopologyError.class, () -> TopologyLoader.load(TopologyFiles.write(tmp,
        "application-id: t\nmodel:\n  name: f\n  weights: [1, 2]\n  fuse:\n" + member(X3D, "1") + member(SLOWFAST, "1"))));
    assertTrue(e.getMessage().contains("weights"), e.getMessage());
  }
}
