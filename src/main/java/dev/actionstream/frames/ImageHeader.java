package dev.actionstream.frames;

import dev.actionstream.frames.FrameRejected.Reason;

/**
 * An encoded image's format and dimensions, read from the first bytes (PNG IHDR, JPEG SOF) without
 * decoding any pixels. Reading them first lets the decoder refuse a decompression bomb (a few KB
 * that claim 100000 x 100000 pixels) before it allocates anything.
 */
public record ImageHeader(Format format, int width, int height) {

  public enum Format {
    JPEG,
    PNG
  }

  private static final byte[] PNG_SIGNATURE = {
    (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
  };

  public long pixels() {
    return (long) width * height;
  }

  /** Reads the format and size from {@code bytes[0, length)}. */
  public static ImageHeader read(byte[] bytes, int length) throws FrameRejected {
    if (length == 0) {
      throw new FrameRejected(Reason.EMPTY_VALUE, "the frame has no bytes");
    }
    if (length >= 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8) {
      return jpeg(bytes, length);
    }
    if (startsWith(bytes, length, PNG_SIGNATURE)) {
      return png(bytes, length);
    }
    throw new FrameRejected(
        Reason.UNSUPPORTED_FORMAT,
        "not a JPEG or PNG (first bytes " + hex(bytes, Math.min(length, 8)) + ")");
  }

  private static ImageHeader png(byte[] b, int n) throws FrameRejected {
    // Signature, then the IHDR chunk: length (4), type "IHDR" (4), width (4), height (4).
    if (n < 24) {
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "PNG truncated inside its header");
    }
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "PNG does not start with an IHDR chunk");
    }
    long w = u32(b, 16);
    long h = u32(b, 20);
    if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "PNG IHDR has size " + w + "x" + h);
    }
    return new ImageHeader(Format.PNG, (int) w, (int) h);
  }

  private static ImageHeader jpeg(byte[] b, int n) throws FrameRejected {
    int p = 2; // after SOI
    while (true) {
      // Markers are 0xFF then a code; any number of 0xFF fill bytes may precede the code.
      if (p >= n || (b[p] & 0xff) != 0xff) {
        throw new FrameRejected(
            Reason.UNDECODABLE_IMAGE,
            p >= n ? "JPEG truncated before its frame header" : "JPEG marker expected at " + p);
      }
      while (p < n && (b[p] & 0xff) == 0xff) {
        p++;
      }
      if (p >= n) {
        throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG truncated before its frame header");
      }
      int marker = b[p++] & 0xff;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        continue; // TEM, RSTn: no length field
      }
      if (marker == 0xd9 || marker == 0xda) {
        throw new FrameRejected(
            Reason.UNDECODABLE_IMAGE, "JPEG has no frame header before its scan data");
      }
      if (p + 2 > n) {
        throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG truncated before its frame header");
      }
      int segment = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
      if (segment < 2) {
        throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG segment length " + segment);
      }
      // SOF0..SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
        if (p + 7 > n) {
          throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG truncated inside its frame header");
        }
        int h = ((b[p + 3] & 0xff) << 8) | (b[p + 4] & 0xff);
        int w = ((b[p + 5] & 0xff) << 8) | (b[p + 6] & 0xff);
        if (w < 1 || h < 1) {
          // Height 0 defers to a DNL marker: legal, rare, and not supported by OpenCV's decoder.
          throw new FrameRejected(Reason.UNDECODABLE_IMAGE, "JPEG frame header has size " + w + "x" + h);
        }
        return new ImageHeader(Format.JPEG, w, h);
      }
      p += segment;
    }
  }

  private static boolean startsWith(byte[] b, int n, byte[] prefix) {
    if (n < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static long u32(byte[] b, int p) {
    return ((long) (b[p] & 0xff) << 24)
        | ((b[p + 1] & 0xff) << 16)
        | ((b[p + 2] & 0xff) << 8)
        | (b[p + 3] & 0xff);
  }

  private static String hex(byte[] b, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(String.format("%02x", b[i] & 0xff));
    }
    return s.toString();
  }
}
