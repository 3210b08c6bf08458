package dev.actionstream.bench;

import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FrameRejected;
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

/** JPEG bytes → BGR image, as the engine decodes each arriving frame ({@link FrameDecoder}). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameDecodeBenchmark {
  @Param({"640x480", "320x240"})
  public String size;

  private byte[][] jpegs;
  private FrameDecoder decoder;
  private int next;

  @Setup
  public void setUp() throws Exception {
    jpegs = BenchInputs.jpegs(size);
    decoder = new FrameDecoder();
  }

  @TearDown
  public void tearDown() {
    decoder.close();
  }

  @Benchmark
  public Mat decode() throws FrameRejected {
    byte[] jpeg = jpegs[next];
    next = (next + 1) % jpegs.length;
    return decoder.decode(jpeg);
  }
}
