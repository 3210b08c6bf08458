package dev.actionstream.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.actionstream.config.Durations;
import dev.actionstream.demo.TempDir;
import dev.actionstream.engine.Engine;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.Policy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The end-to-end bench: cameras through a real broker into the engine, then the same work flat
 * out, then the bare model on the same clips, so that the engine's cost beyond the model is one
 * number.
 *
 * <ol>
 *   <li><b>Real time</b>: {@code cameras} synthetic cameras (or {@code --video}, looped) at {@code
 *       fps} through the ingest path into the engine (realtime policy) for warm-up + duration;
 *       the interval after warm-up is measured: frames/s, clips/s, latencies, input lag, skipped
 *       windows, CPU, memory, per-stage cost, decodes per frame. A progress line every interval.
 *   <li><b>Saturated</b> (unless {@code --no-saturate}): a fresh engine (new application id,
 *       backfill policy) drains the frames topic the cameras filled, from offset 0, flat out: its
 *       clips/s is what the engine sustains. Once per batch size, after one untimed first pass
 *       (another fresh engine): the JIT is still compiling Kafka's and the engine's code then, as
 *       the bare loop's warm-up runs and the raw consumer's first pass allow for on their side.
 *   <li><b>Bare</b>: up to {@value #BARE_CLIPS} of the clips the real-time engine inferred, rebuilt
 *       from the same frames as the engine builds them ({@link ClipReplay}), run in a tight ONNX
 *       Runtime loop with the same session settings and batch ({@link BareLoop}).
 *   <li><b>PyTorch</b> (with {@code --pytorch} and {@code --video}): {@link PyTorchReference}.
 * </ol>
 *
 * <p><b>Ratios.</b> engine ÷ bare = saturated clips/s ÷ bare clips/s at the same batch size.
 * Real-time clips/s is not used: at real-time load it is cameras × windows per second, whatever
 * the engine could do. engine ÷ PyTorch = saturated clips/s ÷ the reference's clips_per_s (the
 * reference also runs flat out).
 *
 * <p><b>Overhead</b> ({@code --overhead}, instead of the above): {@link Overhead}.
 *
 * <p><b>JSON</b> ({@code --json FILE}; {@link BenchReport}, keys snake_case, null = not measured):
 *
 * <pre>
 * options    cameras, fps, hop_s, duration_s, warmup_s, model, topology, batch[], threads, broker,
 *            video, saturate, cores, onnx_runtime, started
 * realtime   seconds, frames_published, frames_in, frames_per_s, clips, clips_per_s,
 *            frames_decoded, decodes_per_frame, windows_skipped{lag, too-few-frames},
 *            frame_to_prediction_subscriber, frame_to_prediction_engine, frame_to_event_subscriber,
 *            frame_to_event_engine (each {n, p50_ms, p95_ms, p99_ms, max_ms}; engine ones are
 *            histogram bucket upper bounds, max null), input_lag_max, input_lag_end, process_cpu
 *            (fraction of all cores), heap_max_bytes, heap_end_bytes, rss_max_bytes, rss_end_bytes,
 *            stages[] {stage, unit, count, mean_us, total_s, cpu_share}
 * saturated_first_pass  as saturated[]: the untimed-for-ratios first pass (null without saturate)
 * saturated[] model, batch, seconds, frames, frames_per_s, clips, clips_per_s, frames_decoded,
 *            decodes_per_frame, process_cpu, complete, stages[] (as realtime's), stages_of_wall
 *            (summed stage time ÷ wall time: the rest is Kafka Streams' own work and waiting)
 * bare[]     batch, threads, distinct_clips, runs, clips, seconds, clips_per_s, mean_ms_per_run
 * pytorch    the reference's own JSON, or {error}; null without --pytorch
 * ratios[]   batch, engine_clips_per_s, bare_clips_per_s, engine_over_bare, pytorch_clips_per_s,
 *            engine_over_pytorch
 * overhead   model, cameras, frames, raw_seconds, raw_frames_per_s, engine_first_pass and engine
 *            (as saturated[]; the ratio uses engine, the second pass), engine_over_raw; null
 *            without --overhead
 * </pre>
 */
public final class Bench {
  /** Clips the bare loop cycles through (at most; fewer when the run inferred fewer). */
  static final int BARE_CLIPS = 32;

  /**
   * @param model the manifest to run; null = the topology file's
   * @param batches inference.batch per saturated/bare run; the first also for the real-time phase
   * @param threads ONNX Runtime intra-op threads; null = the topology file's
   * @param bootstrapServers an existing cluster; null = an in-process broker
   * @param video every camera plays this file (looped) instead of a synthetic scene
   * @param pytorchTools the {@code tools/} directory to run the PyTorch reference from; null = don't
   * @param overheadFrames > 0: run the overhead measurement (only) with this many frames
   */
  public record Options(
      int cameras,
      double fps,
      Duration hop,
      Duration duration,
      Duration warmup,
      Path topology,
      Path model,
      List<Integer> batches,
      Integer threads,
      String bootstrapServers,
      Path video,
      Path json,
      Path pytorchTools,
      boolean saturate,
      Duration bareTime,
      Duration progress,
      Duration drainTimeout,
      long overheadFrames,
      long seed,
      PrintStream out) {
    public Options {
      batches = List.copyOf(batches);
      if (batches.isEmpty()) {
        throw new IllegalArgumentException("at least one batch size");
      }
    }
  }

  private Bench() {}

  public static BenchReport run(Options o, CountDownLatch stop) throws InterruptedException, OrtException {
    PrintStream out = o.out();
    TopologyConfig base = dev.actionstream.topology.TopologyLoader.load(o.topology(), o.bootstrapServers());
    ModelManifest model = o.model() == null ? base.model() : dev.actionstream.model.ManifestLoader.load(o.model());
    // The bare loop replays one RGB model's clips; fusion and flow have no like-for-like loop yet.
    if (base.fusion() != null || model.modality() != ModelManifest.Modality.RGB) {
      throw new IllegalArgumentException("bench measures one RGB model; " + o.topology() + " runs "
          + (base.fusion() != null ? "a fusion of " + base.members().size() + " models"
              : "a flow model") + " (use model-bench for each model's ms per clip)");
    }
    // Own application ids and topics per run: an existing cluster may hold earlier runs.
    String prefix = "actionstream-bench-" + Long.toString(System.currentTimeMillis(), 36);
    Path state = TempDir.create("actionstream-bench-");
    String started = Instant.now().toString();
    try (BenchKafka kafka = BenchKafka.start(o.bootstrapServers(), base.streams(), out)) {
      String frames = prefix + "-frames";
      kafka.createTopic(frames);
      BenchReport report;
      if (o.overheadFrames() > 0) {
        TopologyConfig c = BenchTopology.derive(base, model, o.hop(), o.batches().get(0), o.threads(),
            kafka.servers(), frames, prefix + "-overhead", Policy.BACKFILL);
        TopologyConfig first = BenchTopology.derive(base, model, o.hop(), o.batches().get(0), o.threads(),
            kafka.servers(), frames, prefix + "-overhead-first", Policy.BACKFILL);
        BenchReport.Overhead overhead = Overhead.run(c, first, o.cameras(), o.overheadFrames(), o.fps(), o.seed(),
            o.drainTimeout(), state.resolve("overhead"), out);
        report = new BenchReport(settings(o, c, kafka, started), null, null, List.of(), List.of(), null, List.of(), overhead);
      } else {
        report = measure(o, base, model, kafka, frames, prefix, state, started, stop);
      }
      report.print(out);
      if (o.json() != null) {
        report.write(o.json());
        out.println("bench: wrote " + o.json());
      }
      return report;
    } finally {
      TempDir.delete(state);
    }
  }

  private static BenchReport measure(
      Options o, TopologyConfig base, ModelManifest model, BenchKafka kafka, String frames, String prefix,
      Path state, String started, CountDownLatch stop) throws InterruptedException, OrtException {
    PrintStream out = o.out();
    TopologyConfig rt = BenchTopology.derive(base, model, o.hop(), o.batches().get(0), o.threads(),
        kafka.servers(), frames, prefix, Policy.REALTIME);
    out.printf("bench: model %s, %d %s at %.0f fps, hop %d ms, batch %s, %d threads, %s warm-up + %s%n",
        model.name(), o.cameras(), o.video() == null ? "synthetic cameras" : "cameras playing " + o.video(),
        o.fps(), rt.windows().hop().toMillis(), o.batches(), rt.inference().threads(),
        Durations.format(o.warmup()), Durations.format(o.duration()));
    RealtimePhase.Result realtime = RealtimePhase.run(o, rt, state.resolve("realtime"), stop);

    List<BenchReport.Drain> saturated = new ArrayList<>();
    List<BenchReport.Bare> bare = new ArrayList<>();
    List<float[][]> clips = null;
    BenchReport.Drain firstPass = null;
    if (o.saturate()) {
      int batch = o.batches().get(0);
      TopologyConfig warm = BenchTopology.derive(base, model, o.hop(), batch, o.threads(), kafka.servers(), frames,
          prefix + "-saturate-first", Policy.BACKFILL);
      out.printf("bench: saturated, first pass (JIT warm-up, not in the ratios): a fresh engine drains the %d frames...%n",
          realtime.framesInTopic());
      firstPass = Backlog.drain(warm, realtime.framesInTopic(), o.drainTimeout(), state.resolve("saturate-first"), out,
          "first pass");
    }
    for (int batch : o.batches()) {
      if (o.saturate()) {
        TopologyConfig sat = BenchTopology.derive(base, model, o.hop(), batch, o.threads(), kafka.servers(), frames,
            prefix + "-saturate-b" + batch, Policy.BACKFILL);
        out.printf("bench: saturated: a fresh engine (batch %d) drains the %d frames from offset 0...%n",
            batch, realtime.framesInTopic());
        saturated.add(Backlog.drain(sat, realtime.framesInTopic(), o.drainTimeout(),
            state.resolve("saturate-b" + batch), out, "saturated b" + batch));
      }
      if (clips == null) {
        clips = ClipReplay.load(rt, kafka.servers(), BARE_CLIPS);
        out.printf("bench: bare loop: %d clips rebuilt from the engine's windows%n", clips.size());
      }
      if (!clips.isEmpty()) {
        out.printf("bench: bare ONNX Runtime loop, batch %d, for %d s...%n", batch, o.bareTime().toSeconds());
        bare.add(BareLoop.run(model, rt.inference().threads(), batch, clips, o.bareTime()));
      }
    }

    Map<String, Object> pytorch = null;
    if (o.pytorchTools() != null) {
      pytorch = PyTorchReference.run(o.pytorchTools(), model.onnx().getParent(), o.video(), o.cameras(),
          o.duration().toSeconds(), rt.inference().threads(), out);
    }
    List<BenchReport.Ratio> ratios = new ArrayList<>();
    Double torch = pytorch != null && pytorch.get("clips_per_s") instanceof Number n ? n.doubleValue() : null;
    for (int batch : o.batches()) {
      Double engine = saturated.stream().filter(d -> d.batch() == batch).map(d -> d.clipsPerS()).findFirst()
          .map(BenchReport::finite).orElse(null);
      Double b = bare.stream().filter(x -> x.batch() == batch).map(x -> x.clipsPerS()).findFirst().orElse(null);
      ratios.add(new BenchReport.Ratio(batch, engine, b,
          engine == null || b == null ? null : BenchReport.finite(engine / b), torch,
          engine == null || torch == null ? null : BenchReport.finite(engine / torch)));
    }
    return new BenchReport(
        settings(o, rt, kafka, started), realtime.report(), firstPass, saturated, bare, pytorch, ratios, null);
  }

  private static BenchReport.Settings settings(Options o, TopologyConfig c, BenchKafka kafka, String started) {
    return new BenchReport.Settings(
        o.cameras(), o.fps(), c.windows().hop().toMillis() / 1000.0, o.duration().toMillis() / 1000.0,
        o.warmup().toMillis() / 1000.0, c.model().name(), o.topology().toString(), o.batches(),
        c.inference().threads(), kafka.inProcess() ? "in-process" : kafka.servers(),
        o.video() == null ? null : o.video().toString(), o.saturate(), Runtime.getRuntime().availableProcessors(),
        OrtEnvironment.getEnvironment().getVersion(), started);
  }

  /** Starts an engine and waits until it runs (tasks assigned, state restored). */
  static Engine startEngine(TopologyConfig config, EngineMetrics metrics, Path stateDir) throws InterruptedException {
    Engine engine = Engine.start(config, metrics, stateDir);
    if (!engine.awaitRunning(Duration.ofSeconds(60))) {
      engine.close();
      throw new IllegalStateException(config.applicationId() + ": the engine did not reach RUNNING within 60 s");
    }
    return engine;
  }
}
