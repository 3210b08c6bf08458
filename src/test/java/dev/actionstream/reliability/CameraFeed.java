package dev.actionstream.reliability;

import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.CameraScript;
import dev.actionstream.synthetic.SyntheticCamera;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Utils;

/**
 * Synthetic cameras played in real time from one thread (160×120 at 10 fps, to spare a busy
 * machine), published through {@link FramePublisher} with its retries, until {@link #stop()}.
 */
final class CameraFeed implements AutoCloseable {
  static final double FPS = 10;

  private final List<String> cameras;
  private final FramePublisher publisher;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean stop;
  private volatile long lastCaptureMs;

  CameraFeed(String bootstrap, List<String> cameras, Map<String, Object> producerOverrides) {
    this.cameras = List.copyOf(cameras);
    this.publisher = new FramePublisher(bootstrap, "frames", producerOverrides);
    this.thread = new Thread(this::play, "camera-feed");
    thread.setDaemon(true);
  }

  /**
   * {@code n} camera ids that the default partitioner puts on {@code n} distinct partitions of a
   * topic with {@code partitions} partitions, so that every partition (task) carries one camera.
   */
  static List<String> onDistinctPartitions(int n, int partitions) {
    Map<Integer, String> byPartition = new LinkedHashMap<>();
    for (int i = 1; byPartition.size() < n; i++) {
      String id = "cam-" + i;
      byPartition.putIfAbsent(partition(id, partitions), id);
    }
    return new ArrayList<>(byPartition.values());
  }

  static int partition(String camera, int partitions) {
    return Utils.toPositive(Utils.murmur2(camera.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  CameraFeed start() {
    thread.start();
    return this;
  }

  private void play() {
    long start = System.currentTimeMillis();
    List<SyntheticCamera> cams = new ArrayList<>();
    try {
      SyntheticCamera.Settings settings = new SyntheticCamera.Settings(FPS, 160, 120, 80);
      for (int i = 0; i < cameras.size(); i++) {
        cams.add(
            new SyntheticCamera(
                cameras.get(i), CameraScript.random(100 + i, start, 30 * 60_000), 100 + i, settings));
      }
      while (!stop) {
        long due = cams.get(0).captureTimeMs(sent.get() / cams.size());
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        for (SyntheticCamera cam : cams) {
          CameraFrame f = cam.next();
          publisher.publish(
              cam.id(), f.captureTimeMs(), f.sequence(), f.jpeg(),
              (md, e) -> {
                if (e != null) {
                  failed.incrementAndGet();
                }
              });
          sent.incrementAndGet();
          lastCaptureMs = f.captureTimeMs();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cams.forEach(SyntheticCamera::close);
    }
  }

  /** Stops publishing and waits until every frame sent was acknowledged or failed. */
  void stop() throws InterruptedException {
    stop = true;
    thread.join(10_000);
    publisher.flush();
  }

  long sent() {
    return sent.get();
  }

  /** Frames the producer gave up on (delivery timeout). */
  long failed() {
    return failed.get();
  }

  long lastCaptureMs() {
    return lastCaptureMs;
  }

  @Override
  public void close() throws InterruptedException {
    if (!stop) {
      stop();
    }
    publisher.close();
  }
}
