package dev.actionstream;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Command lines that start this test classpath's code in a child JVM, as a user's process.
 *
 * <p>The classpath travels in a manifest-only "pathing" jar, as Surefire does: with a
 * {@code java.class.path} of several KB, ONNX Runtime 1.29's native library crashed the JVM while
 * loading on this project's machines (SIGSEGV, no hs_err file), whereas a short one works.
 */
public final class ChildJvm {
  private ChildJvm() {}

  public static List<String> command(Path workDir, Class<?> main, String... args) throws IOException {
    return command(workDir, List.of(), main, args);
  }

  /** As {@link #command(Path, Class, String...)} with JVM options such as {@code -Dx=y}. */
  public static List<String> command(
      Path workDir, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    StringBuilder cp = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        cp.append(Path.of(entry).toAbsolutePath().toUri().toURL().toExternalForm()).append(' ');
      }
    }
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString().trim());
    Path jar = Files.createTempFile(workDir, "classpath-", ".jar");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, m)) {
      // the manifest is the whole jar
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The file a child's stderr went to, as text (for assertion messages). */
  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no " + file.getFileName() + ": " + e + ")";
    }
  }

  /** The next line of a child's stdout, or null at its end. */
  public static String readLine(java.io.BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A loopback port free right now. */
  public static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
