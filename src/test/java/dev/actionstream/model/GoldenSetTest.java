package dev.actionstream.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoldenSetTest {
  @TempDir Path dir;

  /** golden.yaml as tools/modelkit/export.py write_golden lays it out. */
  private static final String YAML =
      """
format: actionstream-golden/v1
model: tiny
tolerance: 0.0001
tolerance_rule: '|actual - expected| <= tolerance * max(1, |expected|), element-wise'
frames: {file: frames.u8, dtype: uint8, shape: [2, 4, 5, 3], layout: THWC, channel_order: RGB}
inputs:
- {name: input, layout: NCTHW, file: input-input.f32, dtype: float32, shape: [1, 3, 2, 2, 2]}
output: {name: logits, type: logits, file: output.f32, dtype: float32, shape: [1, 3]}
""";

  @BeforeEach
  void writeFiles() throws IOException {
    Files.write(dir.resolve("frames.u8"), new byte[2 * 4 * 5 * 3]);
    Files.write(dir.resolve("input-input.f32"), new byte[3 * 2 * 2 * 2 * 4]);
    ByteBuffer out = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    out.putFloat(1.5f).putFloat(-2f).putFloat(250f);
    Files.write(dir.resolve("output.f32"), out.array());
  }

  private GoldenSet load(String yaml) throws IOException {
    Files.writeString(dir.resolve("golden.yaml"), yaml);
    return GoldenSet.load(dir);
  }

  @Test
  void goldenSetWrittenByTheModelKitLoads() throws IOException {
    GoldenSet g = load(YAML);

    assertEquals(1e-4, g.tolerance());
    assertArrayEquals(new long[] {2, 4, 5, 3}, g.frames().shape());
    assertEquals(List.of("input"), List.copyOf(g.inputs().keySet()));
    assertEquals("logits", g.outputName());
    assertArrayEquals(new float[] {1.5f, -2f, 250f}, GoldenSet.readFloatArray(g.output()));
    assertTrue(GoldenSet.readFloats(g.inputs().get("input")).isDirect());
  }

  @Test
  void toleranceIsAbsoluteNearZeroAndRelativeForLargeValues() {
    assertEquals(5e-5, GoldenSet.scaledError(0.00005f, 0f), 1e-9);
    assertEquals(1e-5, GoldenSet.scaledError(200.002f, 200f), 1e-6);
  }

  @Test
  void fileShorterThanItsShapeIsRefusedNamingTheEntry() throws IOException {
    Files.write(dir.resolve("input-input.f32"), new byte[10]);
    ManifestError e = assertThrows(ManifestError.class, () -> load(YAML));
    assertEquals("golden.inputs[0].file", e.field());
    assertTrue(e.getMessage().contains("needs 96 bytes but the file has 10"), e.getMessage());
  }

  @Test
  void unknownFormatIsRefused() {
    ManifestError e =
        assertThrows(ManifestError.class, () -> load(YAML.replace("golden/v1", "golden/v2")));
    assertEquals("golden.format", e.field());
  }

  @Test
  void unknownToleranceRuleIsRefused() {
    ManifestError e =
        assertThrows(ManifestError.class, () -> load(YAML.replace("* max(1, |expected|)", "")));
    assertEquals("golden.tolerance_rule", e.field());
  }

  @Test
  void wrongDtypeIsRefused() {
    ManifestError e =
        assertThrows(
            ManifestError.class,
            () ->
                load(
                    YAML.replace(
                        "file: output.f32, dtype: float32", "file: output.f32, dtype: float64")));
    assertEquals("golden.output.dtype", e.field());
  }
}
