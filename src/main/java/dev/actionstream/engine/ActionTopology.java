package dev.actionstream.engine;

import static dev.actionstream.clips.ActionStores.CLIP_WINDOWS;
import static dev.actionstream.clips.ActionStores.EPISODES;
import static dev.actionstream.clips.ActionStores.FRAMES_SOURCE;
import static dev.actionstream.clips.ActionStores.OPEN_EPISODES;
import static dev.actionstream.clips.ActionStores.PARKED_FRAMES;
import static dev.actionstream.clips.ActionStores.REPLAY_MARKS;
import static dev.actionstream.clips.ActionStores.TO_ALERTS;
import static dev.actionstream.clips.ActionStores.TO_DEAD_LETTERS;
import static dev.actionstream.clips.ActionStores.TO_EVENTS;
import static dev.actionstream.clips.ActionStores.TO_PREDICTIONS;
import static dev.actionstream.clips.ActionStores.WINDOW_SCHEDULE;

import dev.actionstream.clips.CameraClock;
import dev.actionstream.clips.ReplayMark;
import dev.actionstream.clips.ClipProcessor;
import dev.actionstream.events.CameraEpisodes;
import dev.actionstream.events.EpisodeProcessor;
import dev.actionstream.inference.InferenceThreads;
import dev.actionstream.inference.ModelSession;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.TopologyConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/** The Kafka Streams topology of one topology file, stage by stage as DESIGN.md draws it. */
public final class ActionTopology {
  private ActionTopology() {}

  public static Topology build(TopologyConfig config, ModelSession session, EngineMetrics metrics) {
    return build(config, List.of(session), metrics);
  }

  /** @param sessions one per model a window runs through ({@link TopologyConfig#members}) */
  public static Topology build(
      TopologyConfig config, List<ModelSession> sessions, EngineMetrics metrics) {
    TopologyConfig.Outputs out = config.outputs();
    OutputSerializer ser = new OutputSerializer();
    // Record values of predictions, events and alerts count as the PUBLISH stage.
    TimedSerializer published = new TimedSerializer(ser, metrics.stageTimer(EngineMetrics.Stage.PUBLISH));
    Topology t = new Topology();
    // Frames, as raw bytes: the contract is checked in the processor so that nothing can fail
    // deserialisation and every bad record reaches dead letters with its reason.
    t.addSource(
        FRAMES_SOURCE,
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer(),
        config.input().topic());
    // Frames -> clip windows -> inference -> one prediction per (camera, window).
    Executor runner =
        config.inference().overlap() ? InferenceThreads.create(streamThreads(config)) : null;
    t.addProcessor(
        CLIP_WINDOWS, () -> new ClipProcessor(config, sessions, metrics, runner), FRAMES_SOURCE);
    // The clock changes with every frame; the cache sends its changelog one record per camera
    // and commit instead of one per frame.
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(WINDOW_SCHEDULE), Serdes.String(), CameraClock.SERDE)
            .withCachingEnabled(),
        CLIP_WINDOWS);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(REPLAY_MARKS), Serdes.String(), ReplayMark.SERDE),
        CLIP_WINDOWS);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(PARKED_FRAMES), Serdes.Bytes(), Serdes.ByteArray()),
        CLIP_WINDOWS);
    t.addSink(TO_PREDICTIONS, out.predictions(), ser, published, CLIP_WINDOWS);
    t.addSink(TO_DEAD_LETTERS, out.deadLetters(), ser, ser, CLIP_WINDOWS);
    // Predictions -> episodes (smoothing, hysteresis, quiet time) -> events and alerts.
    t.addProcessor(EPISODES, () -> new EpisodeProcessor(config, metrics), CLIP_WINDOWS);
    t.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(OPEN_EPISODES),
            Serdes.String(),
            JsonSerde.of(CameraEpisodes.class)),
        EPISODES);
    t.addSink(TO_EVENTS, out.events(), ser, published, EPISODES);
    t.addSink(TO_ALERTS, out.alerts(), ser, published, EPISODES);
    return t;
  }

  private static int streamThreads(TopologyConfig config) {
    String n = config.streams().get(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
    return n == null ? 1 : Math.max(1, Integer.parseInt(n.trim()));
  }
}
