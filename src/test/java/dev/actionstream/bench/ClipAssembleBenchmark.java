package dev.actionstream.bench;

import dev.actionstream.frames.ClipAssembler;
import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.model.ModelManifest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * T cached frame planes → one clip slot of the model's direct input buffers ({@link
 * ClipAssembler} into {@link ClipBuffers}): what every window costs before inference. SlowFast
 * fills two inputs (slow: 4 of the 16 frames, fast: all 16).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ClipAssembleBenchmark {
  @Param({"demo-x3d", "demo-slowfast", "x3d_xs"})
  public String model;

  private ClipAssembler assembler;
  private ClipBuffers buffers;
  private float[][] clip;

  @Setup
  public void setUp() {
    ModelManifest m = BenchInputs.manifest(model);
    assembler = new ClipAssembler(m);
    buffers = ClipBuffers.allocate(m, 1);
    SplittableRandom rng = new SplittableRandom(1);
    int t = m.clip().frames();
    clip = new float[t][];
    for (int i = 0; i < t; i++) {
      if (i % 4 == 3) {
        clip[i] = clip[i - 1]; // a slower camera repeats a frame
        continue;
      }
      clip[i] = new float[assembler.frameFloats()];
      for (int k = 0; k < clip[i].length; k++) {
        clip[i][k] = (float) rng.nextGaussian();
      }
    }
  }

  @Benchmark
  public ClipBuffers assemble() {
    assembler.fill(buffers, 0, clip);
    return buffers;
  }
}
