package dev.actionstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import dev.actionstream.inference.ExecutionProvider.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks before a GPU session: what the ONNX Runtime build offers, then the CUDA libraries in a
 * real directory holding (empty) files of their names.
 */
class ProviderSetupTest {
  private static final EnumSet<OrtProvider> GPU_BUILD =
      EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT);

  @TempDir Path tmp;

  private static ExecutionProvider on(Kind kind) {
    return new ExecutionProvider(kind, 0, 0, false, null);
  }

  private NativeLibraryProbe libraryDir(List<String> libraries) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("lib"));
    for (String lib : libraries) {
      Files.createFile(dir.resolve(lib));
    }
    return new NativeLibraryProbe(List.of(dir), Map.of(), List.of());
  }

  private static List<String> without(List<String> all, String... removed) {
    List<String> out = new ArrayList<>(all);
    out.removeAll(List.of(removed));
    return out;
  }

  @Test
  void cpuOnlyBuildRefusesCudaNamingTheGpuBuild() {
    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class,
            () -> ProviderSetup.check(on(Kind.CUDA), EnumSet.of(OrtProvider.CPU), null));

    assertEquals(Kind.CUDA, e.provider());
    assertEquals(
        "cuda is not available: this ONNX Runtime is the CPU-only build (providers:"
            + " CPUExecutionProvider); build with mvn -Pgpu package to get onnxruntime_gpu, or use"
            + " provider: cpu",
        e.getMessage());
  }

  @Test
  void cpuOnlyBuildRefusesTensorrt() {
    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class,
            () -> ProviderSetup.check(on(Kind.TENSORRT), EnumSet.of(OrtProvider.CPU), null));

    assertTrue(e.getMessage().startsWith("tensorrt is not available: this ONNX Runtime is the"
        + " CPU-only build"), e.getMessage());
  }

  @Test
  void gpuBuildWithAllCudaLibrariesPasses() throws IOException {
    NativeLibraryProbe probe = libraryDir(Kind.TENSORRT.libraries());

    ProviderSetup.check(on(Kind.CUDA), GPU_BUILD, probe);
    ProviderSetup.check(on(Kind.TENSORRT), GPU_BUILD, probe);
  }

  @Test
  void gpuBuildWithoutCudnnNamesTheMissingLibraryAndWhereItLooked() throws IOException {
    NativeLibraryProbe probe = libraryDir(without(Kind.CUDA.libraries(), "libcudnn.so.9"));

    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class, () -> ProviderSetup.check(on(Kind.CUDA), GPU_BUILD, probe));

    assertEquals(
        "cuda cannot start: cuDNN 9 library not found: libcudnn.so.9; searched "
            + tmp.resolve("lib") + " and the ldconfig cache. The cuda provider needs CUDA 12 and"
            + " cuDNN 9",
        e.getMessage());
  }

  @Test
  void machineWithoutCudaNamesEveryMissingLibraryByInstallation() throws IOException {
    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class,
            () -> ProviderSetup.check(on(Kind.TENSORRT), GPU_BUILD, libraryDir(List.of())));

    assertTrue(
        e.getMessage().startsWith(
            "tensorrt cannot start: NVIDIA driver library not found: libcuda.so.1; CUDA 12"
                + " libraries not found: libcudart.so.12, libcublas.so.12, libcublasLt.so.12,"
                + " libcufft.so.11, libcurand.so.10; cuDNN 9 library not found: libcudnn.so.9;"
                + " TensorRT 10 libraries not found: libnvinfer.so.10, libnvinfer_plugin.so.10;"
                + " searched "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("needs CUDA 12, cuDNN 9 and TensorRT 10"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void tensorrtWithCudaButWithoutTensorrtNamesOnlyTensorrt() throws IOException {
    NativeLibraryProbe probe = libraryDir(Kind.CUDA.libraries());

    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class,
            () -> ProviderSetup.check(on(Kind.TENSORRT), GPU_BUILD, probe));

    assertTrue(
        e.getMessage().startsWith("tensorrt cannot start: TensorRT 10 libraries not found:"
            + " libnvinfer.so.10, libnvinfer_plugin.so.10; searched "),
        e.getMessage());
  }

  @Test
  void libraryInACudaInstallationOffTheLoaderPathIsNamedWithTheFix() throws IOException {
    Path cuda = Files.createDirectories(tmp.resolve("cuda/lib64"));
    Files.createFile(cuda.resolve("libcublasLt.so.12"));
    Path lib = Files.createDirectories(tmp.resolve("lib"));
    for (String name : without(Kind.CUDA.libraries(), "libcublasLt.so.12")) {
      Files.createFile(lib.resolve(name));
    }
    NativeLibraryProbe probe = new NativeLibraryProbe(List.of(lib), Map.of(), List.of(cuda));

    ProviderUnavailable e =
        assertThrows(
            ProviderUnavailable.class, () -> ProviderSetup.check(on(Kind.CUDA), GPU_BUILD, probe));

    assertTrue(
        e.getMessage().startsWith("cuda cannot start: CUDA 12 libraries not found:"
            + " libcublasLt.so.12 (libcublasLt.so.12 is in " + cuda + ", which the loader does not"
            + " search: add it to LD_LIBRARY_PATH); searched "),
        e.getMessage());
  }

  @Test
  void cpuNeedsNoCheck() {
    ProviderSetup.check(ExecutionProvider.CPU, EnumSet.of(OrtProvider.CPU), null);
  }

  @Test
  void onnxRuntimesOwnLoadFailureNamesTheLibrary() {
    // The text ONNX Runtime's provider bridge reports when dlopen fails (provider_bridge_ort.cc).
    OrtException load =
        new OrtException(
            OrtException.OrtErrorCode.ORT_FAIL,
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcurand.so.10:"
                + " cannot open shared object file: No such file or directory");

    ProviderUnavailable e = ProviderSetup.translate(on(Kind.CUDA), load);

    assertEquals(
        "cuda cannot start: ONNX Runtime cannot load libcurand.so.10 (CUDA 12 libraries); install"
            + " it or add its directory to LD_LIBRARY_PATH, or use provider: cpu",
        e.getMessage());
    assertNull(
        ProviderSetup.translate(
            on(Kind.CUDA), new OrtException(OrtException.OrtErrorCode.ORT_FAIL, "bad graph")));
  }
}
