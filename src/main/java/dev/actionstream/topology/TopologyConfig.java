package dev.actionstream.topology;

import dev.actionstream.http.HttpSettings;
import dev.actionstream.model.ModelManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One topology file ({@code topologies/*.yaml}), validated: everything the engine needs to run one
 * Kafka Streams application without code. Instances come from {@link TopologyLoader}; field names
 * in its error messages are the YAML keys (kebab-case), e.g. {@code episodes.enter}.
 *
 * @param file the topology file, absolute
 * @param applicationId Kafka Streams {@code application.id} (also the consumer group)
 * @param bootstrapServers brokers; the file's value unless {@code --bootstrap-servers} or
 *     {@code ACTIONSTREAM_BOOTSTRAP_SERVERS} overrides it
 * @param model the model manifest, loaded and validated (path resolved against the topology file)
 * @param streams extra Kafka Streams / client properties passed through verbatim
 * @param http the process's HTTP server (metrics, health, live view); flags may override it
 * @param fusion several models fused into one logical model (late fusion), or null for the one
 *     {@code model}; with fusion, {@code model} is its first member (labels and clip duration are
 *     the same for all members)
 */
public record TopologyConfig(
    Path file,
    String applicationId,
    String bootstrapServers,
    ModelManifest model,
    Input input,
    Windows windows,
    Realtime realtime,
    Inference inference,
    Outputs outputs,
    Episodes episodes,
    Map<String, CameraOverride> cameras,
    Map<String, String> streams,
    HttpSettings http,
    Fusion fusion) {

  public TopologyConfig {
    cameras = Map.copyOf(cameras);
    streams = Map.copyOf(streams);
    if (http == null) {
      http = HttpSettings.defaults(HttpSettings.ENGINE_PORT);
    }
  }

  /** One model, no fusion. */
  public TopologyConfig(
      Path file,
      String applicationId,
      String bootstrapServers,
      ModelManifest model,
      Input input,
      Windows windows,
      Realtime realtime,
      Inference inference,
      Outputs outputs,
      Episodes episodes,
      Map<String, CameraOverride> cameras,
      Map<String, String> streams,
      HttpSettings http) {
    this(file, applicationId, bootstrapServers, model, input, windows, realtime, inference,
        outputs, episodes, cameras, streams, http, null);
  }

  /**
   * Late fusion (Two-stream's RGB and flow streams as one model): each member's class
   * probabilities weighted, p = Σ wᵢ·pᵢ / Σ wᵢ.
   *
   * @param name the logical model's name, reported in predictions and events
   */
  public record Fusion(String name, List<Member> members) {
    public Fusion {
      members = List.copyOf(members);
    }

    /** The most frames any member samples per window. */
    public int maxClipFrames() {
      return members.stream().mapToInt(m -> m.manifest().clip().frames()).max().orElseThrow();
    }
  }

  /** A fused model and its weight (> 0). */
  public record Member(ModelManifest manifest, double weight) {}

  /** The models a window runs through: the fusion's members, or the one model with weight 1. */
  public List<Member> members() {
    return fusion == null ? List.of(new Member(model, 1.0)) : fusion.members();
  }

  /** The name predictions and events report: the model's, or the fusion's. */
  public String modelName() {
    return fusion == null ? model.name() : fusion.name();
  }

  /** The most frames any member samples per window: the bound of {@code min-distinct-frames}. */
  public int maxClipFrames() {
    return fusion == null ? model.clip().frames() : fusion.maxClipFrames();
  }

  /** The same topology with other inference settings. */
  public TopologyConfig withInference(Inference other) {
    return new TopologyConfig(file, applicationId, bootstrapServers, model, input, windows, realtime,
        other, outputs, episodes, cameras, streams, http, fusion);
  }

  /** Without an {@code http} section: the default HTTP settings. */
  public TopologyConfig(
      Path file,
      String applicationId,
      String bootstrapServers,
      ModelManifest model,
      Input input,
      Windows windows,
      Realtime realtime,
      Inference inference,
      Outputs outputs,
      Episodes episodes,
      Map<String, CameraOverride> cameras,
      Map<String, String> streams) {
    this(file, applicationId, bootstrapServers, model, input, windows, realtime, inference,
        outputs, episodes, cameras, streams, null);
  }

  /** Same topology with other brokers (flag or environment override). */
  public TopologyConfig withBootstrapServers(String servers) {
    return new TopologyConfig(
        file, applicationId, servers, model, input, windows, realtime, inference, outputs,
        episodes, cameras, streams, http, fusion);
  }

  /** Same topology with other HTTP settings (flag override). */
  public TopologyConfig withHttp(HttpSettings settings) {
    return new TopologyConfig(
        file, applicationId, bootstrapServers, model, input, windows, realtime, inference, outputs,
        episodes, cameras, streams, settings, fusion);
  }

  /** The override for a camera, or the default (whole frame, every label). */
  public CameraOverride camera(String cameraId) {
    return cameras.getOrDefault(cameraId, CameraOverride.NONE);
  }

  /**
   * @param topic the frames topic (key camera id, value JPEG/PNG)
   * @param maxFrameBytes larger values go to dead letters ({@code frame-too-large})
   * @param maxFramePixels decoded width × height above this go to dead letters
   *     ({@code image-too-large})
   * @param decodeScale {@code full}: decode every pixel; {@code auto}: decode JPEGs at 1/2, 1/4 or
   *     1/8 size (libjpeg's DCT scaling) when the model's short side still fits the camera's region
   */
  public record Input(String topic, int maxFrameBytes, long maxFramePixels, DecodeScale decodeScale) {
    public Input(String topic, int maxFrameBytes, long maxFramePixels) {
      this(topic, maxFrameBytes, maxFramePixels, DecodeScale.FULL);
    }
  }

  /** How large JPEG frames are decoded; see {@link Input}. */
  public enum DecodeScale {
    FULL,
    AUTO
  }

  /**
   * @param hop a window ends every hop of camera time (ends aligned to multiples of hop)
   * @param grace how long, in camera time, a window waits for out-of-order frames before it is
   *     inferred; frames older than the camera's newest frame minus grace are late
   * @param minDistinctFrames a window built from fewer distinct frames is skipped
   *     ({@code too-few-frames})
   * @param maxFuture frames whose capture time is further than this ahead of the wall clock go to
   *     dead letters ({@code future-timestamp})
   */
  public record Windows(Duration hop, Duration grace, int minDistinctFrames, Duration maxFuture) {}

  /** {@code realtime}: skip windows older than maxLag when due; {@code backfill}: infer all. */
  public enum Policy {
    REALTIME,
    BACKFILL
  }

  /** @param maxLag used by {@link Policy#REALTIME} only */
  public record Realtime(Policy policy, Duration maxLag) {}

  public enum Provider {
    CPU,
    CUDA,
    TENSORRT
  }

  /**
   * @param threads ONNX Runtime intra-op threads of the shared session
   * @param batch most clips one run may carry (clips of different cameras batched together)
   * @param deviceId accelerator index for cuda/tensorrt
   * @param maxWait longest a due window waits for a batch to fill (batch &gt; 1 only)
   * @param gpuMemLimit bytes of GPU memory ONNX Runtime may hold (cuda/tensorrt); 0 = no limit
   * @param fp16 half precision (cuda: the manifest's fp16 variant; tensorrt: fp16 engines)
   * @param trtCacheDir TensorRT engine and timing cache directory (tensorrt); null = none
   * @param overlap model runs on an inference thread while the stream thread goes on with frames
   */
  public record Inference(
      Provider provider,
      int threads,
      int batch,
      int deviceId,
      Duration maxWait,
      long gpuMemLimit,
      boolean fp16,
      Path trtCacheDir,
      boolean overlap) {

    /** CPU-style settings: default max-wait, no GPU settings, overlap on. */
    public Inference(Provider provider, int threads, int batch, int deviceId) {
      this(provider, threads, batch, deviceId, TopologyLoader.DEFAULT_MAX_WAIT);
    }

    /** With a batching wait, no GPU settings, overlap on. */
    public Inference(Provider provider, int threads, int batch, int deviceId, Duration maxWait) {
      this(provider, threads, batch, deviceId, maxWait, 0, false, null, true);
    }

    /** The same settings with overlap on or off. */
    public Inference withOverlap(boolean on) {
      return new Inference(provider, threads, batch, deviceId, maxWait, gpuMemLimit, fp16, trtCacheDir, on);
    }
  }

  /**
   * Output topic names.
   *
   * @param topK labels per prediction record
   */
  public record Outputs(
      String predictions, String events, String alerts, String deadLetters, int topK) {}

  /**
   * Episode rules: an episode of a label opens when its smoothed score reaches {@code enter} and
   * ends when it falls below {@code exit} or the camera sends nothing for {@code quietTime}.
   *
   * @param labels labels that form episodes (default: every model label except the first, which
   *     by convention is the "nothing happens" class such as {@code idle})
   * @param smoothing the smoothed score is the mean of the last this-many windows' scores
   * @param alertLabels events of these labels are also published to the alerts topic
   */
  public record Episodes(
      List<String> labels,
      double enter,
      double exit,
      int smoothing,
      Duration quietTime,
      List<String> alertLabels) {
    public Episodes {
      labels = List.copyOf(labels);
      alertLabels = List.copyOf(alertLabels);
    }
  }

  /**
   * Per-camera settings.
   *
   * @param roi region of interest cropped before preprocessing; null = whole frame
   * @param labels labels that may open episodes on this camera; null = all of {@link
   *     Episodes#labels()}
   */
  public record CameraOverride(Roi roi, List<String> labels) {
    public static final CameraOverride NONE = new CameraOverride(null, null);

    public CameraOverride {
      labels = labels == null ? null : List.copyOf(labels);
    }
  }

  /** Region of interest as fractions of the frame: left, top, width, height, all in [0, 1]. */
  public record Roi(double x, double y, double width, double height) {}
}
