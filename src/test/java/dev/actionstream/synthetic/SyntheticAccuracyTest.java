package dev.actionstream.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.actionstream.frames.ClipAssembler;
import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FramePreprocessor;
import dev.actionstream.frames.FrameRejected;
import dev.actionstream.inference.GoldenParity;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.inference.SessionSettings;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acceptance: the demo models recognise what the Java synthetic cameras film. Four cameras film
 * one-minute scripts at 15 fps; every 1 s a window of the model's clip duration D ends; windows
 * lying wholly inside one script segment are sampled as the engine samples them (T frames nearest
 * to t_i = end − D + i·D/(T−1), ties to the earlier frame), decoded from JPEG, preprocessed, and
 * classified.
 */
class SyntheticAccuracyTest {
  private static final long START_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final int CAMERAS = 4;
  private static final long SCRIPT_MS = 60_000;
  private static final long HOP_MS = 1_000;
  /** Set -Dsynthetic.seed=N to film other scripts and scenes than the default (0). */
  private static final long SEED = Long.getLong("synthetic.seed", 0);
  /** Set -Dsynthetic.dump=DIR to get the JPEGs of misclassified windows. */
  private static final String DUMP = System.getProperty("synthetic.dump");

  /** One camera's frames: capture times, JPEGs, true actions, and its script. */
  private record Footage(String camera, CameraScript script, long[] times, List<byte[]> jpegs) {}

  private static final List<Footage> footage = new ArrayList<>();

  @BeforeAll
  static void film() {
    for (int c = 0; c < CAMERAS; c++) {
      CameraScript script = CameraScript.random(100 + c + 1000 * SEED, START_MS, SCRIPT_MS);
      List<byte[]> jpegs = new ArrayList<>();
      List<Long> times = new ArrayList<>();
      try (SyntheticCamera camera = new SyntheticCamera("cam-" + c, script, 1000 + c + 1000 * SEED)) {
        while (camera.hasNext()) {
          CameraFrame f = camera.next();
          jpegs.add(f.jpeg());
          times.add(f.captureTimeMs());
        }
      }
      footage.add(new Footage("cam-" + c, script, times.stream().mapToLong(Long::longValue).toArray(), jpegs));
    }
  }

  @Test
  void tinyX3dRecognisesAtLeast95PercentOfWindows() throws Exception {
    double accuracy = evaluate(Path.of("models", "demo", "x3d", "manifest.yaml"));
    assertTrue(accuracy >= 0.95, "demo X3D accuracy " + accuracy);
  }

  /**
   * The target is 95 % here too (100 % of 159 windows with the default seeds for the current model), but this model
   * may be retrained while the renderer stays: the assertion is a floor against regressions.
   */
  @Test
  void tinySlowFastRecognisesAtLeast90PercentOfTheSameWindows() throws Exception {
    double accuracy = evaluate(Path.of("models", "demo", "slowfast", "manifest.yaml"));
    assertTrue(accuracy >= 0.90, "demo SlowFast accuracy " + accuracy);
  }

  /**
   * {@code input.decode-scale: auto} decodes these 320×240 JPEGs at 1/2 (160×120, still above the
   * model's 64-pixel short side): the same windows must be recognised as well.
   */
  @Test
  void tinyX3dKeepsItsAccuracyWithReducedJpegDecoding() throws Exception {
    double accuracy = evaluate(Path.of("models", "demo", "x3d", "manifest.yaml"), true);
    assertTrue(accuracy >= 0.95, "demo X3D accuracy with decode-scale auto " + accuracy);
  }

  private static double evaluate(Path manifestFile) throws OrtException, FrameRejected, IOException {
    return evaluate(manifestFile, false);
  }

  private static double evaluate(Path manifestFile, boolean reduced) throws OrtException, FrameRejected, IOException {
    ModelManifest m = ManifestLoader.load(manifestFile);
    Action[] actions = Action.values();
    assertEquals(Arrays.stream(actions).map(Action::label).toList(), m.labels(), "label order");
    int t = m.clip().frames();
    double durationMs = m.clip().duration() * 1000;
    int[][] confusion = new int[actions.length][actions.length];
    try (ModelSession session = ModelSession.open(m, new SessionSettings(2));
        FrameDecoder decoder = new FrameDecoder()) {
      ClipBuffers buffers = session.newBuffers(1);
      ClipAssembler assembler = new ClipAssembler(m);
      FramePreprocessor pre = new FramePreprocessor(m.preprocessing());
      for (Footage f : footage) {
        float[][] planes = new float[f.times().length][]; // each frame preprocessed at most once
        for (long end = START_MS + HOP_MS; end <= f.script().endMs(); end += HOP_MS) {
          double from = end - durationMs;
          if (from < START_MS) {
            continue;
          }
          int[] idx = nearestFrames(sampleTimes(end, durationMs, t), f.times());
          Optional<CameraScript.Segment> segment = f.script().segmentContaining(
              Math.min((long) Math.floor(from), f.times()[idx[0]]), Math.max(end, f.times()[idx[t - 1]]));
          if (segment.isEmpty()) {
            continue;
          }
          float[][] clip = new float[t][];
          for (int i = 0; i < t; i++) {
            int k = idx[i];
            if (planes[k] == null) {
              planes[k] = new float[pre.frameFloats()];
              byte[] jpeg = f.jpegs().get(k);
              pre.process(
                  decoder.decode(jpeg, jpeg.length, reduced ? pre.reducer() : FrameDecoder.FULL_SIZE),
                  ChannelOrder.BGR, planes[k], 0);
            }
            clip[i] = planes[k];
          }
          assembler.fill(buffers, 0, clip);
          float[] scores = session.run(buffers, 1)[0];
          int predicted = GoldenParity.argmax(scores);
          int truth = segment.get().action().ordinal();
          confusion[truth][predicted]++;
          if (DUMP != null && predicted != truth) {
            dump(m.name(), f, end, idx, actions[truth], actions[predicted]);
          }
        }
      }
    }
    return report(m.name() + (reduced ? " (decode-scale auto)" : ""), confusion, actions);
  }

  /** t_i = end − D + i·D/(T−1): the first sample at the window start, the last at its end. */
  static double[] sampleTimes(double end, double duration, int frames) {
    double[] out = new double[frames];
    for (int i = 0; i < frames; i++) {
      out[i] = frames == 1 ? end : end - duration + i * duration / (frames - 1);
    }
    return out;
  }

  /** preprocess.py nearest_frames: the frame nearest each time, ties to the earlier frame. */
  static int[] nearestFrames(double[] times, long[] frameTimes) {
    int[] out = new int[times.length];
    for (int i = 0; i < times.length; i++) {
      double t = times[i];
      int j = 0;
      while (j < frameTimes.length && frameTimes[j] < t) {
        j++;
      }
      if (j == 0) {
        out[i] = 0;
      } else if (j >= frameTimes.length) {
        out[i] = frameTimes.length - 1;
      } else {
        out[i] = frameTimes[j] - t < t - frameTimes[j - 1] ? j : j - 1;
      }
    }
    return out;
  }

  private static double report(String model, int[][] confusion, Action[] actions) {
    int total = 0;
    int correct = 0;
    StringBuilder s = new StringBuilder();
    s.append(String.format("%n%s on synthetic camera windows (rows: true, columns: predicted)%n%-11s", model, ""));
    for (Action a : actions) {
      s.append(String.format("%6.6s", a.label()));
    }
    s.append("   recall\n");
    for (int r = 0; r < actions.length; r++) {
      int row = Arrays.stream(confusion[r]).sum();
      s.append(String.format("%-11s", actions[r].label()));
      for (int c = 0; c < actions.length; c++) {
        s.append(String.format("%6d", confusion[r][c]));
      }
      s.append(String.format("   %5.1f%% of %d%n", row == 0 ? 0 : 100.0 * confusion[r][r] / row, row));
      total += row;
      correct += confusion[r][r];
    }
    double accuracy = total == 0 ? 0 : (double) correct / total;
    s.append(String.format("%s accuracy %.1f%% (%d of %d windows)%n", model, 100 * accuracy, correct, total));
    System.out.print(s);
    assertTrue(total >= 100, "too few windows inside segments: " + total);
    return accuracy;
  }

  private static void dump(String model, Footage f, long end, int[] idx, Action truth, Action predicted)
      throws IOException {
    Path dir = Path.of(DUMP, model, "%s-%d-%s-as-%s".formatted(f.camera(), end - START_MS, truth.label(), predicted.label()));
    Files.createDirectories(dir);
    for (int i = 0; i < idx.length; i++) {
      Files.write(dir.resolve("%02d.jpg".formatted(i)), f.jpegs().get(idx[i]));
    }
  }

}
