package dev.actionstream.ingest;

import dev.actionstream.http.HttpSettings;
import com.fasterxml.jackson.databind.JsonNode;
import dev.actionstream.config.ConfigError;
import dev.actionstream.config.KafkaProperties;
import dev.actionstream.config.Section;
import dev.actionstream.topology.TopologyLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a camera file ({@code config/cameras.yaml}; fields in the README's "Camera ingest"
 * section): the Kafka target, defaults, and one entry per camera. Refuses the file with a {@link
 * CamerasError} naming the first bad field. {@code ${NAME}} in a URL, an option or a producer
 * property is replaced by the environment
 * variable NAME, so that passwords stay out of the file.
 */
public final class CamerasFile {
  public static final double DEFAULT_FPS = 15;
  public static final int DEFAULT_MAX_WIDTH = 640;
  public static final int DEFAULT_MAX_HEIGHT = 480;
  public static final int DEFAULT_JPEG_QUALITY = 85;
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_WATCHDOG = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(500);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);

  private static final List<String> ROOT_KEYS =
      List.of("cameras", "bootstrap-servers", "topic", "producer", "defaults", "http");
  private static final List<String> SETTING_KEYS =
      List.of("fps", "max-width", "max-height", "jpeg-quality", "pace", "loop", "read-timeout",
          "watchdog", "backoff-initial", "backoff-max", "format", "options");
  private static final List<String> CAMERA_KEYS = with("url", SETTING_KEYS);
  private static final Pattern CAMERA_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** What a camera file holds. */
  public record Cameras(
      String bootstrapServers,
      String topic,
      Map<String, String> producer,
      List<CameraSpec> cameras,
      HttpSettings http) {}

  /** A camera file is wrong; the message names the file and the field. */
  public static final class CamerasError extends ConfigError {
    private static final long serialVersionUID = 1L;

    public CamerasError(Path file, String field, String reason, Throwable cause) {
      super("cameras", file, field, reason, cause);
    }
  }

  private CamerasFile() {}

  public static Cameras load(Path file) {
    return load(file, System::getenv);
  }

  /** With {@code env} for {@code ${NAME}} substitution and the bootstrap override (tests). */
  public static Cameras load(Path file, Function<String, String> env) {
    Section root = Section.root(file, ROOT_KEYS, CamerasError::new);
    String bootstrap = env.apply(TopologyLoader.BOOTSTRAP_ENV);
    if (bootstrap == null || bootstrap.isBlank()) {
      bootstrap = root.string("bootstrap-servers", TopologyLoader.DEFAULT_BOOTSTRAP_SERVERS);
    }
    String topic = root.string("topic", TopologyLoader.DEFAULT_INPUT_TOPIC);
    Map<String, String> producer = new LinkedHashMap<>();
    // Kafka properties as the topology's streams: properties take them (linger.ms: 10), any scalar.
    // Values may name environment variables, ${NAME}, as URLs may: passwords stay out of the file.
    root.entries("producer").forEach((k, v) ->
        producer.put(k, substitute(root, "producer." + k, scalar(root, "producer." + k, v), env)));
    Section defaults = root.section("defaults", SETTING_KEYS);
    CameraSpec base = settings(defaults, null, "default", CameraSource.parse("synthetic:"), env);
    Map<String, JsonNode> entries = root.entries("cameras");
    if (entries.isEmpty()) {
      throw root.error("cameras", "missing: list at least one camera (cameras: {door: {url: rtsp://...}})");
    }
    List<CameraSpec> cameras = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
      String id = e.getKey();
      if (!CAMERA_ID.matcher(id).matches()) {
        throw root.error("cameras." + id, "camera ids use letters, digits, '.', '_' and '-' (at most 128)");
      }
      Section cam = root.child("cameras." + id, e.getValue(), CAMERA_KEYS);
      String raw = substitute(cam, "url", cam.requiredString("url"), env);
      CameraSource source;
      try {
        source = CameraSource.parse(raw);
      } catch (IllegalArgumentException ex) {
        throw cam.error("url", ex.getMessage());
      }
      cameras.add(settings(cam, base, id, source, env));
    }
    HttpSettings http = TopologyLoader.http(root.section("http", List.of("port", "bind")), HttpSettings.INGEST_PORT);
    return new Cameras(bootstrap, topic, Map.copyOf(producer), List.copyOf(cameras), http);
  }

  private static CameraSpec settings(
      Section s, CameraSpec base, String id, CameraSource source, Function<String, String> env) {
    double fps = s.number("fps", base == null ? DEFAULT_FPS : base.fps());
    if (!(fps >= 0 && fps <= 240)) {
      throw s.error("fps", "must be in 0..240 (0 keeps every frame), got " + fps);
    }
    int maxWidth = positive(s, "max-width", base == null ? DEFAULT_MAX_WIDTH : base.maxWidth(), 16, 8192);
    int maxHeight = positive(s, "max-height", base == null ? DEFAULT_MAX_HEIGHT : base.maxHeight(), 16, 8192);
    int quality = positive(s, "jpeg-quality", base == null ? DEFAULT_JPEG_QUALITY : base.jpegQuality(), 1, 100);
    String paceText = s.string("pace", base == null ? "own" : base.pace().name().toLowerCase(Locale.ROOT));
    CameraSpec.Pace pace =
        switch (paceText) {
          case "own" -> CameraSpec.Pace.OWN;
          case "fast" -> CameraSpec.Pace.FAST;
          default -> throw s.error("pace", "must be 'own' (the file's frame rate) or 'fast', got '" + paceText + "'");
        };
    boolean loop = s.bool("loop", base != null && base.loop());
    Duration readTimeout = positive(s, "read-timeout", base == null ? DEFAULT_READ_TIMEOUT : base.readTimeout());
    Duration watchdog = positive(s, "watchdog", base == null ? DEFAULT_WATCHDOG : base.watchdog());
    Duration backoffInitial =
        positive(s, "backoff-initial", base == null ? DEFAULT_BACKOFF_INITIAL : base.backoffInitial());
    Duration backoffMax = positive(s, "backoff-max", base == null ? DEFAULT_BACKOFF_MAX : base.backoffMax());
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw s.error("backoff-max", "must be >= backoff-initial");
    }
    String format = s.has("format") ? s.requiredString("format") : base == null ? null : base.format();
    Map<String, String> options = new LinkedHashMap<>(base == null ? Map.of() : base.options());
    s.entries("options").forEach((k, v) -> options.put(k, substitute(s, "options." + k, scalar(s, "options." + k, v), env)));
    return new CameraSpec(id, source, fps, maxWidth, maxHeight, quality, pace, loop, readTimeout,
        watchdog, backoffInitial, backoffMax, format, options);
  }

  private static String scalar(Section s, String key, JsonNode v) {
    if (!v.isValueNode() || v.isNull()) {
      throw s.error(key, "must be a single value");
    }
    return v.asText();
  }

  private static int positive(Section s, String key, int def, int min, int max) {
    int v = s.integer(key, def);
    if (v < min || v > max) {
      throw s.error(key, "must be in " + min + ".." + max + ", got " + v);
    }
    return v;
  }

  private static Duration positive(Section s, String key, Duration def) {
    Duration d = s.duration(key, def);
    if (d.isZero() || d.isNegative()) {
      throw s.error(key, "must be > 0");
    }
    return d;
  }

  /** Replaces {@code ${NAME}} by the environment variable; an unset one is an error naming it. */
  private static String substitute(Section s, String key, String text, Function<String, String> env) {
    return KafkaProperties.substitute(s, key, text, env);
  }

  private static List<String> with(String key, List<String> keys) {
    List<String> out = new ArrayList<>(keys);
    out.add(0, key);
    return List.copyOf(out);
  }
}
