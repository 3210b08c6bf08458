package dev.actionstream.bench;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.actionstream.frames.FrameEncoder;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Inputs of the benchmarks: JPEG frames as a camera would send them and the model manifests the
 * engine ships. Frames come from real footage (OpenCV's vtest.avi, a street scene, from Debian's
 * opencv-doc package) when it is installed, else from the synthetic camera; either way they are
 * encoded by the engine's {@link FrameEncoder} at the ingest's default quality.
 */
final class BenchInputs {
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
  /** Distinct frames a benchmark cycles through: varied content, still all in cache. */
  static final int FRAMES = 8;
  static final int JPEG_QUALITY = 85;

  private BenchInputs() {}

  /** {@link #FRAMES} JPEGs of {@code size} ("640x480"), a few frames apart. */
  static byte[][] jpegs(String size) throws Exception {
    String[] wh = size.split("x");
    int width = Integer.parseInt(wh[0]);
    int height = Integer.parseInt(wh[1]);
    byte[][] out = Files.isReadable(VTEST) ? footage(width, height) : synthetic(width, height);
    return out;
  }

  /** Which source {@link #jpegs} uses on this machine, for the benchmark's log. */
  static String source() {
    return Files.isReadable(VTEST) ? VTEST.toString() : "synthetic camera";
  }

  private static byte[][] footage(int width, int height) throws Exception {
    FrameEncoder encoder = new FrameEncoder(JPEG_QUALITY);
    List<byte[]> jpegs = new ArrayList<>();
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(VTEST.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        Mat scaled = new Mat()) {
      grabber.start();
      for (int i = 0; jpegs.size() < FRAMES; i++) {
        Frame f = grabber.grabImage();
        if (f == null) {
          throw new IllegalStateException(VTEST + " ended after " + i + " frames");
        }
        if (i % 10 != 0) {
          continue; // people move between samples: frames differ like a 1.5 fps camera's
        }
        Mat bgr = converter.convert(f);
        resize(bgr, scaled, new Size(width, height), 0, 0, INTER_AREA);
        jpegs.add(encoder.jpeg(scaled));
      }
      grabber.stop();
    }
    return jpegs.toArray(new byte[0][]);
  }

  private static byte[][] synthetic(int width, int height) {
    byte[][] out = new byte[FRAMES][];
    SyntheticCamera.Settings settings = new SyntheticCamera.Settings(15, width, height, JPEG_QUALITY);
    try (SyntheticCamera camera =
        new SyntheticCamera("bench", CameraScript.random(7, 0, 60_000), 7, settings)) {
      for (int i = 0; i < out.length; i++) {
        out[i] = camera.next().jpeg();
      }
    }
    return out;
  }

  /** A shipped manifest by file name without .yaml, e.g. "demo-x3d", "x3d_xs". */
  static ModelManifest manifest(String name) {
    return ManifestLoader.load(Path.of("config/models", name + ".yaml"));
  }
}
