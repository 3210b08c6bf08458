package dev.actionstream.ingest;

import java.io.IOException;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A camera's frames, read by one thread. {@link #open()} connects (bounded by the camera's read
 * timeout for network sources); {@link #grab()} returns the next frame, or null when the stream
 * ended (a file without loop) or the connection was lost (a live source: reconnect).
 */
public interface FrameSource extends AutoCloseable {

  /**
   * One frame: a decoded BGR image (valid until the next grab) or JPEG bytes already encoded at
   * the source, with its capture time in epoch ms (the time to publish it for paced sources).
   */
  record Grabbed(Mat bgr, byte[] jpeg, long captureMs) {}

  void open() throws IOException;

  Grabbed grab() throws IOException;

  /** Whether a null from {@link #grab()} means the end of the source rather than a lost connection. */
  boolean finite();

  /** Disconnects; {@link #open()} may connect again (a reconnect, or a file's next loop). */
  @Override
  void close();

  /** Releases everything for good. */
  default void dispose() {
    close();
  }
}
