package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.actionstream.TestModels;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Parity on real footage, decoder included: for every model exported with {@code --real-frames}
 * (bin/test does so for one model per family), the engine decodes the JPEG files of {@code
 * golden/real/} with its own decoder (OpenCV through JavaCV), preprocesses and runs them, and must
 * give the pixels OpenCV decoded in Python and PyTorch's output on them, within the golden
 * tolerance.
 */
class RealFramesParityTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<Path> modelsWithRealFrames() {
    List<Path> found = new ArrayList<>();
    for (Path manifest : TestModels.withGolden()) {
      if (Files.isRegularFile(realDir(manifest).resolve("real.yaml"))) {
        found.add(manifest);
      }
    }
    return found;
  }

  private static Path realDir(Path manifest) {
    return manifest.resolveSibling(GoldenSet.DIR).resolve("real");
  }

  @TestFactory
  Stream<DynamicTest> realJpegFramesGiveOpenCvsPixelsAndPyTorchsOutput() {
    List<Path> models = modelsWithRealFrames();
    if (models.isEmpty()) {
      return Stream.of(DynamicTest.dynamicTest("no model with golden/real", () ->
          assumeTrue(false, "no exported model has golden/real/ (bin/test exports them with --real-frames)")));
    }
    return models.stream().map(p -> DynamicTest.dynamicTest(p.getParent().getFileName().toString(), () -> check(p)));
  }

  private static void check(Path manifestFile) throws Exception {
    ModelManifest m = ManifestLoader.load(manifestFile);
    Path dir = realDir(manifestFile);
    JsonNode doc = YAML.readTree(dir.resolve("real.yaml").toFile());
    JsonNode shape = doc.path("decoded").path("shape"); // T, H, W, 3
    int frames = shape.get(0).asInt();
    int height = shape.get(1).asInt();
    int width = shape.get(2).asInt();
    assertEquals(m.clip().frames(), frames, "real clip frames");
    byte[] rgb = Files.readAllBytes(dir.resolve(doc.path("decoded").path("file").asText()));
    int frameBytes = height * width * 3;

    FrameStage pre = FrameStage.of(m, RegionOfInterest.FULL);
    float[][] planes = new float[frames][pre.frameFloats()];
    byte[] bgr = new byte[frameBytes];
    int maxPixelDiff = 0;
    try (FrameDecoder decoder = new FrameDecoder()) {
      for (int t = 0; t < frames; t++) {
        byte[] jpeg = Files.readAllBytes(dir.resolve(doc.path("jpeg").get(t).asText()));
        Mat image = decoder.decode(jpeg);
        assertEquals(width, image.cols(), "decoded width");
        assertEquals(height, image.rows(), "decoded height");
        image.data().get(bgr);
        for (int i = 0; i < frameBytes; i += 3) {
          for (int c = 0; c < 3; c++) {
            int java = bgr[i + 2 - c] & 0xff; // BGR here, RGB in decoded.u8
            int python = rgb[t * frameBytes + i + c] & 0xff;
            maxPixelDiff = Math.max(maxPixelDiff, Math.abs(java - python));
          }
        }
        pre.process(image, ChannelOrder.BGR, planes[t], 0);
      }
    }
    float[] expected = GoldenSet.readFloatArray(new GoldenSet.Array(
        dir.resolve(doc.path("output").path("file").asText()), GoldenSet.Dtype.FLOAT32,
        new long[] {1, m.output().classes()}));
    try (ModelSession session = ModelSession.open(m, new SessionSettings(2));
        ClipUnits units = new ClipUnits(m)) {
      ClipBuffers clips = session.newBuffers(1);
      new ClipAssembler(m).fill(clips, 0, units.of(planes, 0), units.offset(0));
      // Flow models: the engine's flow from its own decoding against Python's OpenCV flow.
      String inputReport = "";
      for (JsonNode in : doc.path("inputs")) {
        int i = m.inputs().stream().map(ModelManifest.Input::name).toList().indexOf(in.path("name").asText());
        float[] expectedInput = GoldenSet.readFloatArray(new GoldenSet.Array(
            dir.resolve(in.path("file").asText()), GoldenSet.Dtype.FLOAT32, m.inputShape(m.inputs().get(i), 1)));
        java.nio.FloatBuffer actual = clips.clip(i, 0);
        double maxInput = 0;
        for (int k = 0; k < expectedInput.length; k++) {
          maxInput = Math.max(maxInput, Math.abs(actual.get(k) - expectedInput[k]));
        }
        inputReport += "; flow input %s max |Δ| %.3e".formatted(in.path("name").asText(), maxInput);
        assertEquals(0.0, maxInput, "the engine's optical flow equals OpenCV's in Python, bit for bit");
      }
      float[] scores = session.run(clips, 1)[0];
      double maxAbs = 0;
      double maxScaled = 0;
      for (int k = 0; k < expected.length; k++) {
        maxAbs = Math.max(maxAbs, Math.abs(scores[k] - expected[k]));
        maxScaled = Math.max(maxScaled, GoldenSet.scaledError(scores[k], expected[k]));
      }
      System.out.printf("%s real frames (%s): pixels max |Δ| %d vs OpenCV %s%s; output max |Δ| %.3e, scaled %.3e vs PyTorch%n",
          m.name(), doc.path("description").asText().split(",")[0], maxPixelDiff, doc.path("opencv").asText(),
          inputReport, maxAbs, maxScaled);
      assertEquals(0, maxPixelDiff, "the engine's JPEG decoder gives OpenCV's pixels");
      double d = maxScaled;
      double tolerance = doc.path("tolerance").asDouble();
      assertTrue(d <= tolerance, () -> "%s: output scaled max |Δ| %.3e > %.1e".formatted(m.name(), d, tolerance));
    }
  }
}
