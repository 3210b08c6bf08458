package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import dev.actionstream.frames.FrameRejected.Reason;
import java.util.function.IntBinaryOperator;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * JPEG or PNG bytes → an 8-bit, 3-channel BGR OpenCV {@link Mat} (OpenCV's channel order; the
 * {@link FramePreprocessor} reorders to what the model wants).
 *
 * <p>Before decoding, the size is read from the header ({@link ImageHeader}) and images above
 * {@code maxPixels} are refused, so a tiny file claiming a huge image costs nothing. A JPEG must end
 * with its end-of-image marker and a PNG with its IEND chunk: libjpeg and OpenCV's PNG reader would
 * otherwise "decode" a truncated frame, filling the missing rows with grey, and the model would
 * score half a picture.
 *
 * <p>Not thread-safe: it reuses one native input buffer, the Mat header over it and one output
 * Mat, so the image returned by {@link #decode} is overwritten by the next call. Use one decoder
 * per thread and {@link #close()} it to free the native memory.
 */
public final class FrameDecoder implements AutoCloseable {
  /** 4K UHD: far above any camera frame the engine expects, far below a bomb. */
  public static final long DEFAULT_MAX_PIXELS = 3840L * 2160L;

  // Grayscale, 16-bit and alpha images all come out as 8-bit BGR. EXIF orientation is ignored so
  // that the decoded size is the header's and the engine sees pixels as the camera stored them.
  private static final int FLAGS = IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION;
  private static final int END_SEARCH = 64; // some encoders pad a few bytes after the end marker

  private final long maxPixels;
  private final Mat image = new Mat();
  private BytePointer input = new BytePointer(64 * 1024);
  // 1 x n 8UC1 over input; adjustROI sets n to each frame's length in place, so no header (a Java
  // object with a deallocator) is made per frame.
  private Mat encoded = over(input);

  public FrameDecoder(long maxPixels) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be >= 1, got " + maxPixels);
    }
    this.maxPixels = maxPixels;
  }

  public FrameDecoder() {
    this(DEFAULT_MAX_PIXELS);
  }

  public long maxPixels() {
    return maxPixels;
  }

  /** No reduction: every frame decoded at full size. */
  public static final IntBinaryOperator FULL_SIZE = (width, height) -> 1;

  /** Decodes the whole array; see {@link #decode(byte[], int)}. */
  public Mat decode(byte[] bytes) throws FrameRejected {
    return decode(bytes, bytes == null ? 0 : bytes.length);
  }

  /**
   * Decodes {@code bytes[0, length)} into this decoder's reused BGR image.
   *
   * @return an 8UC3 BGR Mat owned by this decoder, valid until the next call
   * @throws FrameRejected empty-value, unsupported-format, image-too-large or undecodable-image
   */
  public Mat decode(byte[] bytes, int length) throws FrameRejected {
    return decode(bytes, length, FULL_SIZE);
  }

  /**
   * As {@link #decode(byte[], int)}, but a JPEG is decoded at 1/{@code reduction.applyAsInt(width,
   * height)} of its size (1, 2, 4 or 8; libjpeg scales in the inverse DCT, so a 1/8 decode reads
   * little more than each block's average). The result is then ceil(width / r) × ceil(height / r).
   * PNGs are always decoded at full size.
   */
  public Mat decode(byte[] bytes, int length, IntBinaryOperator reduction) throws FrameRejected {
    ImageHeader header = ImageHeader.read(bytes, bytes == null ? 0 : length);
    if (header.pixels() > maxPixels) {
      throw new FrameRejected(
          Reason.IMAGE_TOO_LARGE,
          "%s of %dx%d = %d pixels, limit %d"
              .formatted(header.format(), header.width(), header.height(), header.pixels(), maxPixels));
    }
    if (header.format() == ImageHeader.Format.JPEG && !endsWithJpegEoi(bytes, length)) {
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG truncated: no end-of-image marker");
    }
    if (header.format() == ImageHeader.Format.PNG && !endsWithPngIend(bytes, length)) {
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "PNG truncated: no IEND chunk");
    }
    if (input.capacity() < length) {
      encoded.close();
      input.close();
      input = new BytePointer(Math.max(length, input.capacity() * 2));
      encoded = over(input);
    }
    input.position(0).put(bytes, 0, length);
    encoded.adjustROI(0, 0, 0, length - encoded.cols());
    int flags =
        header.format() == ImageHeader.Format.JPEG
            ? reducedFlags(reduction.applyAsInt(header.width(), header.height()))
            : FLAGS;
    try {
      // imdecode also returns the image as a new header sharing image's pixels: free it now
      // rather than when the garbage collector finds it.
      imdecode(encoded, flags, image).close();
    } catch (RuntimeException e) {
      // OpenCV reports some corrupt streams as cv::Exception (a RuntimeException in JavaCPP).
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, header.format() + ": " + e.getMessage());
    }
    if (image.empty()) {
      throw new FrameRejected(
          Reason.UNDECODABLE_IMAGE,
          "%s of %dx%d: OpenCV could not decode it"
              .formatted(header.format(), header.width(), header.height()));
    }
    return image;
  }

  private static int reducedFlags(int reduction) {
    return IMREAD_IGNORE_ORIENTATION
        | switch (reduction) {
          case 1 -> IMREAD_COLOR;
          case 2 -> IMREAD_REDUCED_COLOR_2;
          case 4 -> IMREAD_REDUCED_COLOR_4;
          case 8 -> IMREAD_REDUCED_COLOR_8;
          default -> throw new IllegalArgumentException("reduction must be 1, 2, 4 or 8, got " + reduction);
        };
  }

  /** A one-row header over all of {@code buffer}; its width is narrowed per frame. */
  private static Mat over(BytePointer buffer) {
    return new Mat(1, Math.toIntExact(buffer.capacity()), CV_8UC1, buffer);
  }

  private static boolean endsWithJpegEoi(byte[] b, int n) {
    // Entropy-coded data stuffs every 0xFF with 0x00, so FF D9 near the end can only be EOI.
    for (int p = n - 2; p >= Math.max(0, n - END_SEARCH); p--) {
      if ((b[p] & 0xff) == 0xff && (b[p + 1] & 0xff) == 0xd9) {
        return true;
      }
    }
    return false;
  }

  private static boolean endsWithPngIend(byte[] b, int n) {
    for (int p = n - 4; p >= Math.max(0, n - END_SEARCH); p--) {
      if (b[p] == 'I' && b[p + 1] == 'E' && b[p + 2] == 'N' && b[p + 3] == 'D') {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    image.close();
    encoded.close();
    input.close();
  }
}
