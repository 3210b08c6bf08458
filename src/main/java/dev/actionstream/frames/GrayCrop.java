package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.util.Objects;
import java.util.function.IntBinaryOperator;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * One decoded frame → the 8-bit grayscale crop × crop image a flow model's optical flow is computed
 * from, as crop² floats holding the pixel values 0–255: region of interest, OpenCV grayscale,
 * OpenCV bilinear short-side resize of the 8-bit image, centre crop (tools/modelkit/preprocess.py,
 * the flow preprocessing in MANIFEST.md). Not thread-safe: it reuses its images.
 */
public final class GrayCrop implements FrameStage {
  private final int shortSide;
  private final int crop;
  private final RegionOfInterest region;
  private final IntBinaryOperator reducer;
  private final Mat gray = new Mat();
  private final Mat resized = new Mat();
  private final byte[] row;

  public GrayCrop(ModelManifest.Preprocessing pre, RegionOfInterest region) {
    this.shortSide = pre.shortSide();
    this.crop = pre.crop();
    this.region = Objects.requireNonNull(region, "region");
    this.reducer = (w, h) -> FramePreprocessor.reduction(region, shortSide, w, h);
    this.row = new byte[crop];
  }

  @Override
  public int frameFloats() {
    return crop * crop;
  }

  @Override
  public IntBinaryOperator reducer() {
    return reducer;
  }

  @Override
  public void process(Mat image, ChannelOrder imageOrder, float[] dst, int offset) {
    if (image.type() != CV_8UC3) {
      throw new IllegalArgumentException("expected an 8-bit 3-channel image, got Mat type " + image.type());
    }
    int[] roi = region.pixels(image.cols(), image.rows());
    int code = imageOrder == ChannelOrder.BGR ? COLOR_BGR2GRAY : COLOR_RGB2GRAY;
    if (region.isFull()) {
      cvtColor(image, gray, code);
    } else {
      try (Rect rect = new Rect(roi[0], roi[1], roi[2], roi[3]); Mat part = new Mat(image, rect)) {
        cvtColor(part, gray, code);
      }
    }
    int[] size = FramePreprocessor.resizedSize(roi[3], roi[2], shortSide);
    Mat src = gray;
    if (size[0] != gray.rows() || size[1] != gray.cols()) {
      try (Size s = new Size(size[1], size[0])) {
        resize(gray, resized, s, 0, 0, INTER_LINEAR);
      }
      src = resized;
    }
    if (src.type() != CV_8UC1) {
      throw new IllegalStateException("grayscale image has Mat type " + src.type());
    }
    int top = (size[0] - crop) / 2;
    int left = (size[1] - crop) / 2;
    BytePointer data = src.data();
    long step = src.step();
    for (int r = 0; r < crop; r++) {
      data.position((top + r) * step + left).get(row, 0, crop);
      int at = offset + r * crop;
      for (int c = 0; c < crop; c++) {
        dst[at + c] = row[c] & 0xff;
      }
    }
  }

  /** The same from interleaved 8-bit pixels (height x width x 3), as a golden set holds them. */
  public void process(byte[] pixels, int width, int height, ChannelOrder imageOrder, float[] dst, int offset) {
    try (Mat m = new Mat(height, width, CV_8UC3)) {
      m.data().put(pixels, 0, width * height * 3);
      process(m, imageOrder, dst, offset);
    }
  }
}
