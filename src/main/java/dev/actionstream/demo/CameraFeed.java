package dev.actionstream.demo;

import dev.actionstream.ingest.FramePublisher;
import dev.actionstream.synthetic.CameraFrame;
import dev.actionstream.synthetic.SyntheticCamera;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays one synthetic camera in real time: each frame is published when the wall clock reaches
 * its capture time, as a live camera would send it. A feed that falls behind (a busy machine)
 * publishes late frames at once, never drops them: the engine's real-time policy decides.
 */
final class CameraFeed implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CameraFeed.class);

  private final SyntheticCamera camera;
  private final FramePublisher publisher;
  private final AtomicBoolean running;
  private final AtomicLong published = new AtomicLong();
  private final Thread thread;

  CameraFeed(SyntheticCamera camera, FramePublisher publisher, AtomicBoolean running) {
    this.camera = camera;
    this.publisher = publisher;
    this.running = running;
    this.thread = new Thread(this, "camera-" + camera.id());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void join() throws InterruptedException {
    thread.join();
  }

  long published() {
    return published.get();
  }

  @Override
  public void run() {
    try (camera) {
      while (running.get() && camera.hasNext()) {
        CameraFrame f = camera.next();
        long wait = f.captureTimeMs() - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        if (!running.get()) {
          break;
        }
        publisher.publish(camera.id(), f.captureTimeMs(), f.sequence(), f.jpeg());
        published.incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("camera {}: feed failed", camera.id(), e);
    }
  }
}
