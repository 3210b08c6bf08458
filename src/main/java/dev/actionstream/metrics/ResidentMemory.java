package dev.actionstream.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code process_resident_memory_bytes}: the process's resident set (heap, native buffers, ONNX
 * Runtime, FFmpeg, thread stacks), read from {@code /proc/self/statm} at each scrape. Linux only;
 * elsewhere the gauge is not registered.
 */
public final class ResidentMemory implements MeterBinder {
  private static final Path STATM = Path.of("/proc/self/statm");

  private final Path statm;
  private final long pageSize;

  public ResidentMemory() {
    this(STATM, pageSize());
  }

  ResidentMemory(Path statm, long pageSize) {
    this.statm = statm;
    this.pageSize = pageSize;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    if (!Files.isReadable(statm)) {
      return;
    }
    Gauge.builder("process.resident.memory", this, ResidentMemory::bytes)
        .baseUnit("bytes")
        .strongReference(true) // nothing else holds this binder; a weak gauge would read NaN after a GC
        .description("resident set size of the process (/proc/self/statm)")
        .register(registry);
  }

  /** Resident bytes now; NaN when unreadable. */
  public double bytes() {
    try {
      String[] fields = Files.readString(statm).trim().split("\\s+");
      return Long.parseLong(fields[1]) * (double) pageSize;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The kernel's page size (statm counts pages): Unsafe knows it; 4 KiB otherwise. */
  static long pageSize() {
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      var f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return ((Number) c.getMethod("pageSize").invoke(f.get(null))).longValue();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return 4096;
    }
  }
}
