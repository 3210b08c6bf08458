package dev.actionstream.ingest;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * RTSP, HTTP (MJPEG) and file sources, decoded by FFmpeg through JavaCV.
 *
 * <p>Network reads are bounded: without a timeout a frozen RTSP server hangs {@code start()} and
 * {@code grab()} forever, and a hung grab cannot be interrupted from another thread (REFERENCES
 * §8, §10). RTSP uses {@code timeout} (µs; {@code rw_timeout} and {@code stimeout} are ignored for
 * it) over TCP; HTTP uses {@code rw_timeout} (connect and every read). The video decoder runs on
 * the grabbing thread, so that its error messages reach this camera's counters ({@link FfmpegLog}).
 *
 * <p>HTTP MJPEG ({@code multipart/x-mixed-replace} with JPEG parts) needs no format: FFmpeg's
 * probe recognises its {@code mpjpeg} demuxer by the stream's content, whatever the Content-Type
 * says. {@code format: mpjpeg} only skips the probe; a stream that does not probe (text before the
 * first boundary) does not open with it either.
 *
 * <p>Capture times: live sources are stamped when a frame is read; a file plays a timeline that
 * starts now ({@code pace: own}) or just far enough in the past that the whole file lies behind
 * the wall clock ({@code pace: fast}); a looping file continues its timeline.
 */
final class FfmpegSource implements FrameSource {
  private final CameraSpec spec;
  private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
  private FFmpegFrameGrabber grabber;
  private long baseMs;        // capture time of a file's timestamp 0
  private long firstPtsUs = -1;
  private boolean started;
  private long lastCaptureMs;
  private double frameMs;

  FfmpegSource(CameraSpec spec) {
    this.spec = spec;
  }

  @Override
  public void open() throws IOException {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(spec.source().url());
    long timeoutUs = TimeUnit.MILLISECONDS.toMicros(spec.readTimeout().toMillis());
    switch (spec.source().kind()) {
      case RTSP -> {
        g.setOption("rtsp_transport", "tcp");
        g.setOption("timeout", Long.toString(timeoutUs));
        // FFmpeg reads up to 5 s of stream to probe it before start() returns; those frames then
        // come out in a burst, stamped late. RTSP's SDP already names the codec: probe 0.5 s.
        g.setOption("analyzeduration", "500000");
      }
      case HTTP -> g.setOption("rw_timeout", Long.toString(timeoutUs));
      default -> {}
    }
    if (spec.format() != null) {
      g.setFormat(spec.format());
    }
    spec.options().forEach(g::setOption);
    g.setVideoOption("threads", "1");
    try {
      // Not start(): it holds a lock shared by every grabber in the process (JavaCV's guard for
      // FFmpeg calls that were not thread-safe before FFmpeg 4) for the whole connect, so one camera
      // that does not answer held up every other camera's connect and close for two read timeouts.
      g.startUnsafe();
    } catch (FrameGrabber.Exception e) {
      release(g);
      throw new IOException(spec.source().redact(e.getMessage()), null);
    }
    grabber = g;
    double rate = g.getFrameRate();
    frameMs = rate > 0 && rate < 1000 ? 1000.0 / rate : 40;
    if (!spec.source().kind().live()) {
      long now = System.currentTimeMillis();
      if (!started) { // first open: start the timeline
        long lengthMs = Math.max(0, g.getLengthInTime() / 1000);
        baseMs = spec.pace() == CameraSpec.Pace.FAST ? now - lengthMs : now;
      } else { // a loop: continue one frame after the last
        baseMs = lastCaptureMs + Math.round(frameMs);
      }
      started = true;
      firstPtsUs = -1;
    }
  }

  @Override
  public Grabbed grab() throws IOException {
    Frame f;
    long t0 = System.nanoTime();
    try {
      f = grabber.grabImage();
    } catch (FrameGrabber.Exception e) {
      throw new IOException(spec.source().redact(e.getMessage()), null);
    }
    if (spec.source().kind().live() && System.nanoTime() - t0 >= spec.readTimeout().toNanos()) {
      // A read timed out, but FFmpeg does not say so yet: it first hands out the frame its H.264
      // parser held back (a frame is known to be complete only when the next one starts) and
      // reports the timeout on the next read, one read timeout later, so a frozen camera would be
      // down only after twice the bound. The connection is lost now; that frame is stale.
      throw new IOException("no data for " + spec.readTimeout().toMillis() + " ms (read timeout)");
    }
    if (f == null || f.image == null) {
      return null;
    }
    Mat bgr = converter.convert(f);
    long capture;
    if (spec.source().kind().live()) {
      capture = System.currentTimeMillis();
    } else {
      if (firstPtsUs < 0) {
        firstPtsUs = f.timestamp;
      }
      capture = baseMs + (f.timestamp - firstPtsUs) / 1000;
    }
    // Strictly increasing, whatever the file says, and for two live frames read within 1 ms.
    capture = Math.max(capture, lastCaptureMs + 1);
    lastCaptureMs = capture;
    return new Grabbed(bgr, null, capture);
  }

  @Override
  public boolean finite() {
    return !spec.source().kind().live();
  }

  /** For a looping file: whether to reopen at the end. */
  boolean loops() {
    return spec.loop() && finite();
  }

  @Override
  public void close() {
    if (grabber != null) {
      release(grabber);
      grabber = null;
    }
  }

  private static void release(FFmpegFrameGrabber g) {
    try {
      g.releaseUnsafe(); // what close() does, without the process-wide lock (see open())
    } catch (FrameGrabber.Exception ignored) {
      // closing a broken connection: nothing more to do
    }
  }
}
