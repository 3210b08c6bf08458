package dev.actionstream.topology;

import dev.actionstream.config.ByteSizes;
import dev.actionstream.config.ConfigError;
import dev.actionstream.config.Durations;
import dev.actionstream.config.KafkaProperties;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.config.Section;
import dev.actionstream.config.Suggestions;
import com.fasterxml.jackson.databind.JsonNode;
import dev.actionstream.model.ManifestError;
import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig.CameraOverride;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.DecodeScale;
import dev.actionstream.topology.TopologyConfig.Input;
import dev.actionstream.topology.TopologyConfig.Outputs;
import dev.actionstream.topology.TopologyConfig.Policy;
import dev.actionstream.topology.TopologyConfig.Provider;
import dev.actionstream.topology.TopologyConfig.Realtime;
import dev.actionstream.topology.TopologyConfig.Roi;
import dev.actionstream.topology.TopologyConfig.Windows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a topology file (YAML, fields documented in topologies/README.md) into a {@link
 * TopologyConfig}, refusing it with a {@link TopologyError} that names the first bad field.
 *
 * <p>{@link #load} reads the file and its model manifest but does not open the ONNX model; {@link
 * #loadAndCheck} also opens it ({@link ModelCheck}), as {@code validate} and every engine start do.
 */
public final class TopologyLoader {

  /** Environment variable that overrides the file's {@code bootstrap-servers}. */
  public static final String BOOTSTRAP_ENV = "ACTIONSTREAM_BOOTSTRAP_SERVERS";

  // Defaults, documented in topologies/README.md.
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  public static final String DEFAULT_INPUT_TOPIC = "frames";
  public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
  public static final long DEFAULT_MAX_FRAME_PIXELS = 4096L * 4096L;
  public static final Duration DEFAULT_HOP = Duration.ofSeconds(1);
  public static final Duration DEFAULT_GRACE = Duration.ofMillis(300);
  public static final int DEFAULT_MIN_DISTINCT_FRAMES = 4;
  public static final Duration DEFAULT_MAX_FUTURE = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(5);
  public static final int DEFAULT_BATCH = 1;
  public static final int MAX_BATCH = 256;
  /** Batching's added latency bound: small against a 1 s hop, long enough to gather cameras. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(50);
  /** Below this a GPU provider cannot hold even a small model's activations: a unit slip. */
  static final long MIN_GPU_MEM_LIMIT = 64L << 20;
  public static final int DEFAULT_TOP_K = 3;
  public static final double DEFAULT_ENTER = 0.6;
  public static final double DEFAULT_EXIT = 0.4;
  public static final int DEFAULT_SMOOTHING = 3;
  public static final Duration DEFAULT_QUIET_TIME = Duration.ofSeconds(5);

  /** A window may hop at most this many clip durations: beyond, most of the video goes unseen. */
  static final int MAX_HOP_CLIPS = 10;

  // Kafka's legal topic characters; Kafka Streams prefixes its internal topics with the
  // application id, so the id obeys the same rule.
  private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
  private static final int MAX_TOPIC_LENGTH = 249;
  private static final Pattern BROKER = Pattern.compile("\\S+:(\\d{1,5})");

  private static final List<String> ROOT_KEYS =
      List.of(
          "application-id", "bootstrap-servers", "model", "input", "windows", "realtime",
          "inference", "outputs", "episodes", "cameras", "streams", "http");
  private static final List<String> HTTP_KEYS = List.of("port", "bind");
  private static final List<String> INPUT_KEYS =
      List.of("topic", "max-frame-bytes", "max-frame-pixels", "decode-scale");
  private static final List<String> WINDOWS_KEYS =
      List.of("hop", "grace", "min-distinct-frames", "max-future");
  private static final List<String> REALTIME_KEYS = List.of("policy", "max-lag");
  private static final List<String> INFERENCE_KEYS =
      List.of(
          "provider", "threads", "batch", "device-id", "max-wait", "overlap",
          "gpu-mem-limit", "fp16", "trt-cache-dir");
  private static final List<String> OUTPUTS_KEYS =
      List.of("predictions", "events", "alerts", "dead-letters", "top-k");
  private static final List<String> EPISODES_KEYS =
      List.of("labels", "enter", "exit", "smoothing", "quiet-time", "alert-labels");
  private static final List<String> CAMERA_KEYS = List.of("roi", "labels");
  private static final List<String> ROI_KEYS = List.of("x", "y", "width", "height");

  // Set by the topology's own fields; a copy in streams would contradict them.
  private static final Map<String, String> STREAMS_OWNED =
      Map.of("application.id", "application-id", "bootstrap.servers", "bootstrap-servers");

  private TopologyLoader() {}

  /** The file as written: its own {@code bootstrap-servers}, no override. */
  public static TopologyConfig load(Path file) {
    return load(file, null, Map.of());
  }

  /**
   * The file with the brokers overridden: {@code bootstrapFlag} (a command-line value; null or
   * blank = not given) wins over the {@value #BOOTSTRAP_ENV} environment variable, which wins over
   * the file.
   */
  public static TopologyConfig load(Path file, String bootstrapFlag) {
    return load(file, bootstrapFlag, System.getenv());
  }

  /**
   * {@link #load(Path, String)}, then opens the model once and checks it against its manifest and
   * the topology's {@code inference.batch}: what {@code validate} and every engine start do.
   */
  public static TopologyConfig loadAndCheck(Path file, String bootstrapFlag) {
    TopologyConfig config = load(file, bootstrapFlag);
    ModelCheck.check(config);
    return config;
  }

  /** {@link #load(Path, String)} with the environment passed in, for tests. */
  static TopologyConfig load(Path file, String bootstrapFlag, Map<String, String> env) {
    Path abs = file.toAbsolutePath().normalize();
    Section root = Section.root(file, ROOT_KEYS, TopologyError::new);

    String applicationId = kafkaName(root, "application-id", null);
    String bootstrap = brokers(root, bootstrapFlag, env.get(BOOTSTRAP_ENV));
    TopologyConfig.Fusion fusion = root.isMapping("model") ? fusion(root, abs.getParent()) : null;
    ModelManifest model = fusion == null
        ? model(root, abs.getParent())
        : fusion.members().get(0).manifest();
    Input input = input(root.section("input", INPUT_KEYS));
    Windows windows = windows(root.section("windows", WINDOWS_KEYS), model, fusion);
    Realtime realtime = realtime(root.section("realtime", REALTIME_KEYS));
    Inference inference = inference(root.section("inference", INFERENCE_KEYS), model, abs.getParent());
    Outputs outputs = outputs(root.section("outputs", OUTPUTS_KEYS), model, input.topic());
    Episodes episodes = episodes(root.section("episodes", EPISODES_KEYS), model);
    Map<String, CameraOverride> cameras = cameras(root, model, episodes);
    Map<String, String> streams = streams(root, env);
    HttpSettings http = http(root.section("http", HTTP_KEYS), HttpSettings.ENGINE_PORT);

    return new TopologyConfig(
        abs, applicationId, bootstrap, model, input, windows, realtime, inference, outputs,
        episodes, cameras, streams, http, fusion);
  }

  // ---- identity and brokers --------------------------------------------------------------------

  private static String kafkaName(Section s, String key, String defaultValue) {
    String name = s.string(key, defaultValue);
    if (!KAFKA_NAME.matcher(name).matches()) {
      throw s.error(key, "'" + name + "' may contain only letters, digits, '.', '_' and '-'");
    }
    if (name.equals(".") || name.equals("..")) {
      throw s.error(key, "'" + name + "' is not a legal Kafka name");
    }
    if (name.length() > MAX_TOPIC_LENGTH) {
      throw s.error(key, "at most " + MAX_TOPIC_LENGTH + " characters, got " + name.length());
    }
    return name;
  }

  /** Flag > environment > file; each source is named in the error when its value is wrong. */
  private static String brokers(Section root, String flag, String env) {
    String servers;
    String source;
    if (flag != null && !flag.isBlank()) {
      servers = flag;
      source = " (from --bootstrap-servers)";
    } else if (env != null && !env.isBlank()) {
      servers = env;
      source = " (from " + BOOTSTRAP_ENV + ")";
    } else {
      servers = root.string("bootstrap-servers", DEFAULT_BOOTSTRAP_SERVERS);
      source = "";
    }
    for (String broker : servers.split(",", -1)) {
      var m = BROKER.matcher(broker.strip());
      int port = m.matches() ? Integer.parseInt(m.group(1)) : 0;
      if (port < 1 || port > 65535) {
        throw root.error(
            "bootstrap-servers",
            "must be host:port[,host:port...], got '" + servers + "'" + source);
      }
    }
    return servers.strip();
  }

  private static ModelManifest model(Section root, Path dir) {
    String spec = root.requiredString("model");
    try {
      return ManifestLoader.load(dir.resolve(spec));
    } catch (ManifestError e) {
      // Keep the manifest's field: the line to fix is in the manifest, not here.
      throw root.error("model", spec + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code model: {name, fuse: [{manifest, weight}, ...]}}: late fusion of two or more models that
   * share labels and clip duration, so that one window is one clip for each of them.
   */
  private static TopologyConfig.Fusion fusion(Section root, Path dir) {
    Section s = root.section("model", List.of("name", "fuse"));
    String name = kafkaName(s, "name", null);
    List<JsonNode> items = s.items("fuse");
    if (items.size() < 2) {
      throw s.error("fuse", "must list at least 2 models ({manifest, weight}); with one, write"
          + " model: <manifest path>");
    }
    List<TopologyConfig.Member> members = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Section m = s.child("fuse[" + i + "]", items.get(i), List.of("manifest", "weight"));
      String spec = m.requiredString("manifest");
      ModelManifest manifest;
      try {
        manifest = ManifestLoader.load(dir.resolve(spec));
      } catch (ManifestError e) {
        throw m.error("manifest", spec + ": " + e.getMessage(), e);
      }
      double weight = m.number("weight", 1.0);
      if (!(weight > 0) || Double.isInfinite(weight)) {
        throw m.error("weight", "must be > 0, got " + weight);
      }
      if (!members.isEmpty()) {
        ModelManifest first = members.get(0).manifest();
        if (!manifest.labels().equals(first.labels())) {
          throw m.error("manifest", "%s: its labels differ from %s's (%d vs %d classes, or other"
              .formatted(spec, first.name(), manifest.labels().size(), first.labels().size())
              + " names or order); fused models must score the same classes");
        }
        long d = Math.round(manifest.clip().duration() * 1000);
        long d0 = Math.round(first.clip().duration() * 1000);
        if (d != d0) {
          throw m.error("manifest", "%s: clip duration %d ms differs from %s's %d ms; fused models"
              .formatted(spec, d, first.name(), d0) + " must see the same window");
        }
      }
      members.add(new TopologyConfig.Member(manifest, weight));
    }
    return new TopologyConfig.Fusion(name, members);
  }

  // ---- sections ---------------------------------------------------------------------------------

  private static Input input(Section s) {
    String topic = kafkaName(s, "topic", DEFAULT_INPUT_TOPIC);
    int maxBytes = s.integer("max-frame-bytes", DEFAULT_MAX_FRAME_BYTES);
    positive(s, "max-frame-bytes", maxBytes);
    long maxPixels = s.longInteger("max-frame-pixels", DEFAULT_MAX_FRAME_PIXELS);
    positive(s, "max-frame-pixels", maxPixels);
    return new Input(topic, maxBytes, maxPixels, choice(s, "decode-scale", DecodeScale.class, DecodeScale.FULL));
  }

  private static Windows windows(Section s, ModelManifest model, TopologyConfig.Fusion fusion) {
    Duration clip = Duration.ofNanos(Math.round(model.clip().duration() * 1e9));
    Duration hop = s.duration("hop", DEFAULT_HOP);
    positive(s, "hop", hop);
    Duration maxHop = clip.multipliedBy(MAX_HOP_CLIPS);
    if (hop.compareTo(maxHop) > 0) {
      throw s.error(
          "hop",
          "must be at most %d × the model's clip duration (%s) = %s, got %s"
              .formatted(
                  MAX_HOP_CLIPS, Durations.seconds(clip), Durations.seconds(maxHop),
                  Durations.format(hop)));
    }
    Duration grace = s.duration("grace", DEFAULT_GRACE);
    if (grace.isNegative()) {
      throw s.error("grace", "must be >= 0, got " + Durations.format(grace));
    }
    int frames = fusion == null ? model.clip().frames() : fusion.maxClipFrames();
    int minDistinct = s.integer("min-distinct-frames", Math.min(DEFAULT_MIN_DISTINCT_FRAMES, frames));
    if (minDistinct < 1 || minDistinct > frames) {
      throw s.error(
          "min-distinct-frames",
          "must be in [1, %d] (the model's clip frames), got %d".formatted(frames, minDistinct));
    }
    Duration maxFuture = s.duration("max-future", DEFAULT_MAX_FUTURE);
    positive(s, "max-future", maxFuture);
    return new Windows(hop, grace, minDistinct, maxFuture);
  }

  private static Realtime realtime(Section s) {
    Policy policy = choice(s, "policy", Policy.class, Policy.REALTIME);
    Duration maxLag = s.duration("max-lag", DEFAULT_MAX_LAG);
    positive(s, "max-lag", maxLag);
    return new Realtime(policy, maxLag);
  }

  private static Inference inference(Section s, ModelManifest model, Path dir) {
    Provider provider = choice(s, "provider", Provider.class, Provider.CPU);
    int threads = s.integer("threads", Runtime.getRuntime().availableProcessors());
    positive(s, "threads", threads);
    int batch = s.integer("batch", DEFAULT_BATCH);
    if (batch < 1 || batch > MAX_BATCH) {
      throw s.error("batch", "must be in [1, " + MAX_BATCH + "], got " + batch);
    }
    int deviceId = s.integer("device-id", 0);
    if (deviceId < 0) {
      throw s.error("device-id", "must be >= 0, got " + deviceId);
    }
    Duration maxWait = s.duration("max-wait", DEFAULT_MAX_WAIT);
    positive(s, "max-wait", maxWait);
    // GPU settings: whether the provider can load here is checked when the model opens
    // (ModelCheck), so that validate reports a missing GPU build or CUDA library too.
    String gpuOnly = "applies to the cuda and tensorrt providers only; provider is "
        + provider.name().toLowerCase(Locale.ROOT);
    long memLimit = s.byteSize("gpu-mem-limit", 0);
    if (s.has("gpu-mem-limit")) {
      if (provider == Provider.CPU) {
        throw s.error("gpu-mem-limit", gpuOnly);
      }
      if (memLimit < MIN_GPU_MEM_LIMIT) {
        throw s.error("gpu-mem-limit", "must be at least 64MiB, got " + ByteSizes.format(memLimit));
      }
    }
    boolean fp16 = s.bool("fp16", false);
    if (fp16 && provider == Provider.CPU) {
      throw s.error("fp16", gpuOnly + " (the CPU provider computes in float32)");
    }
    if (fp16 && provider == Provider.CUDA && model.onnxFp16() == null) {
      throw s.error("fp16", "model %s has no fp16 variant: its manifest %s names no onnx_fp16"
              .formatted(model.name(), ConfigError.shown(model.file()))
          + "; export one with python3 -m modelkit.export ... --fp16, or set fp16: false");
    }
    Path trtCache = null;
    if (s.has("trt-cache-dir")) {
      if (provider != Provider.TENSORRT) {
        throw s.error("trt-cache-dir", "applies to the tensorrt provider only; provider is "
            + provider.name().toLowerCase(Locale.ROOT));
      }
      trtCache = dir.resolve(s.requiredString("trt-cache-dir")).normalize();
      if (Files.exists(trtCache) && !Files.isDirectory(trtCache)) {
        throw s.error("trt-cache-dir", trtCache + " is a file, not a directory");
      }
    }
    boolean overlap = s.bool("overlap", true);
    return new Inference(provider, threads, batch, deviceId, maxWait, memLimit, fp16, trtCache, overlap);
  }

  private static Outputs outputs(Section s, ModelManifest model, String inputTopic) {
    Map<String, String> used = new LinkedHashMap<>();
    used.put(inputTopic, "input.topic");
    String predictions = distinctTopic(s, "predictions", used);
    String events = distinctTopic(s, "events", used);
    String alerts = distinctTopic(s, "alerts", used);
    String deadLetters = distinctTopic(s, "dead-letters", used);
    int classes = model.output().classes();
    int topK = s.integer("top-k", Math.min(DEFAULT_TOP_K, classes));
    if (topK < 1 || topK > classes) {
      throw s.error(
          "top-k",
          "must be in [1, %d] (the model's classes), got %d".formatted(classes, topK));
    }
    return new Outputs(predictions, events, alerts, deadLetters, topK);
  }

  /** A topic named after its key by default, refused when another field already uses it. */
  private static String distinctTopic(Section s, String key, Map<String, String> used) {
    String topic = kafkaName(s, key, key);
    String other = used.putIfAbsent(topic, s.field(key));
    if (other != null) {
      throw s.error(key, "'" + topic + "' is already the topic of " + other
          + "; every topic must be different");
    }
    return topic;
  }

  private static Episodes episodes(Section s, ModelManifest model) {
    List<String> all = model.labels();
    List<String> labels = s.strings("labels");
    if (labels == null) {
      // The first label is by convention the "nothing happens" class (idle).
      labels = all.subList(Math.min(1, all.size()), all.size());
    } else {
      if (labels.isEmpty()) {
        throw s.error("labels", "must list at least one label of the model");
      }
      labels(s, "labels", labels, model, null);
    }
    double enter = s.number("enter", DEFAULT_ENTER);
    if (!(enter > 0 && enter <= 1)) {
      throw s.error("enter", "must be in (0, 1], got " + num(enter));
    }
    double exit = s.number("exit", Math.min(DEFAULT_EXIT, enter));
    if (!(exit >= 0 && exit <= enter)) {
      throw s.error("exit", "must be in [0, enter %s], got %s".formatted(num(enter), num(exit)));
    }
    int smoothing = s.integer("smoothing", DEFAULT_SMOOTHING);
    positive(s, "smoothing", smoothing);
    Duration quietTime = s.duration("quiet-time", DEFAULT_QUIET_TIME);
    positive(s, "quiet-time", quietTime);
    List<String> alertLabels = s.strings("alert-labels");
    if (alertLabels == null) {
      alertLabels = List.of();
    }
    labels(s, "alert-labels", alertLabels, model, labels);
    return new Episodes(labels, enter, exit, smoothing, quietTime, alertLabels);
  }

  private static Map<String, CameraOverride> cameras(
      Section root, ModelManifest model, Episodes episodes) {
    Map<String, CameraOverride> cameras = new LinkedHashMap<>();
    for (var e : root.entries("cameras").entrySet()) {
      Section cam = root.child("cameras." + e.getKey(), e.getValue(), CAMERA_KEYS);
      Roi roi = cam.has("roi") ? roi(cam.section("roi", ROI_KEYS)) : null;
      List<String> labels = cam.strings("labels");
      if (labels != null) {
        labels(cam, "labels", labels, model, episodes.labels());
      }
      cameras.put(e.getKey(), new CameraOverride(roi, labels));
    }
    return cameras;
  }

  private static Roi roi(Section s) {
    double x = fraction(s, "x");
    double y = fraction(s, "y");
    double width = fraction(s, "width");
    double height = fraction(s, "height");
    if (width <= 0) {
      throw s.error("width", "must be > 0, got " + num(width));
    }
    if (height <= 0) {
      throw s.error("height", "must be > 0, got " + num(height));
    }
    // Tolerance for decimal fractions that do not add up exactly in binary (0.7 + 0.3).
    if (x + width > 1 + 1e-9) {
      throw s.error("width", "x + width must be <= 1, got %s + %s".formatted(num(x), num(width)));
    }
    if (y + height > 1 + 1e-9) {
      throw s.error(
          "height", "y + height must be <= 1, got %s + %s".formatted(num(y), num(height)));
    }
    return new Roi(x, y, width, height);
  }

  /** Values may name environment variables, {@code ${NAME}}: passwords stay out of the file. */
  private static Map<String, String> streams(Section root, Map<String, String> env) {
    Map<String, String> props = new LinkedHashMap<>();
    for (var e : root.entries("streams").entrySet()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      String owner = STREAMS_OWNED.get(key);
      if (owner != null) {
        throw root.error("streams." + key, "set by the topology's " + owner + "; set it there");
      }
      if (v == null || !v.isValueNode() || v.isNull()) {
        throw root.error("streams." + key, "must be a string, number or boolean, got "
            + Section.repr(v));
      }
      props.put(key, KafkaProperties.substitute(root, "streams." + key, v.asText(), env::get));
    }
    return props;
  }

  /**
   * The {@code http} section of a topology or camera file: {@code port} (0..65535, 0 = any free
   * port, -1 = no HTTP server; default {@code defaultPort}) and {@code bind} (an address or host
   * name; default 127.0.0.1).
   */
  public static HttpSettings http(Section s, int defaultPort) {
    int port = s.integer("port", defaultPort);
    if (port < HttpSettings.DISABLED_PORT || port > 65535) {
      throw s.error("port", "must be in 0..65535 (0 = any free port) or -1 (no HTTP server), got " + port);
    }
    String bind = s.string("bind", dev.actionstream.http.HttpEndpoints.DEFAULT_BIND).strip();
    if (bind.isEmpty() || !bind.matches("[A-Za-z0-9._:%\\[\\]-]+")) {
      throw s.error("bind", "must be an IP address or host name such as 127.0.0.1 or 0.0.0.0, got '" + bind + "'");
    }
    return new HttpSettings(bind, port);
  }

  // ---- shared checks ----------------------------------------------------------------------------

  /**
   * Every label must be one of the model's; with {@code within} non-null, also one of those
   * ({@code episodes.labels}). Duplicates are refused: they hint at a copy-paste slip.
   */
  private static void labels(
      Section s, String key, List<String> labels, ModelManifest model, List<String> within) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      String at = key + "[" + i + "]";
      if (!model.labels().contains(label)) {
        throw s.error(at, "'" + label + "' is not a label of model " + model.name() + "; "
            + validLabels(label, model));
      }
      if (within != null && !within.contains(label)) {
        throw s.error(at, "'" + label + "' is not in episodes.labels (" + String.join(", ", within)
            + ")");
      }
      if (!seen.add(label)) {
        throw s.error(at, "'" + label + "' is listed twice");
      }
    }
  }

  /** All of them when few; else the nearest and where the full list is. */
  private static String validLabels(String label, ModelManifest model) {
    List<String> all = model.labels();
    if (all.size() <= 20) {
      return "valid labels: " + String.join(", ", all);
    }
    return all.size() + " valid labels in " + model.labelsFile()
        + Suggestions.didYouMean(label, all);
  }

  private static <E extends Enum<E>> E choice(Section s, String key, Class<E> type, E def) {
    String spelled = s.string(key, def.name().toLowerCase(Locale.ROOT));
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(Locale.ROOT).equals(spelled)) {
        return e;
      }
    }
    throw s.error(key, "'" + spelled + "' not one of "
        + Arrays.stream(type.getEnumConstants())
            .map(e -> e.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", ", "(", ")")));
  }

  private static double fraction(Section s, String key) {
    double v = s.requiredNumber(key);
    if (!(v >= 0 && v <= 1)) {
      throw s.error(key, "must be a fraction of the frame in [0, 1], got " + num(v));
    }
    return v;
  }

  private static void positive(Section s, String key, long v) {
    if (v < 1) {
      throw s.error(key, "must be > 0, got " + v);
    }
  }

  private static void positive(Section s, String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw s.error(key, "must be > 0, got " + Durations.format(d));
    }
  }

  /** 0.6 rather than 0.6000000001, 1 rather than 1.0. */
  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
  }
}
