package dev.actionstream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.actionstream.engine.Engine;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.TopologyConfig.Inference;
import dev.actionstream.topology.TopologyConfig.Provider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The GPU settings of the {@code inference} section: read, refused naming the field, and, on this
 * CPU-only build, refused at start on {@code inference.provider} before anything is started.
 */
class TopologyGpuSettingsTest {
  private static final int CPUS = Runtime.getRuntime().availableProcessors();

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          inference: {provider: cuda, gpu-mem-limit: 4 gigs}   | inference.gpu-mem-limit | must be a size such as 512MiB, 4GiB or 2GB (units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), got '4 gigs'
          inference: {provider: cuda, gpu-mem-limit: 1.5}      | inference.gpu-mem-limit | must be a size such as 512MiB, 4GiB or 2GB, got 1.5
          inference: {provider: cuda, gpu-mem-limit: [4GiB]}   | inference.gpu-mem-limit | must be a size such as 512MiB, 4GiB or 2GB, got a list
          inference: {provider: cuda, gpu-mem-limit: 4MiB}     | inference.gpu-mem-limit | must be at least 64MiB, got 4 MiB
          inference: {provider: cuda, gpu-mem-limit: -1GiB}    | inference.gpu-mem-limit | must be at least 64MiB
          inference: {gpu-mem-limit: 4GiB}                    | inference.gpu-mem-limit | applies to the cuda and tensorrt providers only; provider is cpu
          inference: {fp16: true}                              | inference.fp16          | applies to the cuda and tensorrt providers only; provider is cpu (the CPU provider computes in float32)
          inference: {provider: cuda, fp16: 'yes'}             | inference.fp16          | must be true or false, got 'yes'
          inference: {provider: cuda, fp16: true}              | inference.fp16          | model demo_x3d has no fp16 variant: its manifest
          inference: {provider: cuda, trt-cache-dir: cache}    | inference.trt-cache-dir | applies to the tensorrt provider only; provider is cuda
          inference: {provider: tensorrt, trt-cache-dir: 3}    | inference.trt-cache-dir | must be a string, got 3
          inference: {provider: tensorrt, device-id: -1}       | inference.device-id     | must be >= 0, got -1
          inference: {provider: tensorrt, gpu-mem-limt: 1GiB}  | inference.gpu-mem-limt  | unknown key; did you mean 'gpu-mem-limit'?
          """)
  void badGpuSettingIsRefusedNamingTheField(String yaml, String field, String reason) {
    TopologyError e =
        assertThrows(
            TopologyError.class,
            () -> TopologyLoader.load(TopologyFiles.minimal(tmp, yaml + "\n")));

    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.reason().contains(reason), e.getMessage());
  }

  @Test
  void tensorrtSettingsAreReadWithTheCacheDirectoryResolvedAgainstTheTopology() {
    TopologyConfig t =
        TopologyLoader.load(
            TopologyFiles.minimal(
                tmp,
                "inference: {provider: tensorrt, device-id: 1, gpu-mem-limit: 2GiB, fp16: true,"
                    + " trt-cache-dir: cache/trt}\n"));

    // TensorRT builds fp16 engines itself: it needs no fp16 variant in the manifest.
    assertEquals(
        new Inference(Provider.TENSORRT, CPUS, 1, 1, TopologyLoader.DEFAULT_MAX_WAIT, 2L << 30, true, tmp.resolve("cache/trt"), true),
        t.inference());
  }

  @Test
  void cudaFp16IsAcceptedWhenTheManifestNamesAnFp16Variant() throws IOException {
    Path manifest = tmp.resolve("m.yaml");
    Files.writeString(
        manifest,
        Files.readString(TopologyFiles.DEMO_MODEL)
            .replace("../../models/", TopologyFiles.DEMO_MODEL.getParent() + "/../../models/")
            .replace("\nlabels: ", "\nonnx_fp16: x3d.fp16.onnx\nlabels: "));
    Path file =
        TopologyFiles.write(
            tmp,
            "application-id: t\nmodel: m.yaml\n"
                + "inference: {provider: cuda, gpu-mem-limit: 1500MB, fp16: true}\n");

    TopologyConfig t = TopologyLoader.load(file);

    assertEquals(
        new Inference(Provider.CUDA, CPUS, 1, 0, TopologyLoader.DEFAULT_MAX_WAIT, 1_500_000_000L, true, null, true), t.inference());
    assertEquals(tmp.resolve("x3d.fp16.onnx"), t.model().onnxFp16());
  }

  @Test
  void withoutGpuSettingsTheDefaultsAreCpuAndNoLimits() {
    Inference i = TopologyLoader.load(TopologyFiles.minimal(tmp, "")).inference();

    assertEquals(new Inference(Provider.CPU, CPUS, 1, 0, TopologyLoader.DEFAULT_MAX_WAIT, 0, false, null, true), i);
  }

  @Test
  void cudaOnTheCpuOnlyBuildIsRefusedAtTheModelCheckNamingTheGpuBuild() {
    assumeCpuOnlyBuild();
    Path file = TopologyFiles.minimal(tmp, "inference: {provider: cuda, device-id: 0}\n");

    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.loadAndCheck(file, null));

    assertEquals("inference.provider", e.field());
    assertEquals(
        "cuda is not available: this ONNX Runtime is the CPU-only build (providers:"
            + " CPUExecutionProvider); build with mvn -Pgpu package to get onnxruntime_gpu, or use"
            + " provider: cpu",
        e.reason());
  }

  @Test
  void engineStartRefusesTensorrtOnTheCpuOnlyBuildBeforeTouchingKafka() {
    assumeCpuOnlyBuild();
    TopologyConfig config =
        TopologyLoader.load(
            TopologyFiles.minimal(
                tmp, "bootstrap-servers: 127.0.0.1:1\ninference: {provider: tensorrt}\n"));
    Path state = tmp.resolve("state");

    TopologyError e =
        assertThrows(
            TopologyError.class, () -> Engine.start(config, EngineMetrics.inMemory(), state));

    assertEquals("inference.provider", e.field());
    assertTrue(e.reason().startsWith("tensorrt is not available: this ONNX Runtime is the"
        + " CPU-only build"), e.getMessage());
    assertFalse(Files.exists(state), "nothing started");
  }

  /** With -Pgpu these providers exist; what then happens depends on the machine's CUDA. */
  private static void assumeCpuOnlyBuild() {
    assumeFalse(
        OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "this ONNX Runtime has the CUDA provider (built with -Pgpu)");
  }
}
