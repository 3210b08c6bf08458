package dev.actionstream.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.frames.InvalidFrame;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the live view shows, kept from the records of the frames, predictions and events topics
 * (all partitions, so every camera of every engine instance): per camera the newest frame, the
 * newest prediction, its state (live / stale / down from the age of its newest frame) and the
 * episodes of the last few minutes. Memory is bounded: at most {@link Limits#maxCameras()}
 * cameras, {@link Limits#maxEpisodes()} episodes each, one frame each and {@link
 * Limits#maxFrameBytes()} of frames in all. Thread-safe: one consumer thread feeds it, HTTP
 * threads read snapshots.
 */
public final class ViewState {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param maxCameras cameras kept; beyond, the one heard from longest ago is forgotten
   * @param maxEpisodes episodes kept per camera (the oldest go first)
   * @param maxFrameBytes frame bytes kept over all cameras; beyond, the stalest cameras' frames
   *     are dropped
   * @param timeline how far back the episode timeline reaches
   * @param frameInterval a camera's frame is replaced at most this often (capture time)
   * @param liveWithin a camera is {@code live} while its newest frame is at most this old
   * @param downAfter ... {@code stale} up to this age, then {@code down}
   * @param forgetAfter a camera heard nothing from (frames, predictions, events) this long is
   *     forgotten
   */
  public record Limits(
      int maxCameras,
      int maxEpisodes,
      long maxFrameBytes,
      Duration timeline,
      Duration frameInterval,
      Duration liveWithin,
      Duration downAfter,
      Duration forgetAfter) {
    public static Limits defaults() {
      return new Limits(
          256,
          64,
          64L << 20,
          Duration.ofMinutes(5),
          Duration.ofMillis(200),
          Duration.ofSeconds(5),
          Duration.ofSeconds(60),
          Duration.ofMinutes(30));
    }
  }

  /** Topic names: which record is which. */
  public record Topics(String frames, String predictions, String events) {}

  /** A camera's newest frame. */
  public record Frame(byte[] bytes, String contentType, long captureTs) {}

  public record Label(String label, double score) {}

  /** One episode on the timeline; {@code end} null while it is open. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Episode(
      String id,
      String label,
      long start,
      Long end,
      double score,
      @JsonProperty("top_score") double topScore,
      boolean alert,
      @JsonProperty("last") long last) {}

  /**
   * One tile: camera id, state, newest frame's capture time (null: none kept), newest prediction
   * (null fields: none yet) and the timeline's episodes, oldest first.
   */
  public record CameraView(
      String camera,
      String state,
      @JsonProperty("frame_ts") Long frameTs,
      @JsonProperty("frame_age_ms") Long frameAgeMs,
      String label,
      Double score,
      boolean alert,
      @JsonProperty("window_end") Long windowEnd,
      @JsonProperty("top_k") List<Label> topK,
      List<Episode> episodes) {}

  /** Everything the page needs; {@code now} is the server's clock (the timeline's right edge). */
  public record Snapshot(
      long now,
      @JsonProperty("timeline_ms") long timelineMs,
      List<String> labels,
      @JsonProperty("alert_labels") List<String> alertLabels,
      List<CameraView> cameras) {}

  private static final class Camera {
    final String id;
    long lastHeard; // wall clock of the newest record of any kind
    Frame frame;
    long frameSeen; // min(capture time, wall clock at receipt) of the newest frame
    String label;
    double score;
    long windowEnd = Long.MIN_VALUE;
    List<Label> topK = List.of();
    final LinkedHashMap<String, Episode> episodes = new LinkedHashMap<>();

    Camera(String id) {
      this.id = id;
    }
  }

  private final Limits limits;
  private final Topics topics;
  private final FrameContract contract;
  private final List<String> labels;
  private final List<String> alertLabels;
  private final Map<String, Camera> cameras = new HashMap<>();
  private long frameBytes;
  private long records;
  private long refused;

  /**
   * @param labels the model's labels, in order (the page colours them by position)
   * @param alertLabels highlighted on the page
   * @param maxFrameBytesEach frames above this size are not kept (the topology's
   *     {@code input.max-frame-bytes})
   */
  public ViewState(
      Limits limits, Topics topics, List<String> labels, List<String> alertLabels, int maxFrameBytesEach) {
    this.limits = limits;
    this.topics = topics;
    this.labels = List.copyOf(labels);
    this.alertLabels = List.copyOf(alertLabels);
    // Capture times in the future are not refused here: the view only shows them.
    this.contract = new FrameContract(maxFrameBytesEach, Long.MAX_VALUE / 4);
  }

  /** Takes one record of any of the three topics; others and malformed ones are ignored. */
  public void accept(ConsumerRecord<byte[], byte[]> r, long wallNow) {
    if (r.topic().equals(topics.frames())) {
      FrameContract.IncomingFrame f;
      try {
        f = contract.check(r.key(), r.value(), r.headers(), r.timestamp(), wallNow);
      } catch (InvalidFrame e) {
        count(false);
        return;
      }
      onFrame(f.camera(), f.image(), f.captureTs(), wallNow);
      return;
    }
    boolean prediction = r.topic().equals(topics.predictions());
    if (!prediction && !r.topic().equals(topics.events())) {
      return;
    }
    JsonNode v;
    try {
      v = r.value() == null ? null : JSON.readTree(r.value());
    } catch (IOException e) {
      v = null;
    }
    if (v == null || !v.path("camera").isTextual() || !v.path("label").isTextual()) {
      count(false);
      return;
    }
    String camera = v.get("camera").asText();
    if (prediction) {
      List<Label> top = new ArrayList<>();
      for (JsonNode t : v.path("top_k")) {
        if (top.size() < 3) {
          top.add(new Label(t.path("label").asText(), t.path("score").asDouble()));
        }
      }
      onPrediction(camera, v.get("label").asText(), v.path("score").asDouble(), v.path("window_end").asLong(), top, wallNow);
    } else {
      JsonNode end = v.path("end");
      onEvent(
          v.path("type").asText(),
          v.path("id").asText(),
          camera,
          v.get("label").asText(),
          v.path("score").asDouble(),
          v.path("top_score").asDouble(),
          v.path("start").asLong(),
          end.isNumber() ? end.asLong() : null,
          v.path("window_end").asLong(),
          v.path("alert").asBoolean(alertLabels.contains(v.get("label").asText())),
          wallNow);
    }
  }

  private synchronized void count(boolean ok) {
    records++;
    if (!ok) {
      refused++;
    }
  }

  /** A frame: kept when newer than the kept one by at least the frame interval. */
  public synchronized void onFrame(String camera, byte[] image, long captureTs, long wallNow) {
    records++;
    Camera c = camera(camera, wallNow);
    long seen = Math.min(captureTs, wallNow);
    Frame old = c.frame;
    // A camera whose clock went back (restart, reset) must not freeze.
    boolean reset = old != null && captureTs < old.captureTs() - limits.downAfter().toMillis();
    if (old == null || reset || captureTs > old.captureTs()) {
      c.frameSeen = reset ? seen : Math.max(c.frameSeen, seen);
    }
    if (old != null && !reset && captureTs < old.captureTs() + limits.frameInterval().toMillis()) {
      return; // throttled, or older than the kept one
    }
    if (old != null) {
      frameBytes -= old.bytes().length;
    }
    c.frame = new Frame(image, contentType(image), captureTs);
    frameBytes += image.length;
    if (frameBytes > limits.maxFrameBytes()) {
      // Drop the frames of the cameras heard from longest ago (never this one's).
      List<Camera> byAge = new ArrayList<>(cameras.values());
      byAge.sort(Comparator.comparingLong(x -> x.lastHeard));
      for (Camera other : byAge) {
        if (frameBytes <= limits.maxFrameBytes()) {
          break;
        }
        if (other != c && other.frame != null) {
          frameBytes -= other.frame.bytes().length;
          other.frame = null;
        }
      }
    }
  }

  /** A prediction: the newest by window end wins. */
  public synchronized void onPrediction(
      String camera, String label, double score, long windowEnd, List<Label> topK, long wallNow) {
    records++;
    Camera c = camera(camera, wallNow);
    if (windowEnd < c.windowEnd) {
      return;
    }
    c.label = label;
    c.score = score;
    c.windowEnd = windowEnd;
    c.topK = List.copyOf(topK);
  }

  /** An event: {@code new} / {@code update} open or refresh the episode, {@code end} closes it. */
  public synchronized void onEvent(
      String type,
      String id,
      String camera,
      String label,
      double score,
      double topScore,
      long start,
      Long end,
      long windowEnd,
      boolean alert,
      long wallNow) {
    records++;
    Camera c = camera(camera, wallNow);
    Episode old = c.episodes.get(id);
    if (old != null && old.end() != null && !"end".equals(type)) {
      return; // a late update of an ended episode
    }
    Long closed = "end".equals(type) ? (end != null ? end : windowEnd) : null;
    long last = Math.max(windowEnd, closed != null ? closed : start);
    double top = Math.max(topScore, old != null ? old.topScore() : 0);
    Episode e = new Episode(id, label, start, closed, score, top, alert, last);
    if (old == null) {
      c.episodes.put(id, e);
      while (c.episodes.size() > limits.maxEpisodes()) {
        Iterator<String> it = c.episodes.keySet().iterator();
        it.next();
        it.remove();
      }
    } else {
      c.episodes.replace(id, e);
    }
  }

  private Camera camera(String id, long wallNow) {
    Camera c = cameras.get(id);
    if (c == null) {
      if (cameras.size() >= limits.maxCameras()) {
        // Forget the camera heard from longest ago.
        Camera gone = cameras.values().stream().min(Comparator.comparingLong(x -> x.lastHeard)).orElseThrow();
        if (gone.frame != null) {
          frameBytes -= gone.frame.bytes().length;
        }
        cameras.remove(gone.id);
      }
      c = new Camera(id);
      cameras.put(id, c);
    }
    c.lastHeard = Math.max(c.lastHeard, wallNow);
    return c;
  }

  /** The newest frame kept for a camera. */
  public synchronized Optional<Frame> frame(String camera) {
    Camera c = cameras.get(camera);
    return c == null ? Optional.empty() : Optional.ofNullable(c.frame);
  }

  /** Everything, cameras sorted by id; forgets silent cameras and episodes off the timeline. */
  public synchronized Snapshot snapshot(long wallNow) {
    prune(wallNow);
    List<Camera> sorted = new ArrayList<>(cameras.values());
    sorted.sort(Comparator.comparing(c -> c.id));
    List<CameraView> views = new ArrayList<>(sorted.size());
    for (Camera c : sorted) {
      views.add(view(c, wallNow));
    }
    return new Snapshot(wallNow, limits.timeline().toMillis(), labels, alertLabels, views);
  }

  /** Records taken and how many of them were refused (malformed). */
  public synchronized long[] counts() {
    return new long[] {records, refused};
  }

  /** Bytes of frames held now. */
  public synchronized long frameBytes() {
    return frameBytes;
  }

  private CameraView view(Camera c, long now) {
    Long age = c.frameSeen == 0 ? null : Math.max(0, now - c.frameSeen);
    String state =
        age == null || age > limits.downAfter().toMillis()
            ? "down"
            : age > limits.liveWithin().toMillis() ? "stale" : "live";
    boolean hasPrediction = c.label != null;
    return new CameraView(
        c.id,
        state,
        c.frame == null ? null : c.frame.captureTs(),
        age,
        c.label,
        hasPrediction ? c.score : null,
        hasPrediction && alertLabels.contains(c.label),
        hasPrediction ? c.windowEnd : null,
        c.topK,
        List.copyOf(c.episodes.values()));
  }

  private void prune(long now) {
    long forget = now - limits.forgetAfter().toMillis();
    long horizon = now - limits.timeline().toMillis();
    for (Iterator<Camera> it = cameras.values().iterator(); it.hasNext(); ) {
      Camera c = it.next();
      if (c.lastHeard < forget) {
        if (c.frame != null) {
          frameBytes -= c.frame.bytes().length;
        }
        it.remove();
        continue;
      }
      // Ended before the timeline, or open but not heard of since (its end event never came).
      c.episodes.values().removeIf(e -> (e.end() != null ? e.end() : e.last()) < horizon);
    }
  }

  static String contentType(byte[] image) {
    return image.length >= 4
            && (image[0] & 0xff) == 0x89
            && image[1] == 'P'
            && image[2] == 'N'
            && image[3] == 'G'
        ? "image/png"
        : "image/jpeg";
  }
}
