package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's optical flow against OpenCV in Python ({@code tools/modelkit/flow.py}, Debian's
 * python3-opencv) on the same JPEG files: two consecutive frames of real footage (OpenCV's
 * vtest.avi, people walking), each side decoding the files with its own OpenCV.
 */
class OpticalFlowParityTest {
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final int FIRST = 40;
  /** The parity bound for every family, flow included: 1e-4, here in pixels. */
  static final double TOLERANCE = 1e-4;

  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(OpticalFlow.Method.class)
  void javaFlowEqualsOpenCvInPythonOnTheSameFrames(OpticalFlow.Method method) throws Exception {
    assumeTrue(Files.isRegularFile(VTEST), "needs Debian's opencv-doc (vtest.avi)");
    assumeTrue(Files.isExecutable(PYTHON), "needs /usr/bin/python3 with python3-opencv");
    Path a = tmp.resolve("a.jpg");
    Path b = tmp.resolve("b.jpg");
    writeTwoFrames(a, b);

    float[] java;
    int w;
    int h;
    try (FrameDecoder da = new FrameDecoder();
        FrameDecoder db = new FrameDecoder();
        OpticalFlow flow = new OpticalFlow(method)) {
      Mat prev = da.decode(Files.readAllBytes(a));
      Mat next = db.decode(Files.readAllBytes(b));
      w = prev.cols();
      h = prev.rows();
      java = new float[2 * w * h];
      flow.compute(prev, next, java, 0);
    }

    Path out = tmp.resolve("flow.f32");
    python("-m", "modelkit.flow", "--method", method.spelled(), "--prev", a.toString(), "--next",
        b.toString(), "--out", out.toString());
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(java.length * 4, bytes.remaining(), "2 x H x W floats");
    double maxDiff = 0;
    double maxMotion = 0;
    for (int i = 0; i < java.length; i++) {
      float expected = bytes.getFloat(i * 4);
      maxDiff = Math.max(maxDiff, Math.abs(java[i] - expected));
      maxMotion = Math.max(maxMotion, Math.abs(expected));
    }
    System.out.printf("%s flow %dx%d: max |Δ| %.3e px vs OpenCV in Python (largest displacement %.2f px)%n",
        method.spelled(), w, h, maxDiff, maxMotion);
    assertTrue(maxMotion > 0.5, "the frames must move for the check to mean anything: " + maxMotion);
    double d = maxDiff;
    assertTrue(d <= TOLERANCE, () -> "%s: max |Δ| %.3e px > %.0e".formatted(method.spelled(), d, TOLERANCE));
  }

  /** Frames FIRST and FIRST + 1 of vtest.avi (FFmpeg through JavaCV), at 320 x 240, as JPEG files. */
  private static void writeTwoFrames(Path a, Path b) throws Exception {
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(VTEST.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        Mat small = new Mat()) {
      grabber.start();
      for (int i = 0; i <= FIRST + 1; i++) {
        Frame frame = grabber.grabImage();
        assertTrue(frame != null, "frame " + i);
        if (i >= FIRST) {
          resize(converter.convert(frame), small, new Size(320, 240), 0, 0, INTER_AREA);
          assertTrue(imwrite((i == FIRST ? a : b).toString(), small));
        }
      }
      grabber.stop();
    }
  }

  private static void python(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = PYTHON.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(Path.of("tools").toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), output);
    System.out.print(output);
  }
}
