package dev.actionstream.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks for shared libraries where the Linux dynamic loader would find them when ONNX Runtime
 * loads a GPU provider: the {@code LD_LIBRARY_PATH} directories, the loader cache ({@code ldconfig
 * -p}) and the default directories. It runs before the session is created, so that a machine
 * without CUDA gets one message naming every missing library, not ONNX Runtime's first dlopen
 * failure.
 *
 * <p>Libraries that lie only in a CUDA installation the loader does not search ({@code
 * $CUDA_HOME/lib64}, {@code /usr/local/cuda/lib64}) still count as missing, since dlopen will not
 * find them either; the result says where they are, so the fix is one {@code LD_LIBRARY_PATH}.
 */
public final class NativeLibraryProbe {
  // x86-64 Debian/Ubuntu and RHEL defaults, as ld.so searches them after its cache.
  static final List<Path> DEFAULT_DIRS =
      List.of(
          Path.of("/lib/x86_64-linux-gnu"),
          Path.of("/usr/lib/x86_64-linux-gnu"),
          Path.of("/lib64"),
          Path.of("/usr/lib64"),
          Path.of("/lib"),
          Path.of("/usr/lib"));

  // One line of `ldconfig -p`: "\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/...".
  private static final Pattern CACHE_LINE = Pattern.compile("^\\s*(\\S+)\\s+\\(([^)]*)\\)\\s+=>\\s+(\\S.*)$");

  private final List<Path> loaderDirs;
  private final Map<String, Path> loaderCache;
  private final List<Path> otherDirs;

  /**
   * @param loaderDirs directories the loader searches, in order
   * @param loaderCache soname to file, as the loader cache lists them
   * @param otherDirs CUDA installations the loader does not search, for the hint only
   */
  public NativeLibraryProbe(List<Path> loaderDirs, Map<String, Path> loaderCache, List<Path> otherDirs) {
    this.loaderDirs = List.copyOf(loaderDirs);
    this.loaderCache = Map.copyOf(loaderCache);
    this.otherDirs = List.copyOf(otherDirs);
  }

  /** The probe of this process: its environment, the loader cache, the default directories. */
  public static NativeLibraryProbe system() {
    Map<String, String> env = System.getenv();
    List<Path> dirs = new ArrayList<>(pathList(env.get("LD_LIBRARY_PATH")));
    // ONNX Runtime Java looks for its provider libraries here first (OnnxRuntime.extractProviderLibrary).
    dirs.addAll(pathList(System.getProperty("onnxruntime.native.path")));
    dirs.addAll(DEFAULT_DIRS);
    List<Path> other = new ArrayList<>();
    for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
      String home = env.get(var);
      if (home != null && !home.isBlank()) {
        other.add(Path.of(home, "lib64"));
        other.add(Path.of(home, "lib"));
      }
    }
    other.add(Path.of("/usr/local/cuda/lib64"));
    return new NativeLibraryProbe(dirs, parseLdconfig(runLdconfig()), other);
  }

  /**
   * What the loader would not find.
   *
   * @param missing the sonames found nowhere on the loader's path, in the order asked
   * @param elsewhere for some of those, a file outside the loader's path that has that name
   */
  public record Result(List<String> missing, Map<String, Path> elsewhere) {
    public Result {
      missing = List.copyOf(missing);
      elsewhere = Map.copyOf(elsewhere);
    }

    public boolean complete() {
      return missing.isEmpty();
    }
  }

  /** Checks each soname (e.g. {@code libcudart.so.12}) in loader order. */
  public Result probe(List<String> sonames) {
    List<String> missing = new ArrayList<>();
    Map<String, Path> elsewhere = new LinkedHashMap<>();
    for (String name : sonames) {
      if (find(name) != null) {
        continue;
      }
      missing.add(name);
      for (Path dir : otherDirs) {
        Path f = dir.resolve(name);
        if (Files.exists(f)) {
          elsewhere.put(name, f);
          break;
        }
      }
    }
    return new Result(missing, elsewhere);
  }

  /** Where the loader would find {@code soname}, or null. */
  public Path find(String soname) {
    for (Path dir : loaderDirs) {
      Path f = dir.resolve(soname);
      if (Files.exists(f)) {
        return f;
      }
    }
    Path cached = loaderCache.get(soname);
    return cached != null && Files.exists(cached) ? cached : null;
  }

  /** The loader's directories, in search order, joined with ':' (for messages). */
  public String searched() {
    Set<String> shown = new LinkedHashSet<>();
    for (Path d : loaderDirs) {
      shown.add(d.toString());
    }
    return String.join(":", shown);
  }

  /**
   * The 64-bit entries of {@code ldconfig -p} output, soname to file; the first entry of a name
   * wins, as in the loader.
   */
  static Map<String, Path> parseLdconfig(String output) {
    Map<String, Path> cache = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      Matcher m = CACHE_LINE.matcher(line);
      if (m.matches() && m.group(2).contains("64")) {
        try {
          cache.putIfAbsent(m.group(1), Path.of(m.group(3).strip()));
        } catch (InvalidPathException e) {
          // A garbled line says nothing about the libraries we look for.
        }
      }
    }
    return cache;
  }

  static List<Path> pathList(String value) {
    List<Path> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    for (String part : value.split(":")) {
      if (!part.isBlank()) {
        out.add(Path.of(part.strip()));
      }
    }
    return out;
  }

  /** {@code ldconfig -p}, or "" where there is none (containers without it, other systems). */
  private static String runLdconfig() {
    for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
      if (!Files.isExecutable(Path.of(exe))) {
        continue;
      }
      try {
        Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
          out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return out;
        }
        p.destroy();
      } catch (IOException e) {
        return "";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "";
      }
    }
    return "";
  }
}
