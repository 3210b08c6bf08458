package dev.actionstream.engine;

import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import dev.actionstream.frames.FrameEncoder;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/** JPEG frames of a square crossing a grey frame left to right: cheap, real, decodable input. */
final class MovingSquare {
  private static final FrameEncoder JPEG = new FrameEncoder(85);

  private MovingSquare() {}

  /** Frame at {@code tMs} of a square moving at 60 px/s on a 320×240 frame. */
  static byte[] frame(long tMs) {
    try (Mat m = new Mat(240, 320, org.bytedeco.opencv.global.opencv_core.CV_8UC3, new Scalar(90, 100, 110, 0))) {
      int x = (int) (40 + (tMs % 4000) * 60 / 1000);
      rectangle(m, new Point(x, 90), new Point(x + 50, 150), new Scalar(20, 200, 240, 0), FILLED, 8, 0);
      return JPEG.jpeg(m);
    }
  }
}
