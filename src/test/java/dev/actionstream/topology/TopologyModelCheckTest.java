package dev.actionstream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start check: the topology's model must open and match its manifest. */
class TopologyModelCheckTest {
  @TempDir Path tmp;

  @Test
  void modelThatDoesNotMatchItsManifestIsReportedOnModel() throws IOException {
    // The demo manifest claiming 16 frames where the ONNX graph takes 8.
    Path demo = TopologyFiles.DEMO_MODEL;
    Files.writeString(
        tmp.resolve("m.yaml"),
        Files.readString(demo)
            .replace(
                "clip: {frames: 8, sampling_rate: 6.0, reference_fps: 30.0, duration: 1.6}",
                "clip: {frames: 16, sampling_rate: 3.0, reference_fps: 30.0, duration: 1.6}")
            .replace("frames: 8, pathway: clip", "frames: 16, pathway: clip")
            .replace("../../models/", demo.getParent() + "/../../models/"));
    Path file = TopologyFiles.write(tmp, "application-id: t\nmodel: m.yaml\n");
    TopologyConfig t = TopologyLoader.load(file);

    TopologyError e = assertThrows(TopologyError.class, () -> ModelCheck.check(t));

    assertEquals("model", e.field());
    assertEquals(
        "m.yaml: inputs[0].frames: manifest says 16 but ONNX input 'input' has dim 8",
        e.reason());
  }

  @Test
  void openedSessionUsesTheGivenSettings() {
    TopologyConfig t = TopologyLoader.load(TopologyFiles.minimal(tmp, ""));

    try (ModelSession session = ModelCheck.open(t, new SessionSettings(2))) {
      assertEquals(2, session.settings().intraOpThreads());
      assertEquals(t.model(), session.manifest());
    }
  }
}
