package dev.actionstream.bench;

import dev.actionstream.frames.FrameDecoder;
import dev.actionstream.frames.FramePreprocessor;
import dev.actionstream.http.HttpSettings;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.Outputs;
import dev.actionstream.topology.TopologyConfig.Policy;
import dev.actionstream.topology.TopologyConfig.Realtime;
import dev.actionstream.topology.TopologyConfig.Windows;
import java.time.Duration;
import java.util.List;
import java.util.function.IntBinaryOperator;

/**
 * The topology one bench phase runs: the base file's rules (grace, max-lag, episodes, streams
 * settings, camera overrides) with bench's model, hop, batch, threads and policy, and its own
 * application id and topic names, so phases and runs never read each other's state or outputs.
 */
final class BenchTopology {
  private BenchTopology() {}

  /**
   * @param hop null = the base file's
   * @param threads null = the base file's
   */
  static TopologyConfig derive(
      TopologyConfig base, ModelManifest model, Duration hop, int batch, Integer threads, String servers,
      String inputTopic, String applicationId, Policy policy) {
    Windows w = base.windows();
    // A model with fewer clip frames than min-distinct-frames could never be inferred.
    Windows windows = new Windows(hop == null ? w.hop() : hop, w.grace(),
        Math.min(w.minDistinctFrames(), model.clip().frames()), w.maxFuture());
    Inference i = base.inference();
    Inference inference =
        new Inference(i.provider(), threads == null ? i.threads() : threads, batch, i.deviceId(), i.maxWait())
            .withOverlap(i.overlap());
    Outputs o = base.outputs();
    Outputs outputs = new Outputs(applicationId + "-predictions", applicationId + "-events",
        applicationId + "-alerts", applicationId + "-dead-letters", Math.min(o.topK(), model.output().classes()));
    Episodes episodes = base.episodes();
    java.util.Map<String, TopologyConfig.CameraOverride> cameras = base.cameras();
    if (!model.labels().equals(base.model().labels())) {
      cameras = java.util.Map.of(); // their label filters name the base model's labels
      // Another vocabulary: episodes over every label but the first ("nothing happens"), no alerts.
      episodes = new Episodes(model.labels().subList(1, model.labels().size()), episodes.enter(), episodes.exit(),
          episodes.smoothing(), episodes.quietTime(), List.of());
    }
    return new TopologyConfig(
        base.file(), applicationId, servers, model,
        new TopologyConfig.Input(
            inputTopic, base.input().maxFrameBytes(), base.input().maxFramePixels(), base.input().decodeScale()),
        windows, new Realtime(policy, base.realtime().maxLag()), inference, outputs, episodes,
        cameras, base.streams(), HttpSettings.DISABLED);
  }

  /** The JPEG decode reduction the engine applies under this topology (input.decode-scale). */
  static IntBinaryOperator reducer(TopologyConfig config, FramePreprocessor pre) {
    return config.input().decodeScale() == TopologyConfig.DecodeScale.AUTO
        ? pre.reducer()
        : FrameDecoder.FULL_SIZE;
  }
}
