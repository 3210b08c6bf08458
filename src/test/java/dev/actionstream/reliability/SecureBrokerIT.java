package dev.actionstream.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ChildJvm;
import dev.actionstream.broker.EmbeddedBroker;
import dev.actionstream.cli.Main;
import dev.actionstream.engine.TestConsumers;
import dev.actionstream.ingest.CameraSpec;
import dev.actionstream.ingest.CamerasFile;
import dev.actionstream.ingest.Ingest;
import dev.actionstream.metrics.IngestMetrics;
import dev.actionstream.engine.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The engine and ingest on a broker that requires SASL_SSL with SCRAM-SHA-512 (a self-signed CA
 * and broker certificate made here with keytool), configured only through the topology's {@code
 * streams:} and the camera file's {@code producer:}, the passwords from the environment.
 * Wrong credentials stop the start with exit code 5 and a message; no output ever holds a secret.
 * (HTTP endpoints binding 127.0.0.1 by default: OpsEndpointsTest and MetricsIT.)
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SecureBrokerIT {
  private static final String USER = "engine";
  private static final String PASSWORD = "scram-" + UUID.randomUUID().toString().replace("-", "");
  private static final String STORE_PASSWORD = "store-" + UUID.randomUUID().toString().replace("-", "");
  private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";

  private static Path certs;
  private static EmbeddedBroker broker;

  @TempDir Path tmp;
  private Process process;

  @BeforeAll
  static void startSecureBroker() throws Exception {
    certs = Files.createTempDirectory("actionstream-certs-");
    makeCertificates(certs);
    broker =
        EmbeddedBroker.start(
            EmbeddedBroker.Settings.defaults()
                .withDefaultPartitions(2)
                .withSecure(
                    new EmbeddedBroker.Secure(
                        "SASL_SSL",
                        Map.of(
                            "ssl.keystore.location", certs.resolve("broker.p12").toString(),
                            "ssl.keystore.password", STORE_PASSWORD,
                            "ssl.keystore.type", "PKCS12",
                            "ssl.key.password", STORE_PASSWORD),
                        Map.of(USER, PASSWORD))));
    // Over the test's own PLAINTEXT listener; the engine and ingest use only the secure one.
    broker.createTopics(Map.of("frames", 2));
  }

  @AfterAll
  static void stopBroker() throws IOException {
    if (broker != null) {
      broker.close();
    }
    try (var files = Files.walk(certs)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void killLeftover() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /** A CA, a broker certificate it signed (SAN 127.0.0.1), and a trust store with the CA only. */
  private static void makeCertificates(Path dir) throws Exception {
    String ks = dir.resolve("ca.p12").toString();
    String bk = dir.resolve("broker.p12").toString();
    String pw = STORE_PASSWORD;
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=actionstream-test-ca", "-ext", "bc:c", "-keystore", ks, "-storetype", "PKCS12",
        "-storepass", pw, "-keypass", pw);
    keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ks, "-storepass", pw, "-file",
        dir.resolve("ca.pem").toString());
    keytool(dir, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=127.0.0.1", "-keystore", bk, "-storetype", "PKCS12", "-storepass", pw, "-keypass", pw);
    keytool(dir, "-certreq", "-alias", "broker", "-keystore", bk, "-storepass", pw, "-file",
        dir.resolve("broker.csr").toString());
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", ks, "-storepass", pw, "-validity", "2",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-rfc", "-infile", dir.resolve("broker.csr").toString(),
        "-outfile", dir.resolve("broker.pem").toString());
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
        "-keystore", bk, "-storepass", pw);
    keytool(dir, "-importcert", "-alias", "broker", "-file", dir.resolve("broker.pem").toString(),
        "-keystore", bk, "-storepass", pw);
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(),
        "-keystore", dir.resolve("trust.p12").toString(), "-storetype", "PKCS12", "-storepass", pw);
  }

  private static void keytool(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool " + args[0]);
    assertEquals(0, p.exitValue(), "keytool " + String.join(" ", args) + "\n" + out);
  }

  // ---- files --------------------------------------------------------------------------------

  /** The client settings of a Kafka properties section, JAAS password as given (e.g. ${...}). */
  private static String security(String indent, String password, boolean trustStore) {
    String s =
        indent + "security.protocol: SASL_SSL\n"
            + indent + "sasl.mechanism: SCRAM-SHA-512\n"
            + indent + "sasl.jaas.config: '" + SCRAM + " required username=\"" + USER + "\" password=\""
            + password + "\";'\n";
    if (trustStore) {
      s += indent + "ssl.truststore.location: '" + certs.resolve("trust.p12") + "'\n"
          + indent + "ssl.truststore.type: PKCS12\n"
          + indent + "ssl.truststore.password: '${TRUSTSTORE_PASSWORD}'\n";
    }
    return s;
  }

  private Path topology(String applicationId, String password, boolean trustStore) throws IOException {
    Path file = tmp.resolve(applicationId + ".yaml");
    Files.writeString(
        file,
        Files.readString(Path.of("topologies/demo.yaml"))
                .replace("application-id: actionstream-demo", "application-id: " + applicationId)
                .replace("model: ../config/models/demo-x3d.yaml",
                    "model: " + Path.of("config/models/demo-x3d.yaml").toAbsolutePath())
                .replace("threads: 2", "threads: 1")
            + "\nstreams:\n  commit.interval.ms: 200\n" + security("  ", password, trustStore));
    return file;
  }

  private Path cameras(String password, boolean trustStore) throws IOException {
    Path file = tmp.resolve("cameras.yaml");
    Files.writeString(
        file,
        "topic: frames\nproducer:\n  linger.ms: 5\n" + security("  ", password, trustStore)
            + "cameras:\n  gate: {url: 'synthetic:?seed=3&duration=20s', fps: 8}\n");
    return file;
  }

  private static Map<String, String> env() {
    return Map.of("KAFKA_PASSWORD", PASSWORD, "TRUSTSTORE_PASSWORD", STORE_PASSWORD);
  }

  // ---- (a) + (c): run and ingest on the secure listener -----------------------------------------

  @Test
  void runAndIngestPredictOnTheSecureBrokerAndPrintNoSecret() throws Exception {
    Path topo = topology("secure-demo", "${KAFKA_PASSWORD}", true);
    assertFalse(Files.readString(topo).contains(PASSWORD), "the file holds no password");
    ProcessBuilder pb =
        new ProcessBuilder(
                ChildJvm.command(
                    tmp,
                    // Kafka's client config dumps (INFO) are in the output: they must mask too.
                    List.of("-Dorg.slf4j.simpleLogger.log.dev.actionstream=info",
                        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=info",
                        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=info",
                        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.StreamsConfig=info"),
                    Main.class, "run", topo.toString(), "--http-port", "0",
                    "--bootstrap-servers", broker.secureBootstrapServers(),
                    "--state-dir", tmp.resolve("state").toString()))
            .redirectOutput(tmp.resolve("stdout").toFile())
            .redirectError(tmp.resolve("stderr").toFile());
    pb.environment().putAll(env());
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!read("stdout").contains("run: secure-demo: frames -> predictions")) {
      assertTrue(process.isAlive(), "run exited " + output());
      assertTrue(System.nanoTime() < deadline, "run did not start " + output());
      Thread.sleep(200);
    }

    // Ingest as `ingest` does: its admin and producer through the camera file's producer: section.
    String ingestOutput;
    List<ConsumerRecord<byte[], byte[]>> predictions = new ArrayList<>();
    try (Captured captured = Captured.start()) {
      CamerasFile.Cameras file = CamerasFile.load(cameras("${KAFKA_PASSWORD}", true), env()::get);
      String brokers = broker.secureBootstrapServers();
      Topics.createMissing(brokers, file.producer(), "producer", List.of(file.topic()), 2, Duration.ofSeconds(15));
      try (Ingest ingest = new Ingest(brokers, file.topic(), file.producer(), IngestMetrics.inMemory())) {
        for (CameraSpec cam : file.cameras()) {
          ingest.start(cam);
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (predictions.size() < 2 && System.nanoTime() < deadline) {
          // Read over the test's PLAINTEXT listener: what the engine wrote, wherever it connected.
          predictions.addAll(
              TestConsumers.readAll(broker.bootstrapServers(), List.of("predictions")).get("predictions"));
        }
        assertTrue(ingest.metrics().camera("gate").framesPublished() > 0, "ingest published frames");
      }
      ingestOutput = captured.text();
    }
    assertTrue(predictions.size() >= 2, "predictions on the secure broker: " + predictions.size() + output());
    assertTrue(predictions.stream().allMatch(r -> "gate".equals(new String(r.key(), StandardCharsets.UTF_8))));

    assertTrue(process.toHandle().destroy());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits after SIGTERM" + output());
    String all = output() + ingestOutput;
    assertNoSecret(all);
    // Kafka printed its client settings, with the JAAS config masked.
    assertTrue(all.contains("sasl.jaas.config = [hidden]"), "Kafka's config dump is in the output" + output());
    assertTrue(all.contains("security.protocol = SASL_SSL"), output());
  }

  // ---- (b): refused at start ---------------------------------------------------------------------

  @Test
  void wrongPasswordStopsRunWithExitCode5AndNothingStarted() throws Exception {
    // A literal (wrong) password in the file: in-process, the environment cannot be set.
    String wrong = "wrong-" + UUID.randomUUID();
    Path topo = topology("secure-wrong", wrong, true);
    Files.writeString(topo, Files.readString(topo).replace("${TRUSTSTORE_PASSWORD}", STORE_PASSWORD));
    int httpPort = ChildJvm.freePort();
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    int code;
    String captured;
    try (Captured c = Captured.start()) {
      code = execute(out, err, "run", topo.toString(), "--http-port", String.valueOf(httpPort),
          "--bootstrap-servers", broker.secureBootstrapServers(), "--state-dir", tmp.resolve("state").toString());
      captured = c.text();
    }
    String text = err + "\n" + out + "\n" + captured;
    assertEquals(5, code, text);
    assertTrue(err.toString().contains("error: the Kafka brokers at " + broker.secureBootstrapServers()
        + " refused the credentials (streams: sasl.mechanism, sasl.jaas.config)"), text);
    assertTrue(err.toString().contains("SCRAM-SHA-512"), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
    assertFalse(text.contains(wrong), "the wrong password is not printed: " + text);
    assertFalse(text.contains(STORE_PASSWORD), text);
    // Nothing half-started: no HTTP server, no stream or admin threads left.
    assertFalse(listening(httpPort), "the HTTP server is closed");
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertFalse(t.getName().contains("secure-wrong"), "left running: " + t.getName());
      assertFalse(t.getName().startsWith("kafka-admin-client-thread"), "left running: " + t.getName());
    }
  }

  @Test
  void wrongPasswordStopsIngestWithExitCode5() throws Exception {
    String wrong = "wrong-" + UUID.randomUUID();
    Path file = cameras(wrong, true);
    Files.writeString(file, Files.readString(file).replace("${TRUSTSTORE_PASSWORD}", STORE_PASSWORD));
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    int code;
    String captured;
    try (Captured c = Captured.start()) {
      code = execute(out, err, "ingest", "--cameras", file.toString(), "--http-port", "0",
          "--bootstrap-servers", broker.secureBootstrapServers(), "--duration", "5s");
      captured = c.text();
    }
    String text = err + "\n" + out + "\n" + captured;
    assertEquals(5, code, text);
    assertTrue(err.toString().contains("refused the credentials (producer: sasl.mechanism, sasl.jaas.config)"), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
    assertFalse(text.contains(wrong), text);
    assertFalse(out.toString().contains("camera gate"), "no camera started: " + text);
  }

  @Test
  void untrustedBrokerCertificateStopsRunWithExitCode5() throws Exception {
    // Right password, but no trust store: the JVM's default CAs do not know the test CA.
    Path topo = topology("secure-untrusted", PASSWORD, false);
    StringWriter err = new StringWriter();
    int code = execute(new StringWriter(), err, "run", topo.toString(), "--http-port", "0",
        "--bootstrap-servers", broker.secureBootstrapServers(), "--state-dir", tmp.resolve("state").toString());
    assertEquals(5, code, err.toString());
    assertTrue(err.toString().contains("TLS with the Kafka brokers at " + broker.secureBootstrapServers() + " failed"),
        err.toString());
    assertFalse(err.toString().contains("\tat "), err.toString());
    assertFalse(err.toString().contains(PASSWORD), err.toString());
  }

  // ---- (c): validate prints the settings masked --------------------------------------------------

  @Test
  void validateMasksSecretsInItsSummary() throws Exception {
    Path topo = topology("secure-validate", PASSWORD, true);
    Files.writeString(topo, Files.readString(topo).replace("${TRUSTSTORE_PASSWORD}", STORE_PASSWORD));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(0, execute(out, err, "validate", topo.toString()), err.toString());
    String text = out.toString();
    assertTrue(text.contains("sasl.jaas.config=[hidden]"), text);
    assertTrue(text.contains("ssl.truststore.password=[hidden]"), text);
    assertTrue(text.contains("security.protocol=SASL_SSL"), text);
    assertFalse(text.contains(PASSWORD), text);
    assertFalse(text.contains(STORE_PASSWORD), text);
    assertFalse(text.contains("ScramLoginModule"), text);
  }

  @Test
  void unsetEnvironmentVariableIsNamedNotPrinted() throws Exception {
    Path topo = topology("secure-unset", "${ACTIONSTREAM_TEST_UNSET_PASSWORD}", true);
    StringWriter err = new StringWriter();
    assertEquals(4, execute(new StringWriter(), err, "validate", topo.toString()), err.toString());
    assertTrue(err.toString().contains("streams.sasl.jaas.config: environment variable "
        + "ACTIONSTREAM_TEST_UNSET_PASSWORD is not set"), err.toString());
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static void assertNoSecret(String text) {
    assertFalse(text.contains(PASSWORD), "the SCRAM password is in the output");
    assertFalse(text.contains(STORE_PASSWORD), "the trust store password is in the output");
    assertFalse(text.contains(SCRAM + " required"), "a JAAS config is in the output");
  }

  private static int execute(StringWriter out, StringWriter err, String... args) {
    CommandLine cmd = Main.commandLine();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(out, true));
    return cmd.execute(args);
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String read(String name) {
    return ChildJvm.read(tmp.resolve(name));
  }

  private String output() {
    return "\n--- stdout\n" + read("stdout") + "\n--- stderr\n" + read("stderr");
  }

  /** System.out and System.err (slf4j-simple's stream) copied while open; still printed too. */
  private static final class Captured implements AutoCloseable {
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    static Captured start() {
      Captured c = new Captured();
      System.setOut(new PrintStream(new Tee(c.out, c.bytes), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new Tee(c.err, c.bytes), true, StandardCharsets.UTF_8));
      return c;
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final ByteArrayOutputStream b;

    Tee(OutputStream a, ByteArrayOutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int x) throws IOException {
      a.write(x);
      synchronized (b) {
        b.write(x);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }
  }
}
