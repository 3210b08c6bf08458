package dev.actionstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.actionstream.TestModels;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real ONNX models from {@link TestModels}: parity with PyTorch, refusal of mismatches, sharing.
 */
class ModelSessionTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Small and quick: for the tests that open or run a model many times. */
  private static ModelManifest small;

  @TempDir Path tmp;

  @BeforeAll
  static void pickSmallModel() {
    small = TestModels.smallest();
  }

  static List<Path> modelsWithGolden() {
    return TestModels.withGolden();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modelsWithGolden")
  void goldenOutputMatchesPyTorchWithinTolerance(Path manifestFile) throws OrtException {
    ModelManifest m = ManifestLoader.load(manifestFile);
    GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(m));
    try (ModelSession session = ModelSession.open(m, SessionSettings.defaults())) {
      GoldenParity.Result r = GoldenParity.check(session, golden);

      assertTrue(
          r.passed(),
          () ->
              "%s: max |Δ| %.3e, scaled %.3e > tolerance %.1e"
                  .formatted(m.name(), r.maxAbsDiff(), r.maxScaledError(), r.tolerance()));
      assertEquals(r.goldenTopClass(), r.topClass(), "top class");
    }
  }

  // ---- a model that does not match its manifest is refused at open, naming the field ----

  /** Mutations of the small model's manifest, each with the start of the message it must give. */
  static Stream<Arguments> mismatches() {
    ModelManifest m = TestModels.smallest();
    ModelManifest.Input in0 = m.inputs().get(0);
    int crop = m.preprocessing().crop();
    int shortSide = m.preprocessing().shortSide();
    int classes = m.output().classes();
    return Stream.of(
        mismatch(
            ModelSessionTest::doubleClipFrames,
            "inputs[0].frames: manifest says %d but ONNX input '%s' has dim %d"
                .formatted(in0.frames() * 2, in0.name(), in0.frames())),
        mismatch(
            (tree, dir) -> pre(tree).put("crop", crop + 2).put("short_side", shortSide + 2),
            "preprocessing.crop: manifest says %d but ONNX input '%s' has H dim %d"
                .formatted(crop + 2, in0.name(), crop)),
        mismatch(
            (tree, dir) -> addLabel(tree, dir, classes),
            "output.classes: manifest says %d but ONNX output '%s' has dim %d"
                .formatted(classes + 1, m.output().name(), classes)),
        mismatch(
            (tree, dir) -> ((ObjectNode) tree.get("output")).put("name", "scores"),
            "output.name: 'scores' is not an output of " + m.onnx().getFileName()),
        mismatch(
            (tree, dir) -> ((ObjectNode) tree.get("inputs").get(0)).put("name", "video"),
            "inputs[0].name: 'video' is not an input of " + m.onnx().getFileName()),
        mismatch((tree, dir) -> tree.put("onnx", "missing.onnx"), "onnx: no such file: "),
        mismatch(ModelSessionTest::notOnnx, "onnx: cannot load "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mismatches")
  void modelNotMatchingItsManifestIsRefusedAtOpen(
      String field, BiConsumer<ObjectNode, Path> mutation, String message) throws IOException {
    ModelManifest changed = ManifestLoader.load(rewrite(small, mutation));

    ManifestError e =
        assertThrows(ManifestError.class, () -> ModelSession.open(changed, new SessionSettings(1)));
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.getMessage().startsWith(message), () -> "message: " + e.getMessage());
  }

  // ---- batching and sharing ----

  @Test
  void eachClipOfABatchScoresAsItDoesAlone() throws OrtException {
    GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(small));
    try (ModelSession session = ModelSession.open(small, SessionSettings.defaults())) {
      ClipBuffers batch = session.newBuffers(3);
      for (int slot = 0; slot < 3; slot++) {
        GoldenParity.fill(batch, golden, slot);
        scale(batch, slot, 1f - 0.25f * slot); // different data per slot
      }
      float[][] together = session.run(batch, 3);

      ClipBuffers one = session.newBuffers(1);
      for (int slot = 0; slot < 3; slot++) {
        GoldenParity.fill(one, golden, 0);
        scale(one, 0, 1f - 0.25f * slot);
        float[] alone = session.run(one, 1)[0];
        for (int k = 0; k < alone.length; k++) {
          assertTrue(
              GoldenSet.scaledError(together[slot][k], alone[k]) <= 1e-5,
              "slot " + slot + " class " + k + ": " + together[slot][k] + " vs " + alone[k]);
        }
      }
      assertFalse(Arrays.equals(together[0], together[2]), "slots hold different clips");
    }
  }

  @Test
  void concurrentRunsOnOneSharedSessionGiveIdenticalResults() throws Exception {
    GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(small));
    int threads = 4;
    int runsEach = 5;
    try (ModelSession session = ModelSession.open(small, SessionSettings.defaults())) {
      ClipBuffers reference = session.newBuffers(1);
      GoldenParity.fill(reference, golden, 0);
      float[] expected = session.run(reference, 1)[0];

      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<float[]>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Callable<List<float[]>> caller =
            () -> {
              ClipBuffers own = session.newBuffers(1); // buffers are per caller, the session shared
              GoldenParity.fill(own, golden, 0);
              start.await();
              List<float[]> out = new ArrayList<>();
              for (int i = 0; i < runsEach; i++) {
                out.add(session.run(own, 1)[0]);
              }
              return out;
            };
        results.add(pool.submit(caller));
      }
      start.countDown();
      try {
        for (Future<List<float[]>> f : results) {
          for (float[] scores : f.get(60, TimeUnit.SECONDS)) {
            assertArrayEquals(expected, scores);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void runAfterCloseFailsAndCloseIsIdempotent() {
    ModelSession session = ModelSession.open(small, new SessionSettings(1));
    ClipBuffers clips = session.newBuffers(1);
    session.close();
    session.close();
    assertThrows(IllegalStateException.class, () -> session.run(clips, 1));
  }

  @Test
  void buffersOfAnotherModelAndOversizedBatchesAreRefused() {
    try (ModelSession a = ModelSession.open(small, new SessionSettings(1));
        ModelSession b =
            ModelSession.open(ManifestLoader.load(small.file()), new SessionSettings(1))) {
      ClipBuffers fromB = b.newBuffers(2);
      assertThrows(IllegalArgumentException.class, () -> a.run(fromB, 1));
      assertThrows(IllegalArgumentException.class, () -> b.run(fromB, 3));
      assertThrows(IllegalArgumentException.class, () -> b.run(fromB, 0));
    }
  }

  // ---- helpers ----

  private static void scale(ClipBuffers clips, int slot, float factor) {
    for (int i = 0; i < clips.inputCount(); i++) {
      FloatBuffer clip = clips.clip(i, slot);
      for (int k = 0; k < clip.capacity(); k++) {
        clip.put(k, clip.get(k) * factor);
      }
    }
  }

  /**
   * A copy of the manifest in tmp, pointing at the original ONNX and labels files, then mutated.
   */
  private Path rewrite(ModelManifest m, BiConsumer<ObjectNode, Path> mutation) throws IOException {
    ObjectNode tree = (ObjectNode) YAML.readTree(m.file().toFile());
    tree.put("onnx", m.onnx().toString());
    tree.put("labels", m.labelsFile().toString());
    mutation.accept(tree, tmp);
    Path file = tmp.resolve("manifest.yaml");
    YAML.writeValue(file.toFile(), tree);
    return file;
  }

  /** Twice the clip frames, consistently across clip and inputs, so only the ONNX check objects. */
  private static void doubleClipFrames(ObjectNode tree, Path dir) {
    ObjectNode clip = (ObjectNode) tree.get("clip");
    int frames = clip.get("frames").intValue() * 2;
    clip.put("frames", frames);
    clip.put(
        "duration",
        ModelManifest.clipDuration(
            frames,
            clip.get("sampling_rate").doubleValue(),
            clip.get("reference_fps").doubleValue()));
    tree.get("inputs")
        .forEach(
            in -> {
              ObjectNode input = (ObjectNode) in;
              boolean slow = input.get("pathway").asText().equals("slow");
              input.put("frames", slow ? frames / input.get("alpha").intValue() : frames);
            });
  }

  private static void addLabel(ObjectNode tree, Path dir, int classes) {
    try {
      Path labels = dir.resolve("labels-plus-one.txt");
      Files.write(
          labels,
          IntStream.rangeClosed(0, classes)
              .mapToObj(i -> "label " + i)
              .collect(Collectors.toList()));
      tree.put("labels", labels.toString());
      ((ObjectNode) tree.get("output")).put("classes", classes + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void notOnnx(ObjectNode tree, Path dir) {
    try {
      Path bogus = dir.resolve("bogus.onnx");
      Files.writeString(bogus, "not a protobuf");
      tree.put("onnx", bogus.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode pre(ObjectNode tree) {
    return (ObjectNode) tree.get("preprocessing");
  }

  /** A mutation and the message it must produce; the field is the message up to ": ". */
  private static Arguments mismatch(BiConsumer<ObjectNode, Path> mutation, String message) {
    return Arguments.of(message.substring(0, message.indexOf(": ")), mutation, message);
  }
}
