package dev.actionstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.inference.ExecutionProvider.Kind;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model kit's fp16 variant of the demo X3D ({@code python3 -m modelkit.fp16}, run here as a
 * child process on a copy of models/demo/x3d), opened by ONNX Runtime Java on the CPU next to the
 * float32 model: same top class on the golden clip, every score within 1e-2 (scaled as golden
 * parity scales it) there and on random clips.
 *
 * <p>The CPU provider has few float16 kernels; ONNX Runtime runs the rest in float32 behind casts
 * it inserts itself, so on a CPU this checks the conversion (weights rounded to float16, the
 * float32 interface), not GPU fp16 arithmetic.
 */
class Fp16VariantIT {
  static final double TOLERANCE = 1e-2;
  static final String PYTHON = "/usr/bin/python3";

  @TempDir Path tmp;

  @Test
  void fp16VariantOfTheDemoModelScoresLikeTheFloat32Model() throws Exception {
    Path dir = copy(Path.of("models/demo/x3d"), tmp.resolve("x3d"));
    String log = runModelKit(dir);

    ModelManifest m = ManifestLoader.load(dir.resolve("manifest.yaml"));
    assertEquals(dir.resolve("model.fp16.onnx").toAbsolutePath(), m.onnxFp16(), log);
    ExecutionProvider cpuFp16 = new ExecutionProvider(Kind.CPU, 0, 0, true, null);
    GoldenSet golden = GoldenSet.load(GoldenSet.dirOf(m));

    try (ModelSession fp32 = ModelSession.open(m, new SessionSettings(2));
        ModelSession fp16 = ModelSession.open(m, new SessionSettings(2).withProvider(cpuFp16))) {
      ClipBuffers a = fp32.newBuffers(1);
      ClipBuffers b = fp16.newBuffers(1);
      GoldenParity.fill(a, golden, 0);
      GoldenParity.fill(b, golden, 0);
      float[] want = fp32.run(a, 1)[0];
      float[] got = fp16.run(b, 1)[0];
      double goldenError = maxScaledError(got, want);
      assertEquals(GoldenParity.argmax(want), GoldenParity.argmax(got), "top class");

      Random random = new Random(7);
      double randomError = 0;
      for (int clip = 0; clip < 4; clip++) {
        fillRandom(a.clip(0, 0), fillRandom(b.clip(0, 0), random.nextLong()));
        randomError = Math.max(randomError, maxScaledError(fp16.run(b, 1)[0], fp32.run(a, 1)[0]));
      }
      System.out.printf(
          "fp16 variant vs float32 on the CPU: max scaled error %.2e (golden clip), %.2e (4 random"
              + " clips)%n",
          goldenError, randomError);
      assertTrue(goldenError <= TOLERANCE, "golden clip: " + goldenError);
      assertTrue(randomError <= TOLERANCE, "random clips: " + randomError);
    }
  }

  private static double maxScaledError(float[] actual, float[] expected) {
    double max = 0;
    for (int k = 0; k < expected.length; k++) {
      max = Math.max(max, GoldenSet.scaledError(actual[k], expected[k]));
    }
    return max;
  }

  /** Fills {@code buffer} with normalised-pixel-like values from {@code seed}; returns the seed. */
  private static long fillRandom(FloatBuffer buffer, long seed) {
    Random r = new Random(seed);
    buffer.clear();
    while (buffer.hasRemaining()) {
      buffer.put((float) r.nextGaussian());
    }
    buffer.flip();
    return seed;
  }

  private static String runModelKit(Path modelDir) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(PYTHON, "-m", "modelkit.fp16", modelDir.toString())
            .directory(Path.of("tools").toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "modelkit.fp16 still running");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return to;
  }
}
