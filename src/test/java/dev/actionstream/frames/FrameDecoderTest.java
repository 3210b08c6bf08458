package dev.actionstream.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final int W = 320;
  private static final int H = 240;

  private final FrameDecoder decoder = new FrameDecoder();
  private final byte[] bgr = TestImages.pixels(W, H, 7);

  @AfterEach
  void close() {
    decoder.close();
  }

  @Test
  void pngRoundTripIsExact() throws FrameRejected {
    byte[] png = new FrameEncoder(85).png(TestImages.mat(bgr, W, H));

    Mat decoded = decoder.decode(png);

    assertEquals(CV_8UC3, decoded.type());
    assertEquals(W, decoded.cols());
    assertEquals(H, decoded.rows());
    assertArrayEquals(bgr, TestImages.bytes(decoded));
  }

  @Test
  void jpegRoundTripIsCloseAtQuality90() throws FrameRejected {
    byte[] jpeg = new FrameEncoder(90).jpeg(TestImages.mat(bgr, W, H));

    byte[] back = TestImages.bytes(decoder.decode(jpeg));

    double sum = 0;
    for (int i = 0; i < bgr.length; i++) {
      sum += Math.abs((bgr[i] & 0xff) - (back[i] & 0xff));
    }
    double mean = sum / bgr.length;
    assertTrue(mean < 3.0, "mean |Δ| per channel value " + mean);
    assertTrue(jpeg.length < bgr.length / 4, "JPEG compresses: " + jpeg.length + " bytes");
  }

  @Test
  void grayscalePngDecodesToThreeEqualChannels() throws FrameRejected {
    Mat gray = new Mat(12, 10, CV_8UC1);
    byte[] g = new byte[120];
    for (int i = 0; i < g.length; i++) {
      g[i] = (byte) (i * 2);
    }
    gray.data().put(g);
    byte[] png = new FrameEncoder(85).png(gray);

    byte[] back = TestImages.bytes(decoder.decode(png));

    for (int i = 0; i < g.length; i++) {
      assertEquals(g[i], back[3 * i]);
      assertEquals(g[i], back[3 * i + 1]);
      assertEquals(g[i], back[3 * i + 2]);
    }
  }

  /**
   * A reduced JPEG decode is ceil(size / r) and close to the full decode shrunk by block averages
   * (libjpeg's scaled inverse DCT); a PNG is not reduced; a reduction other than 1, 2, 4, 8 is a bug.
   */
  @Test
  void jpegsDecodeAtAReducedSizeWhenAskedPngsDoNot() throws FrameRejected {
    byte[] smooth = new byte[W * H * 3];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        for (int c = 0; c < 3; c++) {
          smooth[(y * W + x) * 3 + c] = (byte) (x * 160 / W + y * 60 / H + 10 * c); // no edges
        }
      }
    }
    byte[] jpeg = new FrameEncoder(95).jpeg(TestImages.mat(smooth, W, H));
    byte[] full = TestImages.bytes(decoder.decode(jpeg));
    for (int r : new int[] {2, 4, 8}) {
      Mat m = decoder.decode(jpeg, jpeg.length, (w, h) -> r);
      assertEquals((W + r - 1) / r, m.cols(), "width at 1/" + r);
      assertEquals((H + r - 1) / r, m.rows(), "height at 1/" + r);
      byte[] px = TestImages.bytes(m);
      int worst = 0;
      for (int y = 1; y < m.rows() - 1; y++) {
        for (int x = 1; x < m.cols() - 1; x++) {
          for (int c = 0; c < 3; c++) {
            int sum = 0;
            for (int dy = 0; dy < r; dy++) {
              for (int dx = 0; dx < r; dx++) {
                sum += full[((y * r + dy) * W + x * r + dx) * 3 + c] & 0xff;
              }
            }
            worst = Math.max(worst, Math.abs((px[(y * m.cols() + x) * 3 + c] & 0xff) - sum / (r * r)));
          }
        }
      }
      assertTrue(worst <= 12, "1/" + r + " decode vs the full decode's block means: max |Δ| " + worst);
    }
    byte[] png = new FrameEncoder(85).png(TestImages.mat(bgr, W, H));
    assertEquals(W, decoder.decode(png, png.length, (w, h) -> 8).cols(), "PNG at full size");
    assertThrows(IllegalArgumentException.class, () -> decoder.decode(jpeg, jpeg.length, (w, h) -> 3));
  }

  @Test
  void decoderReusesItsImageAcrossFramesOfDifferentSizes() throws FrameRejected {
    FrameEncoder enc = new FrameEncoder(85);
    Mat first = decoder.decode(enc.png(TestImages.mat(bgr, W, H)));
    byte[] small = TestImages.pixels(16, 8, 1);
    Mat second = decoder.decode(enc.png(TestImages.mat(small, 16, 8)));

    assertSame(first, second);
    assertArrayEquals(small, TestImages.bytes(second));
  }

  /**
   * The decoder reuses its input buffer, the header over it (narrowed to each frame's length) and
   * its image: frames of other lengths and sizes before, a rejected frame, a buffer that has to
   * grow must not change a single pixel against a decoder that saw nothing else.
   */
  @Test
  void reusedDecoderGivesAFreshDecodersPixelsBitForBit() throws FrameRejected {
    FrameEncoder enc = new FrameEncoder(85);
    byte[] small = enc.jpeg(TestImages.mat(bgr, W, H));
    byte[] large = new FrameEncoder(98).jpeg(TestImages.mat(TestImages.pixels(1280, 720, 9), 1280, 720));
    assertTrue(large.length > 64 * 1024, "grows the 64 KiB input buffer: " + large.length);
    byte[] png = enc.png(TestImages.mat(TestImages.pixels(16, 8, 1), 16, 8));
    byte[] other = enc.jpeg(TestImages.mat(TestImages.pixels(W, H, 8), W, H));

    byte[][] sequence = {small, large, small, png, Arrays.copyOf(large, large.length / 2), other, small};
    for (int i = 0; i < sequence.length; i++) {
      byte[] frame = sequence[i];
      byte[] expected;
      try (FrameDecoder fresh = new FrameDecoder()) {
        expected = TestImages.bytes(fresh.decode(frame));
      } catch (FrameRejected e) {
        FrameRejected again = assertThrows(FrameRejected.class, () -> decoder.decode(frame));
        assertEquals(e.getMessage(), again.getMessage(), "frame " + i);
        continue;
      }
      assertArrayEquals(expected, TestImages.bytes(decoder.decode(frame)), "frame " + i);
    }
  }

  @Test
  void zeroLengthAndNullAreEmptyValues() {
    assertReason("empty-value", new byte[0]);
    FrameRejected e = assertThrows(FrameRejected.class, () -> decoder.decode(null));
    assertEquals("empty-value", e.reason());
  }

  @Test
  void randomBytesAreNotAnImageFormat() {
    byte[] noise = new byte[5000];
    new SplittableRandom(3).nextBytes(noise);
    noise[0] = 0x12; // not 0xFF or 0x89, whatever the seed gives

    FrameRejected e = assertReason("unsupported-format", noise);
    assertTrue(e.detail().contains("not a JPEG or PNG"), e.detail());
  }

  @Test
  void jpegSignatureFollowedByGarbageIsUndecodable() {
    byte[] noise = new byte[5000];
    new SplittableRandom(4).nextBytes(noise);
    noise[0] = (byte) 0xff;
    noise[1] = (byte) 0xd8;
    noise[2] = 0x00; // not a marker

    assertReason("undecodable-image", noise);
  }

  @Test
  void truncatedJpegIsUndecodable() {
    byte[] jpeg = new FrameEncoder(85).jpeg(TestImages.mat(bgr, W, H));

    for (int keep : new int[] {3, 100, jpeg.length / 2, jpeg.length - 2}) {
      FrameRejected e = assertReason("undecodable-image", Arrays.copyOf(jpeg, keep));
      assertTrue(e.getMessage().startsWith("undecodable-image: JPEG"), e.getMessage());
    }
  }

  @Test
  void truncatedPngIsUndecodable() {
    byte[] png = new FrameEncoder(85).png(TestImages.mat(bgr, W, H));

    assertReason("undecodable-image", Arrays.copyOf(png, 20));
    assertReason("undecodable-image", Arrays.copyOf(png, png.length / 2));
  }

  @Test
  void pngHeaderClaiming100000By100000IsTooLargeBeforeDecoding() {
    byte[] bomb = pngHeader(100_000, 100_000);

    FrameRejected e = assertReason("image-too-large", bomb);
    assertTrue(e.detail().contains("100000x100000"), e.detail());
  }

  @Test
  void jpegLargerThanTheLimitIsRefused() {
    byte[] jpeg = new FrameEncoder(85).jpeg(TestImages.mat(bgr, W, H));
    try (FrameDecoder strict = new FrameDecoder((long) W * H - 1)) {
      FrameRejected e = assertThrows(FrameRejected.class, () -> strict.decode(jpeg));
      assertEquals("image-too-large", e.reason());
      assertTrue(e.detail().contains("320x240"), e.detail());
    }
  }

  @Test
  void headerSizeIsReadFromJpegFrameHeaderAndPngIhdr() throws FrameRejected {
    FrameEncoder enc = new FrameEncoder(85);
    byte[] odd = TestImages.pixels(37, 23, 2);
    byte[] jpeg = enc.jpeg(TestImages.mat(odd, 37, 23));
    byte[] png = enc.png(TestImages.mat(odd, 37, 23));

    assertEquals(new ImageHeader(ImageHeader.Format.JPEG, 37, 23), ImageHeader.read(jpeg, jpeg.length));
    assertEquals(new ImageHeader(ImageHeader.Format.PNG, 37, 23), ImageHeader.read(png, png.length));
  }

  private FrameRejected assertReason(String reason, byte[] bytes) {
    FrameRejected e = assertThrows(FrameRejected.class, () -> decoder.decode(bytes));
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  /** A PNG signature and a valid IHDR chunk (8-bit RGB) with nothing after it. */
  private static byte[] pngHeader(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer chunk = ByteBuffer.allocate(4 + 13);
    chunk.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height);
    chunk.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(chunk.array());
    out.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
    out.writeBytes(chunk.array());
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return out.toByteArray();
  }
}
