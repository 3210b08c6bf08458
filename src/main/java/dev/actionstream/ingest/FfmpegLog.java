package dev.actionstream.ingest;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;

/**
 * Routes FFmpeg's error messages to the camera whose thread logged them. JavaCV hides decoder
 * errors (a corrupt packet is skipped silently); FFmpeg still logs them, on the decoding thread
 * when the decoder runs single-threaded, as {@link FfmpegSource} sets it. Each camera thread
 * registers a sink that counts the error and logs it redacted.
 */
final class FfmpegLog extends LogCallback {
  private static final ThreadLocal<Consumer<String>> SINK = new ThreadLocal<>();
  private static FfmpegLog installed; // kept reachable: native code holds only its address

  /** Installs the callback once per process. */
  static synchronized void install() {
    if (installed == null) {
      installed = new FfmpegLog();
      // Only errors are used: spare the ~50 informational upcalls of every open (stream dumps).
      av_log_set_level(AV_LOG_ERROR);
      setLogCallback(installed);
    }
  }

  /** Sends this thread's FFmpeg errors to {@code sink} (null to stop). */
  static void attach(Consumer<String> sink) {
    install();
    if (sink == null) {
      SINK.remove();
    } else {
      SINK.set(sink);
    }
  }

  @Override
  public void call(int level, BytePointer msg) {
    if (level > AV_LOG_ERROR) {
      return;
    }
    Consumer<String> sink = SINK.get();
    if (sink != null) {
      sink.accept(msg.getString().strip());
    }
  }
}
