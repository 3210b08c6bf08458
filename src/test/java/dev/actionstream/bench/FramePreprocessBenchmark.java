package dev.actionstream.bench;

import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FramePreprocessor;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.opencv_core.Mat;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A decoded frame → the model's normalised C x crop x crop planes ({@link FramePreprocessor}):
 * demo-x3d (and demo-slowfast, same preprocessing) crops 64 x 64, x3d_xs 182 x 182.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FramePreprocessBenchmark {
  @Param({"640x480", "320x240"})
  public String size;

  @Param({"demo-x3d", "x3d_xs"})
  public String model;

  private Mat[] images;
  private FramePreprocessor preprocessor;
  private float[] planes;
  private int next;

  @Setup
  public void setUp() throws Exception {
    byte[][] jpegs = BenchInputs.jpegs(size);
    images = new Mat[jpegs.length];
    try (FrameDecoder decoder = new FrameDecoder()) {
      for (int i = 0; i < jpegs.length; i++) {
        images[i] = decoder.decode(jpegs[i]).clone(); // the decoder reuses its image
      }
    }
    preprocessor = new FramePreprocessor(BenchInputs.manifest(model).preprocessing());
    planes = new float[preprocessor.frameFloats()];
  }

  @TearDown
  public void tearDown() {
    for (Mat m : images) {
      m.close();
    }
  }

  @Benchmark
  public float[] preprocess() {
    Mat image = images[next];
    next = (next + 1) % images.length;
    preprocessor.process(image, ChannelOrder.BGR, planes, 0);
    return planes;
  }
}
