package dev.actionstream.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame contract holds for a non-Java client: kcat (librdkafka) produces and consumes against
 * the embedded broker. CI installs kcat (Debian package); without it these tests are skipped.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KcatInteropIT {
  private static final Path KCAT = Path.of("/usr/bin/kcat");

  private static EmbeddedBroker broker;

  @TempDir Path tmp;

  @BeforeAll
  static void startBroker() {
    assumeTrue(
        Files.isExecutable(KCAT),
        KCAT + " not installed (apt-get install kcat): kcat interop tests skipped");
    broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
    broker.createTopics(Map.of("frames", 4, "predictions", 4));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void jpegProducedByKcatArrivesByteForByteWithItsHeaders() throws Exception {
    Path jpeg = tmp.resolve("frame.jpg");
    writeJpeg(jpeg);
    byte[] file = Files.readAllBytes(jpeg);
    String captureTs = String.valueOf(System.currentTimeMillis());

    String out =
        kcat(
            "-P", "-b", broker.bootstrapServers(), "-t", "frames", "-k", "cam-1",
            // Java's partitioner: a camera's frames land where a Java producer would put them.
            "-X", "partitioner=murmur2_random",
            "-H", "capture-ts=" + captureTs,
            "-H", "frame-seq=7",
            "-H", "content-type=image/jpeg",
            jpeg.toString());

    assertEquals("", out);
    ConsumerRecord<String, byte[]> got =
        EmbeddedBrokerIT.readCommitted(broker, "frames", 1).get(0);
    assertEquals("cam-1", got.key());
    assertEquals(javaPartition("cam-1", 4), got.partition());
    assertArrayEquals(file, got.value());
    assertEquals(
        List.of("capture-ts=" + captureTs, "frame-seq=7", "content-type=image/jpeg"),
        EmbeddedBrokerIT.headers(got));
  }

  @Test
  void recordProducedInJavaIsReadBackByKcat() throws Exception {
    try (KafkaProducer<String, byte[]> producer = EmbeddedBrokerIT.transactionalProducer(broker)) {
      producer.initTransactions();
      producer.beginTransaction();
      ProducerRecord<String, byte[]> r =
          new ProducerRecord<>(
              "predictions", "cam-3", "{\"label\":\"waving\"}".getBytes(StandardCharsets.UTF_8));
      r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
      producer.send(r);
      producer.commitTransaction();
    }

    String out =
        kcat(
            "-C", "-b", broker.bootstrapServers(), "-t", "predictions", "-e", "-o", "beginning",
            "-q", "-f", "key=%k headers=%h value=%s\\n");

    assertEquals(
        "key=cam-3 headers=content-type=application/json value={\"label\":\"waving\"}\n", out);
  }

  private static int javaPartition(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** A real JPEG: a colour gradient, as a camera frame would be, encoded by ImageIO. */
  private static void writeJpeg(Path file) throws IOException {
    BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, (x * 2) << 16 | (y * 4) << 8 | 0x80);
      }
    }
    if (!ImageIO.write(image, "jpg", file.toFile())) {
      throw new IOException("no JPEG writer in this JDK");
    }
  }

  /** Runs kcat, fails on a non-zero exit (with what it said), returns its stdout. */
  private String kcat(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(KCAT.toString());
    command.addAll(List.of(args));
    Path err = tmp.resolve("kcat.err");
    Process p =
        new ProcessBuilder(command)
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    byte[] stdout = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kcat did not finish: " + command);
    }
    assertEquals(0, p.exitValue(), command + ": " + Files.readString(err));
    return new String(stdout, StandardCharsets.UTF_8);
  }
}
