package dev.actionstream.ingest;

import dev.actionstream.metrics.IngestMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ingests many cameras into the frames topic: one {@link CameraWorker} thread per camera, one
 * shared producer, and one watchdog thread that marks stalled cameras down. A failing camera never
 * affects the others.
 */
public final class Ingest implements AutoCloseable {
  private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(200);
  /** FFmpeg's default analyzeduration: how long a connect may read a live stream before it returns. */
  private static final Duration STREAM_PROBE = Duration.ofSeconds(5);

  private final FramePublisher publisher;
  private final boolean ownsPublisher;
  private final IngestMetrics metrics;
  private final List<CameraWorker> workers = new CopyOnWriteArrayList<>();
  private final List<Consumer<CameraWorker.Change>> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService watchdog;

  /** Publishes to {@code topic} on {@code bootstrapServers} with extra producer properties. */
  public Ingest(String bootstrapServers, String topic, Map<String, ?> producer, IngestMetrics metrics) {
    this(new FramePublisher(bootstrapServers, topic, Map.copyOf(producer)), true, metrics);
  }

  /** Publishes through a publisher the caller owns. */
  public Ingest(FramePublisher publisher, IngestMetrics metrics) {
    this(publisher, false, metrics);
  }

  private Ingest(FramePublisher publisher, boolean ownsPublisher, IngestMetrics metrics) {
    this.publisher = publisher;
    this.ownsPublisher = ownsPublisher;
    this.metrics = metrics;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ingest-watchdog");
      t.setDaemon(true);
      return t;
    });
    long period = WATCHDOG_PERIOD.toMillis();
    watchdog.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      workers.forEach(w -> w.checkWatchdog(now));
    }, period, period, TimeUnit.MILLISECONDS);
  }

  /** Hears every camera's state changes (called on camera and watchdog threads). */
  public void onChange(Consumer<CameraWorker.Change> listener) {
    listeners.add(listener);
  }

  /** Starts a camera from its spec: FFmpeg for RTSP, HTTP and files; the synthetic renderer for synthetic:. */
  public CameraWorker start(CameraSpec spec) {
    FrameSource source = spec.source().kind() == CameraSource.Kind.SYNTHETIC
        ? SyntheticSource.fromSpec(spec)
        : new FfmpegSource(spec);
    return start(spec, source);
  }

  /** Starts a camera reading from a prepared source (the demo's scripted synthetic cameras). */
  public CameraWorker start(CameraSpec spec, FrameSource source) {
    if (workers.stream().anyMatch(w -> w.id().equals(spec.id()))) {
      throw new IllegalArgumentException("camera " + spec.id() + " is already ingested");
    }
    CameraWorker w = new CameraWorker(spec, source, publisher, metrics.camera(spec.id()),
        change -> listeners.forEach(l -> l.accept(change)));
    workers.add(w);
    w.start();
    return w;
  }

  public List<CameraWorker> cameras() {
    return List.copyOf(workers);
  }

  public IngestMetrics metrics() {
    return metrics;
  }

  /** Whether every camera has ended (files without loop, finished synthetic scripts). */
  public boolean allEnded() {
    return workers.stream().allMatch(w -> w.state() == CameraWorker.State.ENDED
        || w.state() == CameraWorker.State.STOPPED);
  }

  public void flush() {
    publisher.flush();
  }

  /**
   * Stops every camera, flushes and closes the producer. A camera thread blocked in FFmpeg sees the
   * stop when the call returns: a read within the read timeout, a connect to an unresponsive camera
   * within two (JavaCV opens a second time after a failure), a connect to a live one after FFmpeg's
   * stream probe (up to {@link #STREAM_PROBE} of stream).
   */
  @Override
  public void close() {
    watchdog.shutdownNow();
    List<CameraWorker> all = new ArrayList<>(workers);
    all.forEach(CameraWorker::stop);
    try {
      for (CameraWorker w : all) {
        w.join(w.spec().readTimeout().multipliedBy(2).plus(STREAM_PROBE));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    publisher.flush();
    if (ownsPublisher) {
      publisher.close();
    }
  }
}
