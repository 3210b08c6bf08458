package dev.actionstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.actionstream.clips.FrameSampler;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FramePreprocessor;
import dev.actionstream.frames.FrameRejected;
import dev.actionstream.frames.InvalidFrame;
import dev.actionstream.frames.RegionOfInterest;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.topology.TopologyConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Rebuilds clips the engine inferred, for the bare loop: the windows come from the engine's
 * predictions (camera, window start and end), their frames from the frames topic, and the clip
 * is made as the engine makes it: same frame range, {@link FrameSampler}, {@link FrameDecoder},
 * {@link FramePreprocessor} (with the camera's region of interest), in clip order.
 */
final class ClipReplay {
  private ClipReplay() {}

  /** One window to rebuild. */
  private record Window(String camera, long start, long end) {}

  /** A frame of the topic: capture time, sequence, image bytes. */
  private record Frame(long ts, long seq, byte[] image) {}

  /**
   * Up to {@code max} clips, spread evenly over the predictions: per clip the T preprocessed
   * frames (C×H×W planes), as {@code ClipAssembler.fill} takes them.
   */
  static List<float[][]> load(TopologyConfig config, String servers, int max) {
    List<Window> all = new ArrayList<>();
    readAll(servers, config.streams(), config.outputs().predictions(), r -> {
      try {
        JsonNode p = BenchReport.JSON.readTree(r.value());
        all.add(new Window(p.get("camera").asText(), p.get("window_start").asLong(), p.get("window_end").asLong()));
      } catch (IOException | RuntimeException e) {
        // not a prediction: ignore
      }
    });
    List<Window> picked = new ArrayList<>();
    int n = Math.min(max, all.size());
    for (int i = 0; i < n; i++) {
      picked.add(all.get((int) ((long) i * all.size() / n)));
    }
    Map<String, List<Frame>> frames = new HashMap<>();
    FrameContract contract =
        new FrameContract(config.input().maxFrameBytes(), config.windows().maxFuture().toMillis());
    readAll(servers, config.streams(), config.input().topic(), r -> {
      try {
        FrameContract.IncomingFrame f =
            contract.check(r.key(), r.value(), r.headers(), r.timestamp(), System.currentTimeMillis());
        boolean needed = picked.stream()
            .anyMatch(w -> w.camera().equals(f.camera()) && f.captureTs() >= w.start() && f.captureTs() <= w.end());
        if (needed) {
          frames.computeIfAbsent(f.camera(), c -> new ArrayList<>()).add(new Frame(f.captureTs(), f.seq(), f.image()));
        }
      } catch (InvalidFrame e) {
        // dead-lettered by the engine too: never in a clip
      }
    });
    frames.values().forEach(l -> l.sort(Comparator.comparingLong(Frame::ts).thenComparingLong(Frame::seq)));
    return assemble(config, picked, frames);
  }

  private static List<float[][]> assemble(TopologyConfig config, List<Window> windows, Map<String, List<Frame>> frames) {
    ModelManifest m = config.model();
    int t = m.clip().frames();
    List<float[][]> clips = new ArrayList<>();
    Map<String, FramePreprocessor> pre = new HashMap<>();
    Map<Frame, float[]> planes = new java.util.IdentityHashMap<>(); // a frame shared by windows: once
    try (FrameDecoder decoder = new FrameDecoder(config.input().maxFramePixels())) {
      for (Window w : windows) {
        List<Frame> in = new ArrayList<>();
        long lastTs = Long.MIN_VALUE;
        long lastSeq = Long.MIN_VALUE;
        for (Frame f : frames.getOrDefault(w.camera(), List.of())) {
          if (f.ts() >= w.start() && f.ts() <= w.end() && !(f.ts() == lastTs && f.seq() == lastSeq)) {
            in.add(f); // a resend (same capture time and seq) is a duplicate the engine refused
            lastTs = f.ts();
            lastSeq = f.seq();
          }
        }
        if (in.isEmpty()) {
          continue;
        }
        long[] times = in.stream().mapToLong(Frame::ts).toArray();
        int[] picks = new int[t];
        FrameSampler.sample(
            times, times.length, config.model().clip().sampleTimes(w.end(), w.end() - w.start()), picks);
        FramePreprocessor p = pre.computeIfAbsent(w.camera(), c -> preprocessor(config, c));
        float[][] clip = new float[t][];
        for (int i = 0; i < t; i++) {
          Frame f = in.get(picks[i]);
          float[] pl = planes.get(f);
          if (pl == null) {
            pl = new float[p.frameFloats()];
            try {
              p.process(decoder.decode(f.image(), f.image().length, BenchTopology.reducer(config, p)), ChannelOrder.BGR, pl, 0);
            } catch (FrameRejected e) {
              throw new IllegalStateException("a frame the engine took no longer decodes: " + e.detail(), e);
            }
            planes.put(f, pl);
          }
          clip[i] = pl;
        }
        clips.add(clip);
      }
    }
    return clips;
  }

  private static FramePreprocessor preprocessor(TopologyConfig config, String camera) {
    TopologyConfig.Roi roi = config.camera(camera).roi();
    return new FramePreprocessor(config.model().preprocessing(), roi == null
        ? RegionOfInterest.FULL
        : new RegionOfInterest(roi.x(), roi.y(), roi.width(), roi.height()));
  }

  /** Every committed record of {@code topic}, from the beginning to its end now. */
  static void readAll(
      String servers, Map<String, String> streams, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> c = BenchKafka.consumer(servers, streams)) {
      List<TopicPartition> parts = BenchKafka.assignFromStart(c, topic);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
