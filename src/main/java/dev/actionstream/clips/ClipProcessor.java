package dev.actionstream.clips;

import ai.onnxruntime.OrtException;
import dev.actionstream.events.Prediction;
import dev.actionstream.frames.FrameContract;
import dev.actionstream.frames.FrameContract.IncomingFrame;
import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.ClipUnits;
import dev.actionstream.frames.FrameStage;
import dev.actionstream.frames.FrameStages;
import dev.actionstream.frames.FrameRejected;
import dev.actionstream.frames.InvalidFrame;
import dev.actionstream.frames.RegionOfInterest;
import dev.actionstream.model.ModelManifest.ChannelOrder;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames in, one prediction per (camera, window) out: holds each camera's frames ({@link
 * HeldFrames}, in memory), decides when windows are due ({@link WindowPlan}), samples T frames
 * ({@link FrameSampler}), infers and forwards the prediction; invalid frames go to dead letters.
 *
 * <p>Each frame is decoded and preprocessed once, on arrival (which is also how an undecodable
 * frame is caught and dead-lettered at once), and its planes are cached for every window that
 * samples it.
 *
 * <p><b>State.</b> The window clocks ({@code window-schedule}) and, per camera, where its held
 * frames start in the input partition ({@code replay-marks}, written about once a window) are
 * changelogged; the frames are not, since the input topic has them. A task that opens again (after
 * a restart, crash or rebalance) first re-reads its partition from the smallest mark to the
 * committed offset and replays the arrival rules on it ({@link #replay}): each camera then holds
 * exactly the frames it held at the last commit, without the engine producing each frame a second
 * time to a changelog.
 *
 * <p><b>Batching</b> ({@code inference.batch} &gt; 1): due windows of the task's cameras wait in a
 * {@link WindowBatch} until it is full or its oldest window has waited {@code inference.max-wait},
 * then run together. A camera with a window waiting keeps, in the store, its clock from before
 * that window (with the newest stream time) and its frames: only forwarding the prediction
 * persists the window as taken. A commit, crash or rebalance while windows wait therefore loses
 * none: whoever opens the task next finds those windows due in the store and takes them
 * ({@link #recover}) before anything else.
 *
 * <p><b>Overlap</b> ({@code inference.overlap}, the default): a batch that is ready runs on an
 * inference thread while the stream thread goes on decoding the next frames; its predictions are
 * forwarded from the stream thread at the next frame or timer tick once the run is done. At most
 * one run per task is in flight (a second ready batch waits for it), and its windows count as
 * waiting in the sense above: they stay due in the store until their predictions are forwarded,
 * so a commit, crash or rebalance during the run loses none.
 */
public final class ClipProcessor implements Processor<byte[], byte[], Object, Object> {
  private static final Logger log = LoggerFactory.getLogger(ClipProcessor.class);

  private final TopologyConfig config;
  private final List<ModelSession> sessions;
  private final Member[] members;
  private final EngineMetrics metrics;
  private final WindowPlan plan;
  private final FrameContract contract;
  private final boolean realtime;
  private final long maxLagMs;
  private final int minDistinct;
  private final boolean reducedDecode;

  private ProcessorContext<Object, Object> context;
  // Invariant: holds every valid, not-late frame newer than its camera's nextEnd − D.
  private final HeldFrames frames = new HeldFrames();
  // key: camera id; value: that camera's window clock.
  private KeyValueStore<String, CameraClock> clocks;
  // key: camera id; value: where its held frames start in the input partition. marks mirrors the
  // store, so that the per-frame check costs no store read.
  private KeyValueStore<String, ReplayMark> replayMarks;
  private final Map<String, ReplayMark> marks = new HashMap<>();
  // Frames of cameras silent for PARK_AFTER_MS, durable here instead of replayed.
  private KeyValueStore<Bytes, byte[]> parkedFrames;
  private final Map<String, Long> lastArrival = new HashMap<>(); // wall ms of each camera's last held frame
  private DecodedFrames decoded;
  private FrameDecoder decoder;
  private final Map<String, FrameStage> stages = new HashMap<>(); // per camera
  private WindowBatch batch; // filling
  private WindowBatch spare; // the other batch's buffers when no run is in flight
  private InFlight inFlight; // the batch running on the inference thread, or null
  private final Executor runner; // null: runs on the stream thread
  private final int batchSize;
  private final long maxWaitMs;
  // Cameras with windows waiting (filling or in flight): their clock after those windows (the
  // store holds the one before, see settle).
  private final Map<String, CameraClock> ahead = new HashMap<>();
  private String processing; // the camera whose frame is being processed; null in punctuation
  private boolean recovered;

  /**
   * One model a window runs through (a fusion has several): where its floats sit in a frame's
   * cached array, and the scratch its clips are gathered in.
   */
  private static final class Member {
    final ModelManifest manifest;
    final int[] picks;
    final float[][] frames; // the picked frames' arrays
    final int offset; // where this model's floats start in a frame's cached array
    ClipUnits units; // between init and close (a flow model's native images)

    Member(ModelManifest manifest, int offset) {
      this.manifest = manifest;
      this.offset = offset;
      int t = manifest.clip().frames();
      this.picks = new int[t];
      this.frames = new float[t][];
    }

    void open() {
      if (units == null) {
        units = new ClipUnits(manifest);
      }
    }

    void close() {
      if (units != null) {
        units.close();
        units = null;
      }
    }
  }

  /**
   * A camera that sent nothing for this long has its held frames parked: written to the
   * changelogged {@code parked-frames} store and its replay mark dropped, so that restarts do not
   * re-read the partition back to where an offline camera stopped.
   */
  static final long PARK_AFTER_MS = 30_000;

  /** A batch whose model run was handed to the inference thread. */
  private record InFlight(WindowBatch batch, CompletableFuture<List<WindowBatch.Scored>> result) {}

  /** Overlap tick: how often a quiet task looks whether its run is done. */
  public static final long OVERLAP_TICK_MS = 10;

  /**
   * @param runner the inference thread(s) that model runs overlap with, or null to run the model on
   *     the stream thread
   */
  public ClipProcessor(
      TopologyConfig config, ModelSession session, EngineMetrics metrics, Executor runner) {
    this(config, List.of(session), metrics, runner);
  }

  /** @param sessions one per model of {@link TopologyConfig#members}, in order */
  public ClipProcessor(
      TopologyConfig config, List<ModelSession> sessions, EngineMetrics metrics, Executor runner) {
    this.config = config;
    this.runner = runner;
    this.sessions = List.copyOf(sessions);
    if (sessions.size() != config.members().size()) {
      throw new IllegalArgumentException(
          sessions.size() + " sessions for " + config.members().size() + " models");
    }
    // Fused models' floats lie side by side in each frame's array, in member order (FrameStages).
    this.members = new Member[sessions.size()];
    int offset = 0;
    for (int m = 0; m < members.length; m++) {
      ModelManifest mm = sessions.get(m).manifest();
      members[m] = new Member(mm, offset);
      offset += FrameStage.floats(mm);
    }
    this.metrics = metrics;
    ModelManifest m = config.model();
    this.plan =
        new WindowPlan(
            config.windows().hop().toMillis(),
            Math.round(m.clip().duration() * 1000),
            config.windows().grace().toMillis());
    this.contract =
        new FrameContract(config.input().maxFrameBytes(), config.windows().maxFuture().toMillis());
    this.realtime = config.realtime().policy() == TopologyConfig.Policy.REALTIME;
    this.maxLagMs = config.realtime().maxLag().toMillis();
    this.minDistinct = config.windows().minDistinctFrames();
    this.reducedDecode = config.input().decodeScale() == TopologyConfig.DecodeScale.AUTO;
    this.batchSize = config.inference().batch();
    this.maxWaitMs = config.inference().maxWait().toMillis();
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.clocks = context.getStateStore(ActionStores.WINDOW_SCHEDULE);
    this.replayMarks = context.getStateStore(ActionStores.REPLAY_MARKS);
    this.parkedFrames = context.getStateStore(ActionStores.PARKED_FRAMES);
    this.decoded = new DecodedFrames(ActionStores.DECODED_CACHE_FLOATS);
    this.decoder = new FrameDecoder(config.input().maxFramePixels());
    for (Member mb : members) {
      mb.open();
    }
    double[] weights = config.members().stream().mapToDouble(TopologyConfig.Member::weight).toArray();
    this.batch = new WindowBatch(sessions, weights, batchSize, metrics);
    this.spare = runner == null ? null : new WindowBatch(sessions, weights, batchSize, metrics);
    this.inFlight = null;
    // A task that is revived reuses its processor: start from the stores alone.
    frames.clear();
    marks.clear();
    lastArrival.clear();
    ahead.clear();
    recovered = false;
    try (KeyValueIterator<Bytes, byte[]> it = parkedFrames.all()) {
      it.forEachRemaining(kv -> frames.put(kv.key, new HeldFrames.Held(kv.value, HeldFrames.PARKED, ReplayMark.NO_TIME)));
    }
    replay();
    context.schedule(Duration.ofMillis(PARK_AFTER_MS / 6), PunctuationType.WALL_CLOCK_TIME, this::parkSilent);
    if (batchSize > 1 || runner != null) {
      // Wakes often enough that no window waits much past max-wait, and no finished run waits
      // for a frame, when input goes quiet.
      long every = batchSize > 1 ? Math.max(1, maxWaitMs / 2) : OVERLAP_TICK_MS;
      if (runner != null) {
        every = Math.min(every, OVERLAP_TICK_MS);
      }
      context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::onTimer);
    }
  }

  private void onTimer(long wallMs) {
    recover();
    collectIfDone();
    // Kafka Streams' wall clock (the punctuation time), which tests can drive.
    if (!batch.isEmpty() && batch.waitedMs(wallMs) >= maxWaitMs) {
      flush();
    }
  }

  /**
   * Once per task: takes windows that the store shows due, i.e. windows that waited in a batch
   * when the task was last closed or crashed. Without batching there are none.
   */
  private void recover() {
    if (recovered) {
      return;
    }
    recovered = true;
    List<KeyValue<String, CameraClock>> due = new ArrayList<>();
    try (KeyValueIterator<String, CameraClock> it = clocks.all()) {
      it.forEachRemaining(
          kv -> {
            if (kv.value.nextEnd() + plan.grace() <= kv.value.streamTime()) {
              due.add(kv);
            }
          });
    }
    long now = context.currentSystemTimeMs();
    for (KeyValue<String, CameraClock> kv : due) {
      log.info("camera {}: taking windows left waiting from {} (recovery)", kv.key, kv.value.nextEnd());
      processing = kv.key;
      settle(kv.key, takeDue(kv.key, kv.value, now), kv.value);
      processing = null;
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    recover();
    collectIfDone();
    long now = context.currentSystemTimeMs();
    IncomingFrame f;
    float[] planes;
    CameraClock before;
    CameraClock stored;
    Bytes key;
    try {
      f = contract.check(record.key(), record.value(), record.headers(), record.timestamp(), now);
      stored = clocks.get(f.camera());
      CameraClock batched = ahead.get(f.camera()); // the clock with its batched windows taken
      before = batched != null ? batched : stored;
      CameraClock clock = before;
      if (plan.isLate(clock, f.captureTs())) {
        throw new InvalidFrame(
            "late-frame",
            "capture time %d is %d ms behind camera stream time %d (windows.grace %d ms)"
                .formatted(
                    f.captureTs(),
                    clock.streamTime() - f.captureTs(),
                    clock.streamTime(),
                    plan.grace()));
      }
      key = FrameKeys.key(f.camera(), f.captureTs(), f.seq());
      if (frames.contains(key)) {
        // Same (camera, capture time, seq) as a frame already held: a resend. Keeping the first
        // keeps the window exactly as predicted, or about to be, and says so instead of
        // silently overwriting it.
        throw new InvalidFrame(
            "duplicate-frame",
            "camera %s already has a frame at capture time %d with frame-seq %d"
                .formatted(f.camera(), f.captureTs(), f.seq()));
      }
      planes = decode(f.camera(), f.image());
    } catch (InvalidFrame r) {
      deadLetter(record, r.reason(), r.getMessage());
      return;
    } catch (FrameRejected r) {
      deadLetter(record, r.reason(), r.detail());
      return;
    }
    metrics.frameIn(f.camera());
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElseThrow();
    frames.put(
        key,
        new HeldFrames.Held(f.image(), offset, before == null ? ReplayMark.NO_TIME : before.streamTime()));
    decoded.put(key, planes);
    lastArrival.put(f.camera(), now);
    if (!marks.containsKey(f.camera())) {
      remark(f.camera()); // nothing of the camera to replay yet: this frame is where it starts
    }

    processing = f.camera();
    settle(f.camera(), takeDue(f.camera(), plan.advance(before, f.captureTs()), now), stored);
    processing = null;
  }

  /** Parks the frames of cameras that sent nothing for {@link #PARK_AFTER_MS}. */
  private void parkSilent(long wallMs) {
    for (String camera : List.copyOf(marks.keySet())) {
      long silent = wallMs - lastArrival.getOrDefault(camera, wallMs);
      if (silent < PARK_AFTER_MS) {
        continue;
      }
      List<Map.Entry<Bytes, HeldFrames.Held>> parked = frames.park(camera);
      for (Map.Entry<Bytes, HeldFrames.Held> e : parked) {
        parkedFrames.put(e.getKey(), e.getValue().image());
      }
      marks.remove(camera);
      replayMarks.delete(camera);
      lastArrival.remove(camera);
      log.info("camera {}: silent for {} s; its {} held frames parked", camera, silent / 1000, parked.size());
    }
  }

  /** Persists where the camera's held frames start, when that changed. */
  private void remark(String camera) {
    ReplayMark m = frames.mark(camera);
    if (m == null) {
      if (marks.remove(camera) != null) {
        replayMarks.delete(camera);
      }
    } else if (!m.equals(marks.get(camera))) {
      marks.put(camera, m);
      replayMarks.put(camera, m);
    }
  }

  /**
   * Rebuilds the frames this task held at its last commit: re-reads the input partition from the
   * smallest camera mark to the committed offset and, from each camera's mark on, applies the
   * rules {@link #process} applied on arrival (contract, lateness against the stream time as it
   * was then, duplicates, decodability), keeping what the restored clock still retains.
   */
  private void replay() {
    try (KeyValueIterator<String, ReplayMark> it = replayMarks.all()) {
      it.forEachRemaining(kv -> marks.put(kv.key, kv.value));
    }
    if (marks.isEmpty()) {
      return;
    }
    long from = marks.values().stream().mapToLong(ReplayMark::offset).min().orElseThrow();
    long t0 = System.nanoTime();
    Map<String, Long> streamTimes = new HashMap<>();
    long read =
        FrameReplay.read(config, context.taskId().partition(), from, r -> replayOne(r, streamTimes));
    for (String camera : marks.keySet()) {
      lastArrival.put(camera, context.currentSystemTimeMs()); // silent from now on, as far as we know
      CameraClock clock = clocks.get(camera);
      Long replayed = streamTimes.get(camera);
      if (clock != null && replayed != null && replayed != clock.streamTime()) {
        log.warn("camera {}: replayed stream time {} differs from the stored {}", camera, replayed, clock.streamTime());
      }
    }
    log.info(
        "task {}: replayed {} input records from offset {} in {} ms: {} frames held for {} cameras",
        context.taskId(), read, from, (System.nanoTime() - t0) / 1_000_000, frames.size(), marks.size());
  }

  private void replayOne(ConsumerRecord<byte[], byte[]> r, Map<String, Long> streamTimes) {
    IncomingFrame f;
    try {
      f = contract.check(r.key(), r.value(), r.headers(), r.timestamp(), context.currentSystemTimeMs());
    } catch (InvalidFrame e) {
      return; // dead-lettered on arrival
    }
    ReplayMark mark = marks.get(f.camera());
    CameraClock clock = clocks.get(f.camera());
    if (mark == null || clock == null || r.offset() < mark.offset()) {
      return; // before the camera's first held frame: purged or refused long ago
    }
    long streamTime = streamTimes.getOrDefault(f.camera(), mark.streamTime());
    long ts = f.captureTs();
    boolean late = streamTime != ReplayMark.NO_TIME && ts < streamTime - plan.grace();
    Bytes key = FrameKeys.key(f.camera(), ts, f.seq());
    if (late || frames.contains(key)) {
      return;
    }
    boolean retained = ts >= plan.retainFrom(clock);
    if (!retained && streamTime != ReplayMark.NO_TIME && ts <= streamTime) {
      return; // purged since, and it cannot have moved the stream time
    }
    float[] planes;
    try {
      planes = decode(f.camera(), f.image());
    } catch (FrameRejected e) {
      return; // undecodable: dead-lettered on arrival
    }
    streamTimes.put(f.camera(), streamTime == ReplayMark.NO_TIME ? ts : Math.max(streamTime, ts));
    if (retained) {
      frames.put(key, new HeldFrames.Held(f.image(), r.offset(), streamTime));
      decoded.put(key, planes);
    }
  }

  /** Takes (infers, batches or skips) every window due on {@code clock}; the clock after them. */
  private CameraClock takeDue(String camera, CameraClock clock, long now) {
    while (clock.nextEnd() + plan.grace() <= clock.streamTime()) {
      clock = window(camera, clock, clock.nextEnd(), now);
    }
    return clock;
  }

  /**
   * Records the camera's clock. With none of its windows in the batch, the store gets it and
   * frames behind it are purged; otherwise the store keeps the clock from before its first
   * waiting window (with the newest stream time), so that those windows stay due there.
   */
  private void settle(String camera, CameraClock clock, CameraClock stored) {
    WindowBatch.Pending first = inFlight == null ? null : inFlight.batch().first(camera);
    if (first == null) {
      first = batch.first(camera);
    }
    if (first != null) {
      ahead.put(camera, clock);
      CameraClock before = first.before();
      clocks.put(camera, new CameraClock(clock.streamTime(), before.nextEnd(), before.lastEnd()));
      return;
    }
    ahead.remove(camera);
    clocks.put(camera, clock);
    if (stored == null || clock.nextEnd() != stored.nextEnd()) {
      // Only a taken window moves the retention edge: purge then, not on every frame.
      purge(camera, plan.retainFrom(clock));
      remark(camera);
    }
  }

  /**
   * Runs the filling batch: on the stream thread, forwarding its predictions at once, or (overlap)
   * on the inference thread after the run in flight, if any, has been collected.
   */
  private void flush() {
    if (batch.isEmpty()) {
      return;
    }
    if (runner == null) {
      List<WindowBatch.Scored> scored;
      try {
        scored = batch.run();
      } catch (OrtException e) {
        throw inferenceFailed(batch, e);
      }
      forward(batch, scored);
      return;
    }
    if (inFlight != null) {
      collect(); // one run at a time: the next batch needs the buffers it frees
    }
    WindowBatch ready = batch;
    batch = spare;
    spare = null;
    inFlight =
        new InFlight(
            ready,
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return ready.run();
                  } catch (OrtException e) {
                    throw new CompletionException(e);
                  }
                },
                runner));
  }

  /** Collects the run in flight if it is done; never waits. */
  private void collectIfDone() {
    if (inFlight != null && inFlight.result().isDone()) {
      collect();
    }
  }

  /** Waits for the run in flight and forwards its predictions. */
  private void collect() {
    InFlight f = inFlight;
    List<WindowBatch.Scored> scored;
    try {
      scored = f.result().join();
    } catch (CompletionException e) {
      inFlight = null;
      f.batch().discard(); // still due in the store: the task's next owner takes them
      spare = f.batch();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw inferenceFailed(f.batch(), cause);
    }
    // Off the books before settling, so that settle sees only the windows still waiting.
    inFlight = null;
    spare = f.batch();
    forward(f.batch(), scored);
  }

  private static IllegalStateException inferenceFailed(WindowBatch b, Throwable e) {
    // Not the frames' fault: fail the task so Kafka Streams retries from the last commit; the
    // windows are still due in the store.
    return new IllegalStateException("inference failed for a batch of cameras " + b.cameras(), e);
  }

  /** Forwards a run's predictions in order, empties its batch, and settles the cameras it held. */
  private void forward(WindowBatch b, List<WindowBatch.Scored> scored) {
    java.util.Set<String> cameras = b.cameras();
    b.clear();
    long now = context.currentSystemTimeMs();
    for (WindowBatch.Scored s : scored) {
      WindowBatch.Pending w = s.window();
      Prediction p =
          Predictions.of(w.camera(), w.start(), w.end(), w.distinct(), s.probabilities(), config,
              s.runNanos(), now);
      context.forward(new Record<Object, Object>(w.camera(), p, w.end()), ActionStores.TO_PREDICTIONS);
      context.forward(new Record<Object, Object>(w.camera(), p, w.end()), ActionStores.TO_EPISODES);
      metrics.predictionProduced(w.end(), System.currentTimeMillis());
    }
    for (String camera : cameras) {
      if (!camera.equals(processing)) {
        // The one being processed settles when its loop ends.
        settle(camera, ahead.get(camera), clocks.get(camera));
      }
    }
  }

  /** Infers or skips the window ending at {@code end}; returns the clock after it. */
  private CameraClock window(String camera, CameraClock clock, long end, long now) {
    long start = end - plan.duration();
    List<Map.Entry<Bytes, HeldFrames.Held>> inWindow = frames.list(camera, start, end);
    if (inWindow.isEmpty()) {
      // The camera was silent for a whole window: restart at its next frame, as a new camera.
      Long next = frames.firstAfter(camera, end);
      return next == null ? plan.taken(clock, end) : plan.restartAt(clock, next);
    }
    if (realtime && now - end > maxLagMs) {
      skip(camera, end, "lag", "window end is %d ms behind the wall clock".formatted(now - end));
      return plan.taken(clock, end);
    }
    long[] times = new long[inWindow.size()];
    for (int i = 0; i < times.length; i++) {
      times[i] = FrameKeys.captureTs(inWindow.get(i).getKey());
    }
    // Each model samples its own frames of the window; the window counts the most distinct.
    int distinct = 0;
    for (Member mb : members) {
      double[] at = mb.manifest.clip().sampleTimes(end, plan.duration());
      distinct = Math.max(distinct, FrameSampler.sample(times, times.length, at, mb.picks));
    }
    if (distinct < minDistinct) {
      skip(camera, end, "too-few-frames", distinct + " distinct frames < " + minDistinct);
      return plan.taken(clock, end);
    }
    float[][][] units = new float[members.length][][];
    int[] offsets = new int[members.length];
    for (int m = 0; m < members.length; m++) {
      Member mb = members[m];
      for (int i = 0; i < mb.picks.length; i++) {
        mb.frames[i] = planes(camera, inWindow.get(mb.picks[i]));
      }
      long t0 = System.nanoTime();
      units[m] = mb.units.of(mb.frames, mb.offset); // a flow model's fields are computed here
      if (mb.manifest.modality() == ModelManifest.Modality.FLOW) {
        metrics.stage(EngineMetrics.Stage.FLOW, System.nanoTime() - t0);
      }
      offsets[m] = mb.units.offset(mb.offset);
    }
    batch.add(new WindowBatch.Pending(camera, start, end, distinct, clock), units, offsets, now);
    if (batch.isFull()) {
      flush();
    }
    return plan.taken(clock, end);
  }

  /** A held frame's cached floats, decoded again if the cache evicted them. */
  private float[] planes(String camera, Map.Entry<Bytes, HeldFrames.Held> kv) {
    float[] planes = decoded.get(kv.getKey());
    if (planes == null) {
      try {
        planes = decode(camera, kv.getValue().image()); // evicted from the cache
      } catch (FrameRejected e) {
        // Stored frames were decoded once already: a failure now is a bug, not bad input.
        throw new IllegalStateException("stored frame no longer decodes: " + e.getMessage(), e);
      }
      decoded.put(kv.getKey(), planes);
    }
    return planes;
  }

  private float[] decode(String camera, byte[] image) throws FrameRejected {
    long t0 = System.nanoTime();
    // The decoder hands out BGR, as OpenCV decodes; the stages order channels per manifest.
    FrameStage pre = stages.get(camera);
    if (pre == null) {
      pre = stage(camera);
      stages.put(camera, pre);
    }
    org.bytedeco.opencv.opencv_core.Mat bgr =
        decoder.decode(image, image.length, reducedDecode ? pre.reducer() : FrameDecoder.FULL_SIZE);
    long t1 = System.nanoTime();
    // A purged frame's array when there is one: the planes are large and live for a clip
    // duration, long enough to burden the old generation if each frame allocated its own.
    float[] planes = decoded.spareOrNew(pre.frameFloats());
    pre.process(bgr, ChannelOrder.BGR, planes, 0);
    long t2 = System.nanoTime();
    metrics.stage(EngineMetrics.Stage.DECODE, t1 - t0);
    metrics.stage(EngineMetrics.Stage.PREPROCESS, t2 - t1);
    metrics.frameDecoded(t2 - t0);
    return planes;
  }

  /** The camera's frame stage: its model's, or every fused model's side by side. */
  private FrameStage stage(String camera) {
    TopologyConfig.Roi roi = config.camera(camera).roi();
    RegionOfInterest region = roi == null
        ? RegionOfInterest.FULL
        : new RegionOfInterest(roi.x(), roi.y(), roi.width(), roi.height());
    if (members.length == 1) {
      return FrameStage.of(members[0].manifest, region);
    }
    List<FrameStage> each = new ArrayList<>();
    for (Member mb : members) {
      each.add(FrameStage.of(mb.manifest, region));
    }
    FrameStages all = new FrameStages(each);
    for (int m = 0; m < members.length; m++) {
      if (all.offset(m) != members[m].offset) { // FrameStage.floats disagrees with a stage: a bug
        throw new IllegalStateException("model %d's floats start at %d, expected %d"
            .formatted(m, all.offset(m), members[m].offset));
      }
    }
    return all;
  }

  @Override
  public void close() {
    int dropped = batch.discard();
    if (inFlight != null) {
      // Let the native run end before the buffers go; its windows are still due in the store.
      inFlight.result().handle((r, e) -> null).join();
      dropped += inFlight.batch().discard();
      inFlight = null;
    }
    if (dropped > 0) {
      // Not lost: their cameras' clocks in the store still show them due (see recover).
      log.info("{} windows waiting in the batch are left to the task's next owner", dropped);
    }
    decoded.clear();
    frames.clear();
    decoder.close();
    for (Member mb : members) {
      mb.close();
    }
  }

  /** Drops the camera's frames older than {@code from}: no future window can sample them. */
  private void purge(String camera, long from) {
    for (Map.Entry<Bytes, HeldFrames.Held> e : frames.purge(camera, from)) {
      decoded.remove(e.getKey());
      if (e.getValue().parked()) {
        parkedFrames.delete(e.getKey());
      }
    }
  }

  private void skip(String camera, long end, String reason, String detail) {
    metrics.windowSkipped(reason);
    log.debug("camera {}: window ending {} skipped ({}): {}", camera, end, reason, detail);
  }

  /** The original record, untouched, plus why it was refused and where it came from. */
  private void deadLetter(Record<byte[], byte[]> record, String reason, String detail) {
    metrics.deadLetter(reason);
    Headers h = new RecordHeaders(record.headers().toArray());
    h.add(DeadLetters.REASON, reason.getBytes(StandardCharsets.UTF_8));
    h.add(DeadLetters.DETAIL, detail.getBytes(StandardCharsets.UTF_8));
    context
        .recordMetadata()
        .ifPresent(
            (RecordMetadata md) -> {
              h.add(DeadLetters.SOURCE_TOPIC, md.topic().getBytes(StandardCharsets.UTF_8));
              h.add(
                  DeadLetters.SOURCE_PARTITION,
                  Integer.toString(md.partition()).getBytes(StandardCharsets.UTF_8));
              h.add(
                  DeadLetters.SOURCE_OFFSET,
                  Long.toString(md.offset()).getBytes(StandardCharsets.UTF_8));
            });
    log.warn(
        "dead letter ({}): key {} at {}: {}",
        reason,
        DeadLetters.printableKey(record.key()),
        context.recordMetadata().map(md -> md.topic() + "-" + md.partition() + "@" + md.offset()).orElse("?"),
        detail);
    context.forward(
        new Record<Object, Object>(record.key(), record.value(), record.timestamp(), h),
        ActionStores.TO_DEAD_LETTERS);
  }
}
