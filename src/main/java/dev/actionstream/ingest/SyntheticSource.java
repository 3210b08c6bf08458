package dev.actionstream.ingest;

import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A synthetic camera ({@code dev.actionstream.synthetic}) as a frame source: frames are rendered
 * and JPEG-encoded at the source, stamped with their scripted capture times, which the worker
 * waits for, so the camera plays in real time.
 *
 * <p>URL options, after {@code synthetic:} as {@code key=value} pairs joined by {@code &}: {@code
 * seed} (default 1), {@code width} and {@code height} (320×240), {@code duration} (how long the
 * script lasts, default 24h). The camera's fps and JPEG quality come from its camera entry.
 */
public final class SyntheticSource implements FrameSource {
  private final SyntheticCamera camera;

  /** Plays a prepared camera (the demo keeps its script to score the predictions). */
  public SyntheticSource(SyntheticCamera camera) {
    this.camera = camera;
  }

  /** A camera built from a {@code synthetic:} URL, its script starting on the next whole second. */
  static SyntheticSource fromSpec(CameraSpec spec) {
    Map<String, String> o = options(spec.source().url());
    long seed = Long.parseLong(o.getOrDefault("seed", "1"));
    int width = Integer.parseInt(o.getOrDefault("width", "320"));
    int height = Integer.parseInt(o.getOrDefault("height", "240"));
    Duration duration = dev.actionstream.config.Durations.parse(o.getOrDefault("duration", "24h"));
    long start = (System.currentTimeMillis() / 1000 + 1) * 1000;
    CameraScript script = CameraScript.random(seed * 1_000_003L, start, duration.toMillis());
    double fps = spec.fps() > 0 ? spec.fps() : 15;
    return new SyntheticSource(new SyntheticCamera(spec.id(), script, seed * 7919L,
        new SyntheticCamera.Settings(fps, width, height, spec.jpegQuality())));
  }

  /** Parses and checks the options of a {@code synthetic:} URL; throws naming a bad one. */
  static Map<String, String> options(String url) {
    String rest = url.substring("synthetic:".length());
    if (rest.startsWith("?")) {
      rest = rest.substring(1);
    }
    Map<String, String> out = new HashMap<>();
    for (String pair : rest.split("&")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      switch (key.toLowerCase(Locale.ROOT)) {
        case "seed" -> Long.parseLong(value);
        case "width", "height" -> {
          int v = Integer.parseInt(value);
          if (v < 8 || v > 4096) {
            throw new IllegalArgumentException("synthetic " + key + " must be in 8..4096, got " + v);
          }
        }
        case "duration" -> dev.actionstream.config.Durations.parse(value);
        default -> throw new IllegalArgumentException(
            "unknown synthetic option '" + key + "' (known: seed, width, height, duration)");
      }
      out.put(key.toLowerCase(Locale.ROOT), value);
    }
    return out;
  }

  SyntheticCamera camera() {
    return camera;
  }

  @Override
  public void open() {}

  @Override
  public Grabbed grab() {
    if (!camera.hasNext()) {
      return null;
    }
    CameraFrame f = camera.next();
    return new Grabbed(null, f.jpeg(), f.captureTimeMs());
  }

  @Override
  public boolean finite() {
    return true;
  }

  @Override
  public void close() {
    // nothing to disconnect: the script goes on
  }

  @Override
  public void dispose() {
    camera.close();
  }
}
