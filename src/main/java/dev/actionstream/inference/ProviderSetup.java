package dev.actionstream.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import dev.actionstream.inference.ExecutionProvider.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Puts a GPU execution provider on a session's options, after checking that it can load: the
 * ONNX Runtime build must have it ({@code onnxruntime_gpu}, {@code mvn -Pgpu package}) and the
 * CUDA (and TensorRT) libraries must be where the loader finds them. Either failure is a {@link
 * ProviderUnavailable} naming what is missing, before any session exists.
 *
 * <p>Providers are tried in the order added and ONNX Runtime always appends its CPU provider, so
 * nodes that TensorRT cannot take run on CUDA, and nodes CUDA cannot take run on the CPU.
 */
final class ProviderSetup {
  // ONNX Runtime's dlopen failure: "... with error: libcudnn.so.9: cannot open shared object file".
  private static final Pattern DLOPEN =
      Pattern.compile("(lib[\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

  private ProviderSetup() {}

  /**
   * Refuses a GPU provider this process cannot load.
   *
   * @param available what the ONNX Runtime build offers ({@code
   *     OrtEnvironment.getAvailableProviders()})
   * @param probe where to look for the CUDA libraries; null skips the look (not Linux)
   */
  static void check(ExecutionProvider p, EnumSet<OrtProvider> available, NativeLibraryProbe probe) {
    if (!p.isGpu()) {
      return;
    }
    Kind kind = p.kind();
    if (!available.contains(kind.ort())) {
      throw new ProviderUnavailable(
          kind,
          "is not available: this ONNX Runtime is the CPU-only build (providers: %s); build with"
                  .formatted(names(available))
              + " mvn -Pgpu package to get onnxruntime_gpu, or use provider: cpu",
          null);
    }
    if (probe == null) {
      return;
    }
    NativeLibraryProbe.Result r = probe.probe(kind.libraries());
    if (!r.complete()) {
      throw new ProviderUnavailable(kind, "cannot start: " + describe(kind, r, probe), null);
    }
  }

  /** {@link #check} against this process's ONNX Runtime and libraries. */
  static void check(ExecutionProvider p) {
    if (!p.isGpu()) {
      return;
    }
    boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    check(p, OrtEnvironment.getAvailableProviders(), linux ? NativeLibraryProbe.system() : null);
  }

  /**
   * Adds the provider to {@code options}. The returned provider options must stay open until the
   * session is created.
   */
  static List<AutoCloseable> configure(SessionOptions options, ExecutionProvider p)
      throws OrtException {
    List<AutoCloseable> open = new ArrayList<>();
    if (!p.isGpu()) {
      return open;
    }
    if (p.kind() == Kind.TENSORRT) {
      OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(p.deviceId());
      open.add(trt);
      if (p.gpuMemLimit() > 0) {
        trt.add("trt_max_workspace_size", Long.toString(p.gpuMemLimit()));
      }
      trt.add("trt_fp16_enable", p.fp16() ? "1" : "0");
      if (p.trtCacheDir() != null) {
        createDirectories(p);
        String dir = p.trtCacheDir().toString();
        trt.add("trt_engine_cache_enable", "1");
        trt.add("trt_engine_cache_path", dir);
        trt.add("trt_timing_cache_enable", "1");
        trt.add("trt_timing_cache_path", dir);
      }
      options.addTensorrt(trt);
    }
    OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(p.deviceId());
    open.add(cuda);
    if (p.gpuMemLimit() > 0) {
      cuda.add("gpu_mem_limit", Long.toString(p.gpuMemLimit()));
      // Grow the arena by what is asked: the default doubling reaches a limit long before it.
      cuda.add("arena_extend_strategy", "kSameAsRequested");
    }
    options.addCUDA(cuda);
    return open;
  }

  /**
   * ONNX Runtime's own failure to load a provider (a library the probe did not know of, or one
   * that is present but broken), as a {@link ProviderUnavailable} naming the library; null when
   * {@code e} is not a load failure.
   */
  static ProviderUnavailable translate(ExecutionProvider p, OrtException e) {
    String message = String.valueOf(e.getMessage());
    Matcher m = DLOPEN.matcher(message);
    if (m.find()) {
      return new ProviderUnavailable(
          p.kind(),
          "cannot start: ONNX Runtime cannot load %s (%s); install it or add its directory to"
                  .formatted(m.group(1), libraryGroup(m.group(1)))
              + " LD_LIBRARY_PATH, or use provider: cpu",
          e);
    }
    if (message.contains("Failed to find CUDA shared provider")
        || message.contains("Failed to find TensorRT shared provider")) {
      return new ProviderUnavailable(
          p.kind(),
          "is not available: the ONNX Runtime jar has no %s provider library; build with mvn -Pgpu"
                  .formatted(p.kind().spelling())
              + " package, or use provider: cpu",
          e);
    }
    return null;
  }

  /** "CUDA 12 libraries not found: a, b (c is in DIR, ...); searched ..." */
  static String describe(Kind kind, NativeLibraryProbe.Result r, NativeLibraryProbe probe) {
    Map<String, List<String>> byGroup =
        r.missing().stream()
            .collect(
                Collectors.groupingBy(
                    ProviderSetup::libraryGroup, java.util.LinkedHashMap::new, Collectors.toList()));
    StringBuilder s = new StringBuilder();
    byGroup.forEach(
        (group, libs) -> {
          s.append(s.length() == 0 ? "" : "; ");
          s.append(group).append(" not found: ").append(String.join(", ", libs));
        });
    if (!r.elsewhere().isEmpty()) {
      s.append(" (")
          .append(
              r.elsewhere().entrySet().stream()
                  .map(e -> e.getKey() + " is in " + e.getValue().getParent())
                  .collect(Collectors.joining(", ")))
          .append(", which the loader does not search: add it to LD_LIBRARY_PATH)");
    }
    s.append("; searched ").append(probe.searched()).append(" and the ldconfig cache");
    s.append(
        kind == Kind.TENSORRT
            ? ". The tensorrt provider needs CUDA 12, cuDNN 9 and TensorRT 10"
            : ". The cuda provider needs CUDA 12 and cuDNN 9");
    return s.toString();
  }

  /** Which installation a soname belongs to, for messages. */
  static String libraryGroup(String soname) {
    if (soname.startsWith("libcuda.so")) {
      return "NVIDIA driver library";
    }
    if (soname.startsWith("libcudnn")) {
      return "cuDNN 9 library";
    }
    if (soname.startsWith("libnvinfer") || soname.startsWith("libnvonnxparser")) {
      return "TensorRT 10 libraries";
    }
    return "CUDA 12 libraries";
  }

  private static String names(EnumSet<OrtProvider> providers) {
    return providers.stream()
        .map(OrtProvider::getName)
        .collect(Collectors.joining(", "));
  }

  private static void createDirectories(ExecutionProvider p) {
    try {
      Files.createDirectories(p.trtCacheDir());
    } catch (IOException e) {
      throw new ProviderUnavailable(
          p.kind(), "cannot create the TensorRT cache directory " + p.trtCacheDir() + ": " + e, e);
    }
  }
}
