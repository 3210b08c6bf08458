package dev.actionstream.inference;

import ai.onnxruntime.OrtProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where ONNX Runtime runs a model: the CPU, or an NVIDIA GPU through the CUDA or TensorRT
 * execution provider (these need the GPU build, {@code mvn -Pgpu package}, and CUDA 12 + cuDNN 9
 * on the machine). Nodes a GPU provider cannot take fall back to the CPU provider.
 *
 * @param kind the provider
 * @param deviceId GPU index (CUDA's device ordinal); ignored on the CPU
 * @param gpuMemLimit bytes ONNX Runtime's CUDA memory arena may hold (with TensorRT also its
 *     builder workspace); 0 = no limit
 * @param fp16 half precision: TensorRT builds fp16 engines from the float32 model
 *     ({@code trt_fp16_enable}); CUDA and CPU run the manifest's fp16 variant ({@code onnx_fp16})
 * @param trtCacheDir where TensorRT keeps its engine and timing caches, so that a restart does not
 *     rebuild engines for minutes; null = no cache
 */
public record ExecutionProvider(
    Kind kind, int deviceId, long gpuMemLimit, boolean fp16, Path trtCacheDir) {

  public static final ExecutionProvider CPU = new ExecutionProvider(Kind.CPU, 0, 0, false, null);

  public ExecutionProvider {
    if (deviceId < 0) {
      throw new IllegalArgumentException("deviceId must be >= 0, got " + deviceId);
    }
    if (gpuMemLimit < 0) {
      throw new IllegalArgumentException("gpuMemLimit must be >= 0, got " + gpuMemLimit);
    }
  }

  public enum Kind {
    CPU(OrtProvider.CPU, List.of()),
    // The shared libraries ONNX Runtime 1.29's CUDA provider (libonnxruntime_providers_cuda.so)
    // links against, CUDA 12 and cuDNN 9 sonames, plus the driver's libcuda. Update with
    // onnxruntime.version in pom.xml.
    CUDA(
        OrtProvider.CUDA,
        List.of(
            "libcuda.so.1",
            "libcudart.so.12",
            "libcublas.so.12",
            "libcublasLt.so.12",
            "libcufft.so.11",
            "libcurand.so.10",
            "libcudnn.so.9")),
    // TensorRT 10 on top of CUDA: its unsupported nodes run on the CUDA provider.
    TENSORRT(
        OrtProvider.TENSOR_RT,
        concat(CUDA.libraries, List.of("libnvinfer.so.10", "libnvinfer_plugin.so.10")));

    private final OrtProvider ort;
    private final List<String> libraries;

    Kind(OrtProvider ort, List<String> libraries) {
      this.ort = ort;
      this.libraries = libraries;
    }

    /** ONNX Runtime's name for it, as {@code OrtEnvironment.getAvailableProviders()} lists. */
    public OrtProvider ort() {
      return ort;
    }

    /** Shared libraries (Linux sonames) the provider needs at session creation. */
    public List<String> libraries() {
      return libraries;
    }

    /** As the topology file spells it: cpu, cuda, tensorrt. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }

    private static List<String> concat(List<String> a, List<String> b) {
      return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
  }

  public boolean isGpu() {
    return kind != Kind.CPU;
  }

  /** Whether the session loads the manifest's fp16 variant rather than its float32 model. */
  public boolean usesFp16Variant() {
    return fp16 && kind != Kind.TENSORRT;
  }
}
