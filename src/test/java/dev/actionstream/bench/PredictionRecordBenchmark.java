package dev.actionstream.bench;

import dev.actionstream.clips.Predictions;
import dev.actionstream.engine.OutputSerializer;
import dev.actionstream.events.Prediction;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One window's output record: a clip's probabilities → the prediction ({@link Predictions}) → its
 * JSON on the predictions topic ({@link OutputSerializer}), for the 8-class demo model, top-3
 * (topologies/demo.yaml) and a 400-class Kinetics model (topologies/x3d-s.yaml, top-5).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PredictionRecordBenchmark {
  private static final long NOW = 1_800_000_000_000L;

  @Param({"demo", "x3d-s"})
  public String topology;

  private TopologyConfig config;
  private float[] probs;
  private Prediction prediction;
  private final OutputSerializer serializer = new OutputSerializer();

  @Setup
  public void setUp() throws Exception {
    config = TopologyLoader.load(Path.of("topologies", topology + ".yaml"));
    int classes = config.model().output().classes();
    probs = new float[classes];
    double sum = 0;
    for (int i = 0; i < classes; i++) {
      probs[i] = (float) Math.exp(-0.05 * ((i * 37) % classes)); // a spread, unsorted
      sum += probs[i];
    }
    for (int i = 0; i < classes; i++) {
      probs[i] /= (float) sum;
    }
    prediction = predictionRecord();
  }

  /** Probabilities → the record: top-k, rounding. */
  @Benchmark
  public Prediction predictionRecord() {
    return Predictions.of("gate-3", NOW - 2600, NOW, 13, probs, config, 12_345_678L, NOW + 80);
  }

  /** The record → its JSON bytes. */
  @Benchmark
  public byte[] predictionJson() {
    return serializer.serialize("predictions", prediction);
  }
}
