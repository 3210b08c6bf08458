package dev.actionstream.bench;

import dev.actionstream.config.KafkaProperties;
import dev.actionstream.demo.DemoCameras;
import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FramePreprocessor;
import dev.actionstream.frames.FrameRejected;
import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.SyntheticCamera;
import dev.actionstream.topology.TopologyConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What the topology costs beyond the least a consumer feeding a model must do. A frames topic is
 * pre-filled with {@code frames} JPEG frames of synthetic cameras; then (a) a plain {@code
 * read_committed} KafkaConsumer reads them all and decodes and preprocesses each once, and (b) the
 * engine (with a trivial model, so inference is not what is measured) drains the same topic in
 * backfill policy. Both are timed from their first frame to their last; the ratio of their
 * frames/s is the topology's efficiency (goal at least 0.8). Both run after the frames are in,
 * one after the other, in this process; each twice, timing the second pass (the engine's first
 * pass is a separate application), so that both are measured JIT-compiled: decoding and
 * preprocessing for both, and Kafka's clients and the topology for the engine.
 */
final class Overhead {
  private Overhead() {}

  /**
   * @param config a backfill topology over {@code config.input().topic()} (empty, created), with
   *     the trivial model
   * @param first the same with another application id and outputs: the engine's first pass
   */
  static BenchReport.Overhead run(
      TopologyConfig config, TopologyConfig first, int cameras, long frames, double fps, long seed, Duration timeout,
      java.nio.file.Path stateDir, PrintStream out) throws InterruptedException {
    String topic = config.input().topic();
    long per = Math.max(1, frames / cameras);
    long total = per * cameras;
    fill(config, cameras, per, fps, seed, out);
    out.printf("bench: overhead: %d frames of %d cameras in %s; raw consumer...%n", total, cameras, topic);
    // Twice: the first pass warms the JIT for decoding and preprocessing, which the engine shares.
    rawConsumer(config, total, timeout);
    double rawSeconds = rawConsumer(config, total, timeout);
    double rawFps = total / rawSeconds;
    out.printf(Locale.ROOT, "bench: overhead: raw consumer %.1f frames/s; engine (%s)...%n", rawFps, config.model().name());
    BenchReport.Drain firstPass =
        Backlog.drain(first, total, timeout, stateDir.resolveSibling("overhead-first"), out, "overhead engine, first pass");
    out.printf(Locale.ROOT, "bench: overhead: engine first pass %.1f frames/s (JIT warm-up, not in the ratio); again...%n",
        firstPass.framesPerS());
    BenchReport.Drain engine = Backlog.drain(config, total, timeout, stateDir, out, "overhead engine");
    return new BenchReport.Overhead(config.model().name(), cameras, total, rawSeconds, rawFps, firstPass, engine,
        BenchReport.finite(BenchReport.ratio(engine.framesPerS(), rawFps)));
  }

  /** Renders the cameras' frames (capture times in the recent past, in order) and publishes them. */
  private static void fill(TopologyConfig config, int cameras, long per, double fps, long seed, PrintStream out) {
    long spanMs = (long) Math.ceil(per * 1000 / fps) + 1000;
    long start = System.currentTimeMillis() - spanMs - 5000;
    long t0 = System.nanoTime();
    Map<String, Object> producer = new HashMap<>(KafkaProperties.connection(config.streams(), "producer."));
    try (FramePublisher publisher = new FramePublisher(config.bootstrapServers(), config.input().topic(), producer)) {
      for (int i = 1; i <= cameras; i++) {
        try (SyntheticCamera camera = DemoCameras.camera(i, seed, start, spanMs, fps)) {
          for (long n = 0; n < per && camera.hasNext(); n++) {
            CameraFrame f = camera.next();
            publisher.publish(camera.id(), f.captureTimeMs(), f.sequence(), f.jpeg());
          }
        }
      }
      publisher.flush();
    }
    out.printf(Locale.ROOT, "bench: overhead: rendered and published %d frames in %.1f s%n",
        per * cameras, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * The hand-written consumer: poll, decode the JPEG, preprocess into the model's planes, once per
   * frame. Seconds from its first record to its last.
   */
  static double rawConsumer(TopologyConfig config, long frames, Duration timeout) {
    FramePreprocessor pre = new FramePreprocessor(config.model().preprocessing());
    float[] planes = new float[pre.frameFloats()];
    try (KafkaConsumer<byte[], byte[]> c = BenchKafka.consumer(config.bootstrapServers(), config.streams());
        FrameDecoder decoder = new FrameDecoder(config.input().maxFramePixels())) {
      // Offsets looked up before the clock starts, so the first timed poll is a fetch.
      BenchKafka.assignFromStart(c, config.input().topic()).forEach(c::position);
      long n = 0;
      long first = -1;
      long last = -1;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (n < frames && System.nanoTime() < deadline) {
        long before = System.nanoTime();
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
        if (first < 0 && !records.isEmpty()) {
          first = before;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          try {
            pre.process(decoder.decode(r.value(), r.value().length, BenchTopology.reducer(config, pre)), ChannelOrder.BGR, planes, 0);
          } catch (FrameRejected e) {
            // a bad frame costs what it cost; the engine would dead-letter it
          }
          n++;
        }
        last = System.nanoTime();
      }
      if (n < frames) {
        throw new IllegalStateException("raw consumer read " + n + " of " + frames + " frames before the timeout");
      }
      return (last - first) / 1e9;
    }
  }
}
