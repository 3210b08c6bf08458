package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 2D networks' inputs (MANIFEST.md, "2D networks"): NCHW rows of stacked frames or flow
 * fields, and the flow stage (gray crop, flow, clipping, encoding, normalisation).
 */
class TwoDInputsTest {
  @TempDir Path dir;

  /** A manifest for an ONNX file that need not exist: layouts and stages only read the manifest. */
  private ModelManifest manifest(String modality, int frames, String clip, String extra, String meanStd)
      throws IOException {
    Files.write(dir.resolve("labels.txt"), List.of("a", "b", "c"));
    Path file = dir.resolve("m.yaml");
    Files.writeString(file, """
        format: actionstream-model/v1
        name: twod
        onnx: model.onnx
        labels: labels.txt
        clip: %s
        inputs: [{name: input, layout: NCHW, frames: %d, pathway: clip}]
        preprocessing: {resize: bilinear, short_side: 32, crop: 24, crop_mode: center, scale: 1.0,
          %s, channel_order: RGB}
        modality: %s
        output: {name: logits, type: logits, classes: 3, consensus: average}
        %s
        """.formatted(clip, frames, meanStd, modality, extra));
    return ManifestLoader.load(file);
  }

  @Test
  void nchwRowsStackEachSegmentsFramesAlongChannels() throws IOException {
    ModelManifest m = manifest("rgb", 4,
        "{frames: 4, sampling_rate: 1.0, reference_fps: 10.0, duration: 1.0, sampling: segments, segments: 2}",
        "", "mean: [0, 0, 0], std: [1, 1, 1]");
    int area = 24 * 24;
    float[][] frames = new float[4][3 * area + 5];
    for (int t = 0; t < 4; t++) {
      for (int i = 0; i < 3 * area; i++) {
        frames[t][5 + i] = t * 10_000 + i; // offset 5: other models' floats come first
      }
    }
    ClipBuffers buffers = ClipBuffers.allocate(m, 2);
    new ClipAssembler(m).fill(buffers, 1, frames, 5);

    // Slot 1 holds rows 2 and 3 of the batch: segment g, channel j·3 + c = frame g·2 + j, colour c.
    FloatBuffer slot = buffers.clip(0, 1);
    assertEquals(2 * 6 * area, slot.remaining());
    for (int g = 0; g < 2; g++) {
      for (int j = 0; j < 2; j++) {
        for (int c = 0; c < 3; c++) {
          int channel = j * 3 + c;
          for (int k = 0; k < area; k += 53) {
            float expected = (g * 2 + j) * 10_000 + c * area + k;
            assertEquals(expected, slot.get((g * 6 + channel) * area + k), "g" + g + " j" + j + " c" + c);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"farneback", "tvl1"})
  void flowFieldsAreClippedQuantizedAndNormalised(String method) throws IOException {
    // One segment of 4 frames: 3 fields, each 2 channels.
    ModelManifest m = manifest("flow", 4,
        "{frames: 4, sampling_rate: 1.0, reference_fps: 10.0, duration: 0.4, sampling: segments, segments: 1}",
        "flow: {method: " + method + ", bound: 1.5, encoding: quantized}",
        "mean: [128, 128], std: [128, 128]");
    assertEquals(6, m.clipShape(m.inputs().get(0))[1]);
    FrameStage stage = FrameStage.of(m, RegionOfInterest.FULL);
    assertTrue(stage instanceof GrayCrop);
    float[][] gray = new float[4][stage.frameFloats()];
    // Content moves 3 px right per frame, more than the bound.
    for (int t = 0; t < 4; t++) {
      try (Mat image = OpticalFlowTest.texture(48, 40, 3 * t, 0)) {
        stage.process(image, ChannelOrder.BGR, gray[t], 0);
      }
    }
    for (float v : gray[0]) {
      assertTrue(v >= 0 && v <= 255 && v == Math.rint(v), "8-bit gray value " + v);
    }
    try (ClipUnits units = new ClipUnits(m)) {
      float[][] fields = units.of(gray, 0);
      assertEquals(3, fields.length);
      int area = 24 * 24;
      for (float[] f : fields) {
        // Centre pixel: x clipped to +bound → quantized 255; y about 0 → about 128.
        int centre = 12 * 24 + 12;
        assertEquals((255 - 128) / 128f, f[centre], 1e-6, "x at +bound");
        assertEquals(0, f[area + centre], 3 / 128f, "y near 0");
        for (float v : f) {
          float q = v * 128 + 128;
          assertEquals(Math.rint(q), q, 1e-3, "quantized to 8-bit levels");
          assertTrue(q >= 0 && q <= 255);
        }
      }
      ClipBuffers buffers = ClipBuffers.allocate(m, 1);
      new ClipAssembler(m).fill(buffers, 0, fields, units.offset(0));
      FloatBuffer slot = buffers.clip(0, 0);
      for (int u = 0; u < 3; u++) {
        assertEquals(fields[u][0], slot.get(u * 2 * area), "field " + u + " x");
        assertEquals(fields[u][area + 7], slot.get((u * 2 + 1) * area + 7), "field " + u + " y");
      }
    }
  }

  @Test
  void rawEncodingKeepsTheClippedDisplacementInPixels() throws IOException {
    ModelManifest m = manifest("flow", 2,
        "{frames: 2, sampling_rate: 1.0, reference_fps: 10.0, duration: 0.2, sampling: segments, segments: 1}",
        "flow: {method: farneback, bound: 2.0, encoding: raw}",
        "mean: [0, 0], std: [0.5, 0.5]");
    FrameStage stage = FrameStage.of(m, RegionOfInterest.FULL);
    float[][] gray = new float[2][stage.frameFloats()];
    for (int t = 0; t < 2; t++) {
      try (Mat image = OpticalFlowTest.texture(48, 40, t, 0)) { // 1 px right: within the bound
        stage.process(image, ChannelOrder.BGR, gray[t], 0);
      }
    }
    try (ClipUnits units = new ClipUnits(m)) {
      float[] f = units.of(gray, 0)[0];
      int area = 24 * 24;
      int centre = 12 * 24 + 12;
      // 1 px of the 48x40 frame is 0.8 px after the resize to a short side of 32; / std 0.5 =
      // 1.6. Every value within ±bound / std = ±4.
      assertEquals(1.6, f[centre], 0.2, "x displacement of 0.8 px, normalised");
      for (float v : f) {
        assertTrue(Math.abs(v) <= 4.0f, "clipped to the bound: " + v);
      }
      assertEquals(0, f[area + centre], 0.3, "no vertical motion");
    }
  }
}
