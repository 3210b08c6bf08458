package dev.actionstream.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.actionstream.frames.ClipUnits;
import dev.actionstream.frames.GrayCrop;
import dev.actionstream.frames.RegionOfInterest;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.GoldenParity;
import dev.actionstream.inference.ModelBench;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code actionstream model-bench MANIFEST}: golden parity, then ms per clip of the bare model on
 * reused direct buffers (no decode, no preprocessing).
 */
@Command(
    name = "model-bench",
    mixinStandardHelpOptions = true,
    description = {
      "Check golden parity and time the bare model: ms per clip, clips/s.",
      "",
      "Compares ONNX Runtime's output on the golden inputs with PyTorch's (when <model dir>/golden/"
          + " exists; exit code 3 when it differs by more than the tolerance), then times runs on"
          + " reused buffers: no decode, no preprocessing."
    })
final class ModelBenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MANIFEST", description = "the model's manifest.yaml")
  Path manifestFile;

  @Option(
      names = "--iterations",
      paramLabel = "N",
      defaultValue = "20",
      description = "timed runs (default ${DEFAULT-VALUE})")
  int iterations;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "3",
      description = "untimed runs first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "ONNX Runtime intra-op threads (default: available processors)")
  Integer threads;

  @Option(
      names = "--spin",
      description = "let idle ONNX Runtime threads busy-wait (faster on an idle machine only)")
  boolean spin;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1",
      description = "clips per run (default ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
  Path json;

  /** What --json writes. {@code parity} is null where the model has no golden set. */
  record Report(
      String model,
      String onnx,
      String onnxRuntime,
      String java,
      int availableProcessors,
      int intraOpThreads,
      boolean spinning,
      Parity parity,
      ModelBench.Result bench,
      ModelBench.Result flow) {}

  record Parity(
      double maxAbsDiff,
      double maxScaledError,
      double tolerance,
      boolean passed,
      int topClass,
      int goldenTopClass) {
    static Parity of(GoldenParity.Result r) {
      return new Parity(
          r.maxAbsDiff(),
          r.maxScaledError(),
          r.tolerance(),
          r.passed(),
          r.topClass(),
          r.goldenTopClass());
    }
  }

  @Override
  public Integer call() throws OrtException, IOException {
    requireAtLeast("--iterations", iterations, 1);
    requireAtLeast("--warmup", warmup, 0);
    requireAtLeast("--batch", batch, 1);
    if (threads != null) {
      requireAtLeast("--threads", threads, 1);
    }
    PrintWriter out = spec.commandLine().getOut();
    ModelManifest m = ManifestLoader.load(manifestFile);
    SessionSettings settings =
        new SessionSettings(
            threads == null ? SessionSettings.defaults().intraOpThreads() : threads, spin);
    try (ModelSession session = ModelSession.open(m, settings)) {
      Summary.print(out, session);
      GoldenSet golden = GoldenSet.existsFor(m) ? GoldenSet.load(GoldenSet.dirOf(m)) : null;
      Parity parity = null;
      if (golden != null) {
        GoldenParity.Result r = GoldenParity.check(session, golden);
        parity = Parity.of(r);
        out.printf(
            "golden parity: max |Δ| %.3e, max |Δ|/max(1,|expected|) %.3e %s tolerance %.1e,"
                + " top class %d (PyTorch %d): %s%n",
            r.maxAbsDiff(),
            r.maxScaledError(),
            r.passed() ? "<=" : ">",
            r.tolerance(),
            r.topClass(),
            r.goldenTopClass(),
            r.passed() ? "OK" : "FAILED");
      } else {
        out.println("golden parity: no golden set, skipped");
      }

      ModelBench.Result bench = null;
      ModelBench.Result flow = null;
      if (parity == null || parity.passed()) {
        ClipBuffers clips = session.newBuffers(batch);
        for (int slot = 0; slot < batch; slot++) {
          if (golden != null) {
            GoldenParity.fill(clips, golden, slot);
          } else {
            fillSynthetic(clips, slot);
          }
        }
        bench = ModelBench.run(session, clips, warmup, iterations);
        out.printf(
            "bench: batch %d, %d intra-op threads%s, %d warmup + %d timed runs%n",
            batch, settings.intraOpThreads(), spin ? " spinning" : "", warmup, iterations);
        out.printf(
            "  ms per clip  p50 %.4g  p95 %.4g  mean %.4g  min %.4g%n",
            bench.p50MsPerClip(),
            bench.p95MsPerClip(),
            bench.meanMsPerClip(),
            bench.minMsPerClip());
        out.printf("  clips/s      %.1f%n", bench.clipsPerSecond());
        if (m.modality() == ModelManifest.Modality.FLOW && golden != null) {
          flow = flowBench(m, golden);
          out.printf("  flow         p50 %.4g ms per clip (%d fields of %dx%d, %s), the engine's"
                  + " share before the model%n",
              flow.p50MsPerClip(), m.clip().segments() * m.stackedUnits(),
              m.preprocessing().crop(), m.preprocessing().crop(), m.flow().method().spelling());
        }
      }

      if (json != null) {
        Report report =
            new Report(
                m.name(),
                m.onnx().toString(),
                OrtEnvironment.getEnvironment().getVersion(),
                Runtime.version().toString(),
                Runtime.getRuntime().availableProcessors(),
                settings.intraOpThreads(),
                settings.spinning(),
                parity,
                bench,
                flow);
        new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .writeValue(json.toFile(), report);
        out.println("wrote " + json);
      }
      return parity == null || parity.passed() ? ExitCodes.OK : ExitCodes.PARITY_FAILED;
    }
  }

  private void requireAtLeast(String option, int value, int min) {
    if (value < min) {
      throw new ParameterException(
          spec.commandLine(), option + " must be >= " + min + ", got " + value);
    }
  }

  /** Normalised-pixel-like values (mean 0, std 1), fixed seed: without golden inputs. */
  private static void fillSynthetic(ClipBuffers clips, int slot) {
    SplittableRandom random = new SplittableRandom(slot);
    for (int i = 0; i < clips.inputCount(); i++) {
      FloatBuffer clip = clips.clip(i, slot);
      while (clip.hasRemaining()) {
        clip.put((float) (random.nextDouble() * 3.4 - 1.7));
      }
    }
  }

  /**
   * A flow model's other cost per clip: its optical flow fields from the golden frames' grayscale
   * crops, as the engine computes them when a window is due ({@code warmup} + {@code iterations}).
   */
  private ModelBench.Result flowBench(ModelManifest m, GoldenSet golden) throws IOException {
    long[] shape = golden.frames().shape(); // T, H, W, 3
    int frames = (int) shape[0];
    int height = (int) shape[1];
    int width = (int) shape[2];
    byte[] raw = GoldenSet.read(golden.frames()).array();
    int frameBytes = height * width * 3;
    GrayCrop gray = new GrayCrop(m.preprocessing(), RegionOfInterest.FULL);
    float[][] crops = new float[frames][gray.frameFloats()];
    byte[] frame = new byte[frameBytes];
    for (int t = 0; t < frames; t++) {
      System.arraycopy(raw, t * frameBytes, frame, 0, frameBytes);
      gray.process(frame, width, height, ModelManifest.ChannelOrder.RGB, crops[t], 0);
    }
    try (ClipUnits units = new ClipUnits(m)) {
      for (int i = 0; i < warmup; i++) {
        units.of(crops, 0);
      }
      long[] nanos = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        units.of(crops, 0);
        nanos[i] = System.nanoTime() - start;
      }
      return ModelBench.of(nanos, 1, warmup);
    }
  }
}
