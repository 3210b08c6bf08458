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
}
