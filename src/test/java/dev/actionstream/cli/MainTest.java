package dev.actionstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.TestModels;
import dev.actionstream.model.GoldenSet;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI in-process: output and exit codes. */
class MainTest {
  private static ModelManifest model;

  @TempDir Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void pickModel() {
    model = TestModels.smallest();
  }

  private int run(String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void validatePrintsSummaryAndExitsZero() {
    int code = run("validate", model.file().toString());

    assertEquals(ExitCodes.OK, code, err.toString());
    String text = out.toString();
    assertTrue(text.startsWith("model " + model.name() + " "), text);
    assertTrue(
        text.contains(model.output().classes() + " classes: " + model.labels().get(0)), text);
    assertTrue(text.contains("clip      " + model.clip().frames() + " frames"), text);
    assertTrue(text.endsWith("OK" + System.lineSeparator()), text);
  }

  @Test
  void validateOfBadManifestExitsTwoWithTheFieldAndNoStackTrace() throws IOException {
    Path copy = tmp.resolve("manifest.yaml");
    String yaml = Files.readString(model.file());
    Files.writeString(copy, yaml.replace("modality: rgb", "modality: depth"));

    int code = run("validate", copy.toString());

    assertEquals(ExitCodes.BAD_MODEL, code);
    assertEquals("error: modality: 'depth' not one of ('rgb', 'flow')", err.toString().strip());
  }

  @Test
  void validateOfTopologyPrintsItsSummaryThenTheModelsAndExitsZero() {
    int code = run("validate", "topologies/demo.yaml", "--bootstrap-servers", "broker:29092");

    assertEquals(ExitCodes.OK, code, err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals("topology actionstream-demo: " + Path.of("topologies/demo.yaml").toAbsolutePath(),
        lines.get(0));
    assertEquals(
        List.of(
            "  brokers   broker:29092",
            "  input     topic frames, frames up to 1048576 bytes and 16777216 pixels",
            "  windows   1.600 s clips every 1s, grace 300ms, at least 4 distinct frames, "
                + "max future 30s",
            "  policy    realtime: skip windows more than 5s behind",
            "  inference cpu, 2 threads, batch 1",
            "  outputs   predictions predictions (top 3), events events, alerts alerts, "
                + "dead letters dead-letters",
            "  episodes  7 labels: move_left, move_right, move_up, move_down, approach, recede, "
                + "fall; enter 0.6, exit 0.4, smoothing 3 windows, quiet time 5s",
            "  alerts    1 label: fall",
            "  cameras   no overrides"),
        lines.subList(1, 10));
    assertTrue(lines.get(10).startsWith("model demo_x3d (x3d): "), lines.get(10));
    assertTrue(lines.contains("  inputs    NCTHW clip, ONNX input float32[batch,3,8,64,64]"),
        out.toString());
    assertEquals("OK", lines.get(lines.size() - 1));
  }

  @Test
  void validateOfAFusionPrintsEveryFusedModelWithItsWeight() {
    int code = run("validate", "topologies/demo-two-stream.yaml");

    assertEquals(ExitCodes.OK, code, err.toString());
    List<String> lines = out.toString().lines().toList();
    assertEquals("  model     demo-two-stream: late fusion of demo_two_stream_rgb x 1, demo_two_stream_flow x 1.5",
        lines.get(1));
    assertTrue(lines.contains("fused 1 of 2, weight 1:"), out.toString());
    assertTrue(lines.contains("fused 2 of 2, weight 1.5:"), out.toString());
    assertTrue(lines.contains("  clip      8 frames, sampling rate 6 at 30 fps: 1.600 s, 1 segment of 8 frames"),
        out.toString());
    assertTrue(lines.contains("  inputs    NCHW clip, ONNX input float32[batch,14,64,64]"), out.toString());
    assertTrue(lines.contains(
        "  flow      farneback, bound 10 px, quantized, between consecutive frames of a segment"), out.toString());
    assertEquals("OK", lines.get(lines.size() - 1));
  }

  @Test
  void validateOfBadTopologyExitsFourWithTheFieldAndNoStackTrace() throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(
        bad,
        Files.readString(Path.of("topologies/demo.yaml"))
            .replace("model: ../config/models/", "model: " + Path.of("config/models").toAbsolutePath() + "/")
            .replace("hop: 1s", "hop: 1"));

    int code = run("validate", bad.toString());

    assertEquals(ExitCodes.BAD_TOPOLOGY, code);
    assertEquals(
        "error: topology " + bad + ": windows.hop: must be a duration such as 500ms, 2s or 1m, "
            + "got 1 without a unit (write 1s for seconds or 1ms for milliseconds)",
        err.toString().strip());
    assertEquals("", out.toString());
  }

  @Test
  void ingestOfBadCameraFileExitsSixNamingTheFieldWithoutTheSecret() throws IOException {
    Path bad = tmp.resolve("cameras.yaml");
    Files.writeString(bad, """
        cameras:
          door:
            url: rtsp://viewer:s3cret-pw@127.0.0.1:1/stream
            pace: slow
        """);

    int code = run("ingest", "--cameras", bad.toString());

    assertEquals(ExitCodes.BAD_CAMERAS, code);
    assertEquals(
        "error: cameras " + bad + ": cameras.door.pace: must be 'own' (the file's frame rate) or 'fast', got 'slow'",
        err.toString().strip());
    assertFalse(err.toString().contains("s3cret"));
  }

  @Test
  void validateOfTopologyWithMissingOnnxExitsFourWithTheExportCommand() {
    assumeFalse(Files.exists(Path.of("models/x3d_s/model.onnx")), "X3D-S has been exported");

    int code = run("validate", "topologies/x3d-s.yaml");

    assertEquals(ExitCodes.BAD_TOPOLOGY, code);
    String text = err.toString();
    assertTrue(
        text.startsWith("error: topology topologies/x3d-s.yaml: model: ../config/models/x3d_s.yaml:"
            + " onnx: no such file: "),
        text);
    assertTrue(text.contains("python3 -m modelkit.export --arch x3d_s"), text);
    assertFalse(text.contains("\tat "), text);
  }

  @Test
  void validateOfCudaTopologyOnTheCpuOnlyBuildExitsFourNamingTheGpuBuild() throws IOException {
    assumeFalse(
        ai.onnxruntime.OrtEnvironment.getAvailableProviders()
            .contains(ai.onnxruntime.OrtProvider.CUDA),
        "built with -Pgpu");
    Path topology = cudaTopology("cuda");

    int code = run("validate", topology.toString());

    assertEquals(ExitCodes.BAD_TOPOLOGY, code);
    assertEquals(
        "error: topology " + topology + ": inference.provider: cuda is not available: this ONNX"
            + " Runtime is the CPU-only build (providers: CPUExecutionProvider); build with mvn"
            + " -Pgpu package to get onnxruntime_gpu, or use provider: cpu",
        err.toString().strip());
    assertEquals("", out.toString());
  }

  @Test
  void runWithTensorrtOnTheCpuOnlyBuildExitsFourBeforeKafka() throws IOException {
    assumeFalse(
        ai.onnxruntime.OrtEnvironment.getAvailableProviders()
            .contains(ai.onnxruntime.OrtProvider.TENSOR_RT),
        "built with -Pgpu");
    Path topology = cudaTopology("tensorrt");
    Path state = tmp.resolve("state");

    // No broker listens on port 1: the provider check must come first.
    int code =
        run("run", topology.toString(), "--no-http", "--bootstrap-servers", "127.0.0.1:1",
            "--state-dir", state.toString());

    assertEquals(ExitCodes.BAD_TOPOLOGY, code, err.toString());
    String text = err.toString().strip();
    assertTrue(
        text.startsWith("error: topology " + topology + ": inference.provider: tensorrt is not"
            + " available: this ONNX Runtime is the CPU-only build"),
        text);
    assertEquals(1, text.lines().count(), text);
    assertFalse(Files.exists(state));
  }

  /** topologies/demo.yaml with the model path made absolute and the given provider. */
  private Path cudaTopology(String provider) throws IOException {
    Path file = tmp.resolve(provider + ".yaml");
    String yaml =
        Files.readString(Path.of("topologies/demo.yaml"))
            .replace("model: ../config/models/", "model: " + Path.of("config/models").toAbsolutePath() + "/")
            .replace("  provider: cpu\n", "  provider: " + provider + "\n");
    assertTrue(yaml.contains("provider: " + provider), "topologies/demo.yaml changed its inference line");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void validateOfMissingFileIsAUsageError() {
    assertEquals(ExitCodes.USAGE, run("validate", tmp.resolve("none.yaml").toString()));
    assertTrue(err.toString().contains("none.yaml: no such file"), err.toString());
  }

  @Test
  void missingSubcommandExitsWithUsageCode() {
    assertEquals(ExitCodes.USAGE, run());
    assertTrue(err.toString().startsWith("Missing required subcommand"), err.toString());
  }

  @Test
  void soakRefusesABadDurationBeforeStartingAnything() {
    assertEquals(ExitCodes.USAGE, run("soak", "--duration", "ten minutes"));
    assertTrue(err.toString().contains("--duration: must be a duration such as"), err.toString());
    assertEquals(ExitCodes.USAGE, run("soak", "--interval", "0s"));
    assertEquals(ExitCodes.USAGE, run("soak", "--cameras", "0"));
  }

  @Test
  void unknownOptionExitsWithUsageCode() {
    assertEquals(ExitCodes.USAGE, run("validate", "--frobnicate", "x.yaml"));
    assertTrue(err.toString().contains("Unknown option: '--frobnicate'"), err.toString());
  }

  @Test
  void modelBenchChecksParityTimesRunsAndWritesJson() throws IOException {
    Path json = tmp.resolve("bench.json");

    int code =
        run(
            "model-bench",
            model.file().toString(),
            "--iterations",
            "3",
            "--warmup",
            "1",
            "--batch",
            "2",
            "--threads",
            "1",
            "--json",
            json.toString());

    assertEquals(ExitCodes.OK, code, err.toString());
    assertTrue(out.toString().contains("golden parity: max |Δ|"), out.toString());
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    assertEquals(model.name(), report.get("model").asText());
    assertEquals(1, report.get("intraOpThreads").asInt());
    assertTrue(report.get("parity").get("passed").asBoolean());
    JsonNode bench = report.get("bench");
    assertEquals(2, bench.get("batch").asInt());
    assertEquals(3, bench.get("iterations").asInt());
    assertTrue(bench.get("p50MsPerClip").asDouble() > 0);
    assertTrue(bench.get("p95MsPerClip").asDouble() >= bench.get("p50MsPerClip").asDouble());
    assertTrue(bench.get("clipsPerSecond").asDouble() > 0);
  }

  @Test
  void modelBenchExitsThreeWhenGoldenParityFails() throws IOException {
    Path dir = copyModelDir();
    Path output = dir.resolve(GoldenSet.DIR).resolve("output.f32");
    ByteBuffer scores = ByteBuffer.wrap(Files.readAllBytes(output)).order(ByteOrder.LITTLE_ENDIAN);
    scores.putFloat(0, scores.getFloat(0) + 0.01f); // PyTorch "said" something else
    Files.write(output, scores.array());

    int code = run("model-bench", dir.resolve("manifest.yaml").toString(), "--iterations", "1");

    assertEquals(ExitCodes.PARITY_FAILED, code, err.toString());
    assertTrue(out.toString().contains(": FAILED"), out.toString());
    assertFalse(out.toString().contains("ms per clip"), "no timing of a model that fails parity");
  }

  /** The small model's directory, copied whole (its manifest uses relative paths). */
  private Path copyModelDir() throws IOException {
    Path from = model.file().getParent().toRealPath();
    Path to = tmp.resolve("model");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
    return to;
  }
}
