package dev.actionstream.synthetic;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import dev.actionstream.frames.FrameEncoder;
import java.util.NoSuchElementException;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A camera that films a {@link CameraScript}: each segment gets a new {@link Scene} (object,
 * background, clutter, light) seeded from (camera seed, segment index), rendered at the camera's
 * frame rate and JPEG-encoded with OpenCV.
 *
 * <p>Deterministic: the same id-independent seed, script and settings give the same bytes, frame
 * for frame. Frame i is captured at script start + round(i · 1000 / fps) ms. Not thread-safe; the
 * camera owns native memory, so {@link #close()} it.
 */
public final class SyntheticCamera implements AutoCloseable {

  /** Frame rate, frame size and JPEG quality of a synthetic camera. */
  public record Settings(double fps, int width, int height, int jpegQuality) {
    public static final Settings DEFAULT = new Settings(15, 320, 240, 85);

    public Settings {
      if (!(fps > 0 && fps <= 120)) {
        throw new IllegalArgumentException("fps must be in (0, 120], got " + fps);
      }
      if (width < 8 || height < 8) {
        throw new IllegalArgumentException("frame must be at least 8x8, got " + width + "x" + height);
      }
    }
  }

  private final String id;
  private final CameraScript script;
  private final long seed;
  private final Settings settings;
  private final SceneRenderer renderer;
  private final FrameEncoder encoder;
  private final byte[] pixels;
  private final Mat image;
  private long sequence;
  private Scene scene; // of segment sceneSegment
  private int sceneSegment = -1;

  public SyntheticCamera(String id, CameraScript script, long seed, Settings settings) {
    this.id = id;
    this.script = script;
    this.seed = seed;
    this.settings = settings;
    this.renderer = new SceneRenderer(settings.width(), settings.height());
    this.encoder = new FrameEncoder(settings.jpegQuality());
    this.pixels = new byte[settings.width() * settings.height() * 3];
    this.image = new Mat(settings.height(), settings.width(), CV_8UC3);
  }

  public SyntheticCamera(String id, CameraScript script, long seed) {
    this(id, script, seed, Settings.DEFAULT);
  }

  public String id() {
    return id;
  }

  public CameraScript script() {
    return script;
  }

  public Settings settings() {
    return settings;
  }

  /** Capture time of frame {@code i}: start + round(i · 1000 / fps). */
  public long captureTimeMs(long i) {
    return script.startMs() + Math.round(i * 1000.0 / settings.fps());
  }

  /** Whether the next frame's capture time is still inside the script. */
  public boolean hasNext() {
    return captureTimeMs(sequence) < script.endMs();
  }

  public CameraFrame next() {
    long ts = captureTimeMs(sequence);
    CameraScript.Segment segment = script.segmentAt(ts)
        .orElseThrow(() -> new NoSuchElementException("camera " + id + ": script ended"));
    if (segment.index() != sceneSegment) {
      scene = Scene.random(segment.action(), mix(seed, segment.index()), settings.width(),
          settings.height(), segment.durationMs() / 1000.0);
      sceneSegment = segment.index();
    }
    double t = (ts - segment.startMs()) / 1000.0;
    renderer.render(scene, t, mix(seed ^ 0x6E01_5E5EL, sequence), pixels);
    image.data().put(pixels, 0, pixels.length);
    byte[] jpeg = encoder.jpeg(image);
    return new CameraFrame(id, sequence++, ts, jpeg, settings.width(), settings.height(),
        segment.action(), segment.index());
  }

  /** A well-spread seed from two numbers (SplittableRandom's own mixing does the rest). */
  static long mix(long a, long b) {
    return a * 0x9E37_79B9_7F4A_7C15L + b * 0xC2B2_AE3D_27D4_EB4FL + 0x1656_67B1_9E37_79F9L;
  }

  @Override
  public void close() {
    image.close();
  }
}
