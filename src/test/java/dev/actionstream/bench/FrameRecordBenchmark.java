package dev.actionstream.bench;

import dev.actionstream.frames.FrameContract;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every frame record's key and headers → camera id, capture time and sequence number ({@link
 * FrameContract}), with the headers the engine's ingest sends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FrameRecordBenchmark {
  private static final long NOW = 1_800_000_000_000L;

  private final FrameContract contract = new FrameContract(1 << 20, 30_000);
  private final byte[] key = "gate-3".getBytes(StandardCharsets.UTF_8);
  private byte[] jpeg;
  private RecordHeaders headers;

  @Setup
  public void setUp() throws Exception {
    jpeg = BenchInputs.jpegs("320x240")[0];
    headers = new RecordHeaders();
    headers.add(FrameContract.CAPTURE_TS, Long.toString(NOW - 40).getBytes(StandardCharsets.UTF_8));
    headers.add(FrameContract.FRAME_SEQ, "123456".getBytes(StandardCharsets.UTF_8));
    headers.add(FrameContract.CONTENT_TYPE, "image/jpeg".getBytes(StandardCharsets.UTF_8));
  }

  @Benchmark
  public FrameContract.IncomingFrame check() {
    return contract.check(key, jpeg, headers, NOW - 50, NOW);
  }
}
