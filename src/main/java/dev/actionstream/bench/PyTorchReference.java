package dev.actionstream.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch pipeline a user would write instead ({@code tools/modelkit/reference.py}: read the
 * video, sample clips, preprocess, run the same model in PyTorch), run as a child process on the
 * same video, cameras and threads. Its JSON (clips, frames, seconds, clips_per_s, frames_per_s,
 * stages, model, threads, cameras, torch) is kept as it is; a missing interpreter or module gives
 * {@code {"error": why}} instead, and bench goes on.
 */
final class PyTorchReference {
  /** Debian's interpreter, the one with torch (the first python3 on PATH may lack it). */
  static final Path PYTHON = Path.of("/usr/bin/python3");

  private PyTorchReference() {}

  static Map<String, Object> run(
      Path tools, Path modelDir, Path video, int cameras, long seconds, int threads, PrintStream out)
      throws InterruptedException {
    if (video == null) {
      return error("needs --video FILE: the reference reads a video file, not synthetic cameras");
    }
    if (!Files.isExecutable(PYTHON)) {
      return error(PYTHON + " is missing (Debian's python3 with torch)");
    }
    if (!Files.isRegularFile(tools.resolve("modelkit/reference.py"))) {
      return error("the module modelkit.reference is missing (" + tools.resolve("modelkit/reference.py") + ")");
    }
    Path json = null;
    try {
      json = Files.createTempFile("actionstream-bench-pytorch-", ".json");
      List<String> cmd = List.of(PYTHON.toString(), "-m", "modelkit.reference",
          "--model-dir", modelDir.toAbsolutePath().toString(), "--video", video.toAbsolutePath().toString(),
          "--cameras", Integer.toString(cameras), "--seconds", Long.toString(seconds),
          "--threads", Integer.toString(threads), "--json", json.toString());
      out.println("bench: pytorch reference: cd " + tools + " && " + String.join(" ", cmd));
      Process p = new ProcessBuilder(cmd).directory(tools.toFile()).redirectErrorStream(true).start();
      StringBuilder tail = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.println("  pytorch: " + line);
          tail.append(line).append('\n');
          if (tail.length() > 4000) {
            tail.delete(0, tail.length() - 2000);
          }
        }
      }
      if (!p.waitFor(seconds * 3 + 300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return error("timed out");
      }
      if (p.exitValue() != 0) {
        String last = tail.toString().strip();
        last = last.substring(last.lastIndexOf('\n') + 1);
        return error("exit code " + p.exitValue() + ": " + last);
      }
      Map<String, Object> result = BenchReport.JSON.readValue(json.toFile(), new TypeReference<Map<String, Object>>() {});
      if (!(result.get("clips_per_s") instanceof Number)) {
        return error("its JSON has no clips_per_s: " + result.keySet());
      }
      return result;
    } catch (IOException e) {
      return error("cannot run it: " + e.getMessage());
    } finally {
      if (json != null) {
        try {
          Files.deleteIfExists(json);
        } catch (IOException e) {
          // a temp file
        }
      }
    }
  }

  private static Map<String, Object> error(String why) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", why);
    return m;
  }
}
