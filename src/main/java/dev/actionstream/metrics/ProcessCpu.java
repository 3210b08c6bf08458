package dev.actionstream.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of this process and of the whole machine, for tools that report CPU use per interval. */
public final class ProcessCpu {
  private ProcessCpu() {}

  /** CPU time this process has used so far (all threads), in nanoseconds; 0 where unknown. */
  public static long processNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  /** {busy, total} jiffies of all CPUs from /proc/stat; zeros where there is none. */
  public static long[] machineJiffies() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v; // idle, iowait
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** CPU used between two {@link #processNanos()} readings, as a fraction of all cores. */
  public static double fractionOfCores(long cpuNanos, double wallSeconds) {
    return wallSeconds <= 0 ? Double.NaN : cpuNanos / 1e9 / wallSeconds / Runtime.getRuntime().availableProcessors();
  }
}
