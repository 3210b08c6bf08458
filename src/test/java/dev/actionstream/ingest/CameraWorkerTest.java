package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.metrics.IngestMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The worker's loop without a broker: nothing is published here. */
class CameraWorkerTest {

  /** A file that opens but holds no frame. */
  private static final class EmptySource implements FrameSource {
    final AtomicInteger opens = new AtomicInteger();

    @Override
    public void open() {
      opens.incrementAndGet();
    }

    @Override
    public Grabbed grab() {
      return null;
    }

    @Override
    public boolean finite() {
      return true;
    }

    @Override
    public void close() {}
  }

  @Test
  void aLoopingSourceWithoutFramesBacksOffInsteadOfSpinning() throws Exception {
    CameraSpec spec = CameraSpec.of("empty", "/videos/empty.mp4").withPace(CameraSpec.Pace.OWN, true)
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofMillis(200));
    EmptySource source = new EmptySource();
    List<CameraWorker.Change> changes = new CopyOnWriteArrayList<>();
    IngestMetrics metrics = IngestMetrics.inMemory();
    try (FramePublisher publisher = new FramePublisher("127.0.0.1:1", "frames", Map.of())) {
      CameraWorker w = new CameraWorker(spec, source, publisher, metrics.camera("empty"), changes::add);
      w.start();
      Thread.sleep(1_000);
      w.stop();
      assertTrue(w.join(Duration.ofSeconds(5)));
    }
    // 50, 100, 200, 200, … ms apart: a handful of opens in a second, not a busy loop.
    assertTrue(source.opens.get() >= 3 && source.opens.get() <= 12, source.opens.get() + " opens in 1 s");
    assertEquals(CameraWorker.State.DOWN, changes.get(0).state());
    assertTrue(changes.get(0).reason().contains("no frame in /videos/empty.mp4"), changes.get(0).reason());
    assertEquals(CameraWorker.State.STOPPED, changes.get(changes.size() - 1).state());
  }

  /** A live camera that sends a few frames, then stays connected but silent for a while. */
  private static final class SilentSource implements FrameSource {
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger grabs = new AtomicInteger();

    @Override
    public void open() {
      opens.incrementAndGet();
    }

    @Override
    public Grabbed grab() throws java.io.IOException {
      if (grabs.incrementAndGet() == 4) {
        try {
          Thread.sleep(2_000); // connected, nothing arrives (no read timeout fires)
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      } else {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new Grabbed(null, new byte[] {1}, System.currentTimeMillis());
    }

    @Override
    public boolean finite() {
      return false;
    }

    @Override
    public void close() {}
  }

  @Test
  void theWatchdogMarksASilentCameraDownAndItReconnects() throws Exception {
    CameraSpec spec = CameraSpec.of("quiet", "rtsp://127.0.0.1:1/cam").withFps(0)
        .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofMillis(50), Duration.ofMillis(100));
    SilentSource source = new SilentSource();
    List<CameraWorker.Change> changes = new CopyOnWriteArrayList<>();
    // Nothing listens on port 1: publishing fails fast and is counted, the loop goes on.
    try (FramePublisher publisher =
            new FramePublisher("127.0.0.1:1", "frames", Map.of("max.block.ms", 50));
        Ingest ingest = new Ingest(publisher, IngestMetrics.inMemory())) {
      ingest.onChange(changes::add);
      ingest.start(spec, source);
      long deadline = System.currentTimeMillis() + 6_000;
      while (System.currentTimeMillis() < deadline
          && changes.stream().filter(c -> c.state() == CameraWorker.State.UP).count() < 2) {
        Thread.sleep(20);
      }
    }
    List<CameraWorker.State> states = changes.stream().map(CameraWorker.Change::state).toList();
    assertEquals(List.of(CameraWorker.State.UP, CameraWorker.State.DOWN, CameraWorker.State.UP),
        states.subList(0, 3), changes.toString());
    CameraWorker.Change down = changes.get(1);
    long silentFor = down.atMs() - changes.get(0).atMs();
    assertTrue(down.reason().contains("watchdog"), down.reason());
    // three frames 50 ms apart, then silence: down about 0.5 s after the last frame (200 ms checks)
    assertTrue(silentFor >= 500 && silentFor <= 1_200, "down " + silentFor + " ms after up");
    assertEquals(2, source.opens.get(), "reconnected once the stuck read returned");
  }
}
