package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * BGR {@link Mat} → JPEG or PNG bytes with OpenCV's encoders (3-4x faster than ImageIO, see
 * REFERENCES §10). Stateless apart from its parameters; safe to share between threads.
 */
public final class FrameEncoder {
  private final int jpegQuality;

  /** @param jpegQuality 1..100, as IMWRITE_JPEG_QUALITY */
  public FrameEncoder(int jpegQuality) {
    if (jpegQuality < 1 || jpegQuality > 100) {
      throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + jpegQuality);
    }
    this.jpegQuality = jpegQuality;
  }

  public int jpegQuality() {
    return jpegQuality;
  }

  public byte[] jpeg(Mat bgr) {
    return encode(".jpg", bgr, IMWRITE_JPEG_QUALITY, jpegQuality);
  }

  /** Lossless; fast compression level, frames are transient. */
  public byte[] png(Mat bgr) {
    return encode(".png", bgr, IMWRITE_PNG_COMPRESSION, 1);
  }

  private static byte[] encode(String ext, Mat image, int param, int value) {
    try (BytePointer out = new BytePointer();
        IntPointer params = new IntPointer(param, value)) {
      if (!imencode(ext, image, out, params)) {
        throw new IllegalStateException("OpenCV could not encode a " + ext + " image");
      }
      byte[] bytes = new byte[Math.toIntExact(out.limit())];
      out.get(bytes);
      return bytes;
    }
  }
}
