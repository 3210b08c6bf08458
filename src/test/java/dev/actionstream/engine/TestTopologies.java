package dev.actionstream.engine;

import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyConfig.Episodes;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.Input;
import dev.actionstream.topology.TopologyConfig.Outputs;
import dev.actionstream.topology.TopologyConfig.Policy;
import dev.actionstream.topology.TopologyConfig.Provider;
import dev.actionstream.topology.TopologyConfig.Realtime;
import dev.actionstream.topology.TopologyConfig.Windows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Topology configs for tests, built in code so a test states exactly what it depends on. */
public final class TestTopologies {
  private TestTopologies() {}

  public static final Path DEMO_X3D = Path.of("models/demo/x3d/manifest.yaml");
  public static final Path DEMO_SLOWFAST = Path.of("models/demo/slowfast/manifest.yaml");

  /** The demo X3D with 1 s hop, 300 ms grace, episodes over all labels but idle. */
  public static TopologyConfig demo(Policy policy) {
    return demo(DEMO_X3D, policy);
  }

  /** As {@link #demo(Policy)} with another model. */
  public static TopologyConfig demo(Path manifest, Policy policy) {
    ModelManifest m = ManifestLoader.load(manifest);
    return new TopologyConfig(
        Path.of("test-topology.yaml").toAbsolutePath(),
        "test-app",
        "127.0.0.1:9",
        m,
        new Input("frames", 1 << 20, 4096L * 4096),
        new Windows(Duration.ofSeconds(1), Duration.ofMillis(300), 4, Duration.ofSeconds(30)),
        new Realtime(policy, Duration.ofSeconds(5)),
        new Inference(Provider.CPU, 2, 1, 0),
        new Outputs("predictions", "events", "alerts", "dead-letters", 3),
        new Episodes(
            m.labels().subList(1, m.labels().size()), 0.6, 0.4, 2, Duration.ofSeconds(5), List.of("fall")),
        Map.of(),
        Map.of());
  }

  /**
   * Late fusion of the demo X3D and the demo SlowFast (same labels, both 1.6 s clips) with the
   * given weights, named {@code demo-fusion}; otherwise as {@link #demo(Policy)}.
   */
  public static TopologyConfig fused(double x3dWeight, double slowFastWeight) {
    TopologyConfig c = demo(Policy.BACKFILL);
    ModelManifest sf = ManifestLoader.load(DEMO_SLOWFAST);
    TopologyConfig.Fusion f = new TopologyConfig.Fusion("demo-fusion", List.of(
        new TopologyConfig.Member(c.model(), x3dWeight), new TopologyConfig.Member(sf, slowFastWeight)));
    return new TopologyConfig(c.file(), c.applicationId(), c.bootstrapServers(), c.model(), c.input(),
        c.windows(), c.realtime(), c.inference(), c.outputs(), c.episodes(), c.cameras(), c.streams(),
        c.http(), f);
  }
}
