package dev.actionstream.ingest;

import java.time.Duration;
import java.util.Map;

/**
 * One camera of a camera file: where its frames come from and how they are read and published.
 *
 * @param fps frames per second to publish; faster sources are thinned by dropping frames, 0 keeps
 *     every frame
 * @param maxWidth larger frames are downscaled (aspect kept) before JPEG encoding
 * @param pace for files: {@link Pace#OWN} plays at the file's frame rate, {@link Pace#FAST} as
 *     fast as possible (never ahead of the wall clock)
 * @param loop for files: start again at the end
 * @param readTimeout bound on one network read or connect; a frozen camera fails after it (a
 *     connect to one after two, as JavaCV opens a second time after a failure)
 * @param watchdog no frame for this long marks the camera down and reconnects it
 * @param format FFmpeg input format to force (e.g. {@code mpjpeg}), or null to probe; HTTP MJPEG
 *     ({@code multipart/x-mixed-replace}) needs none: the probe recognises it by content
 * @param options extra FFmpeg options, passed as given
 */
public record CameraSpec(
    String id,
    CameraSource source,
    double fps,
    int maxWidth,
    int maxHeight,
    int jpegQuality,
    Pace pace,
    boolean loop,
    Duration readTimeout,
    Duration watchdog,
    Duration backoffInitial,
    Duration backoffMax,
    String format,
    Map<String, String> options) {

  /** How a file is played. */
  public enum Pace {
    OWN, FAST
  }

  public CameraSpec {
    options = Map.copyOf(options);
  }

  /** The source redacted and option values hidden: FFmpeg options may carry tokens. */
  @Override
  public String toString() {
    return "CameraSpec[id=%s, source=%s, fps=%s, max=%dx%d, jpeg-quality=%d, pace=%s, loop=%s, "
        .formatted(id, source.redacted(), fps, maxWidth, maxHeight, jpegQuality, pace, loop)
        + "read-timeout=%s, watchdog=%s, backoff=%s..%s, format=%s, options=%s]"
            .formatted(readTimeout, watchdog, backoffInitial, backoffMax, format, options.keySet());
  }

  /** A camera with every default of the camera file but the id and source. */
  public static CameraSpec of(String id, String url) {
    return new CameraSpec(id, CameraSource.parse(url), CamerasFile.DEFAULT_FPS,
        CamerasFile.DEFAULT_MAX_WIDTH, CamerasFile.DEFAULT_MAX_HEIGHT, CamerasFile.DEFAULT_JPEG_QUALITY,
        Pace.OWN, false, CamerasFile.DEFAULT_READ_TIMEOUT, CamerasFile.DEFAULT_WATCHDOG,
        CamerasFile.DEFAULT_BACKOFF_INITIAL, CamerasFile.DEFAULT_BACKOFF_MAX, null, Map.of());
  }

  public CameraSpec withFps(double fps) {
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, jpegQuality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }

  public CameraSpec withPace(Pace pace, boolean loop) {
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, jpegQuality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }

  public CameraSpec withTimeouts(Duration readTimeout, Duration watchdog, Duration backoffInitial,
      Duration backoffMax) {
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, jpegQuality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }

  public CameraSpec withFormat(String format) {
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, jpegQuality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }

  public CameraSpec withFrameSize(int maxWidth, int maxHeight) {
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, jpegQuality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }
}
