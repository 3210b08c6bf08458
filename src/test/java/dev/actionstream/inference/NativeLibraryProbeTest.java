package dev.actionstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library probe against real directories with (empty) library files in them. */
class NativeLibraryProbeTest {
  @TempDir Path tmp;

  private Path dir(String name, String... libraries) throws IOException {
    Path d = Files.createDirectories(tmp.resolve(name));
    for (String lib : libraries) {
      Files.createFile(d.resolve(lib));
    }
    return d;
  }

  @Test
  void librariesInALoaderDirectoryAreFoundAndTheRestListedInOrder() throws IOException {
    Path first = dir("first", "libcudart.so.12");
    Path second = dir("second", "libcublas.so.12", "libcudart.so.12");
    NativeLibraryProbe probe = new NativeLibraryProbe(List.of(first, second), Map.of(), List.of());

    NativeLibraryProbe.Result r =
        probe.probe(List.of("libcudnn.so.9", "libcudart.so.12", "libcublas.so.12", "libcufft.so.11"));

    assertEquals(List.of("libcudnn.so.9", "libcufft.so.11"), r.missing());
    assertEquals(Map.of(), r.elsewhere());
    // The loader takes the first directory that has it.
    assertEquals(first.resolve("libcudart.so.12"), probe.find("libcudart.so.12"));
    assertEquals(second.resolve("libcublas.so.12"), probe.find("libcublas.so.12"));
  }

  @Test
  void aLibraryOutsideTheLoaderPathIsMissingButItsDirectoryIsNamed() throws IOException {
    Path cuda = dir("cuda/lib64", "libcudart.so.12");
    NativeLibraryProbe probe =
        new NativeLibraryProbe(List.of(dir("empty")), Map.of(), List.of(tmp.resolve("nope"), cuda));

    NativeLibraryProbe.Result r = probe.probe(List.of("libcudart.so.12", "libcudnn.so.9"));

    assertEquals(List.of("libcudart.so.12", "libcudnn.so.9"), r.missing());
    assertEquals(Map.of("libcudart.so.12", cuda.resolve("libcudart.so.12")), r.elsewhere());
  }

  @Test
  void theLoaderCacheCountsOnlyForFilesThatExist() throws IOException {
    Path lib = dir("cache", "libcudnn.so.9").resolve("libcudnn.so.9");
    String ldconfig =
        """
        3 libs found in cache `/etc/ld.so.cache'
        \tlibcudnn.so.9 (libc6,x86-64) => %s
        \tlibcudart.so.12 (libc6,x86-64) => %s
        \tlibcublas.so.12 (libc6) => %s
        """
            .formatted(lib, tmp.resolve("gone/libcudart.so.12"), lib);
    Map<String, Path> cache = NativeLibraryProbe.parseLdconfig(ldconfig);
    NativeLibraryProbe probe = new NativeLibraryProbe(List.of(), cache, List.of());

    // 32-bit entries (libc6 without x86-64) do not count for a 64-bit JVM.
    assertEquals(List.of("libcudnn.so.9", "libcudart.so.12"), List.copyOf(cache.keySet()));
    assertEquals(lib, probe.find("libcudnn.so.9"));
    assertNull(probe.find("libcudart.so.12"));
    assertEquals(
        List.of("libcudart.so.12", "libcublas.so.12"),
        probe.probe(List.of("libcudnn.so.9", "libcudart.so.12", "libcublas.so.12")).missing());
  }

  @Test
  void ldLibraryPathSplitsOnColonsAndSkipsEmptyParts() {
    assertEquals(
        List.of(Path.of("/a"), Path.of("/b/c")), NativeLibraryProbe.pathList("/a::/b/c:"));
    assertTrue(NativeLibraryProbe.pathList(null).isEmpty());
  }
}
