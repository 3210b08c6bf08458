package dev.actionstream.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real one-node KRaft broker in this JVM: what the engine and its demo rely on. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedBrokerIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void transactionalRecordsWithHeadersReachReadCommittedConsumerAndAbortedOnesDoNot() {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 2));
      broker.createTopics(Map.of("frames", 2, "predictions", 1)); // existing topics are fine

      // A 1 MiB frame: over Kafka's default limit, within the broker's 2 MiB.
      byte[] frame = new byte[1024 * 1024];
      Arrays.fill(frame, (byte) 0xD8);
      try (KafkaProducer<String, byte[]> producer = transactionalProducer(broker)) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(frameRecord("cam-1", frame, 1));
        producer.send(frameRecord("cam-1", "tiny".getBytes(StandardCharsets.UTF_8), 2));
        producer.commitTransaction();
        producer.beginTransaction();
        producer.send(frameRecord("cam-1", "aborted".getBytes(StandardCharsets.UTF_8), 3));
        producer.flush();
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(frameRecord("cam-1", "last".getBytes(StandardCharsets.UTF_8), 4));
        producer.commitTransaction();
      }

      List<ConsumerRecord<String, byte[]>> got = readCommitted(broker, "frames", 3);

      // One key: one partition, so the order is the send order.
      assertEquals(
          List.of("cam-1 seq=1", "cam-1 seq=2", "cam-1 seq=4"),
          got.stream().map(r -> r.key() + " seq=" + header(r, "frame-seq")).toList());
      assertArrayEquals(frame, got.get(0).value());
      assertEquals("last", new String(got.get(2).value(), StandardCharsets.UTF_8));
      assertEquals(
          List.of("capture-ts=1764000000001", "frame-seq=1", "content-type=image/jpeg"),
          headers(got.get(0)));
    }
  }

  @Test
  void restartWithTheSameDataDirKeepsTopicsAndRecords() {
    Path dataDir = tmp.resolve("kafka");
    EmbeddedBroker.Settings settings = EmbeddedBroker.Settings.defaults().withDataDir(dataDir);
    try (EmbeddedBroker broker = EmbeddedBroker.start(settings)) {
      broker.createTopics(Map.of("frames", 3));
      try (KafkaProducer<String, byte[]> producer = transactionalProducer(broker)) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(frameRecord("cam-7", "before restart".getBytes(StandardCharsets.UTF_8), 1));
        producer.commitTransaction();
      }
    }
    assertTrue(Files.isRegularFile(dataDir.resolve("meta.properties")), "persistent dir kept");

    try (EmbeddedBroker broker = EmbeddedBroker.start(settings)) {
      broker.createTopics(Map.of("frames", 3));

      List<ConsumerRecord<String, byte[]>> got = readCommitted(broker, "frames", 1);

      assertEquals("cam-7", got.get(0).key());
      assertEquals("before restart", new String(got.get(0).value(), StandardCharsets.UTF_8));
      try (Admin admin = admin(broker)) {
        assertEquals(
            3,
            admin.describeTopics(Set.of("frames")).allTopicNames().get().get("frames")
                .partitions().size());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void kafkaStreamsWithExactlyOnceV2ProcessesRecords() throws InterruptedException {
    try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
      broker.createTopics(Map.of("frames", 2, "predictions", 2));
      StreamsBuilder builder = new StreamsBuilder();
      // A stand-in for inference: the frame's size, keyed by camera.
      builder.stream("frames", Consumed.with(Serdes.String(), Serdes.ByteArray()))
          .mapValues(frame -> "bytes=" + frame.length)
          .to("predictions", Produced.with(Serdes.String(), Serdes.String()));
      Properties config = new Properties();
      config.put(StreamsConfig.APPLICATION_ID_CONFIG, "embedded-broker-it");
      config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      config.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("streams").toString());
      try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
        streams.start();
        try (KafkaProducer<String, byte[]> producer = transactionalProducer(broker)) {
          producer.initTransactions();
          producer.beginTransaction();
          producer.send(frameRecord("cam-2", new byte[1234], 1));
          producer.commitTransaction();
        }

        List<ConsumerRecord<String, byte[]>> got = readCommitted(broker, "predictions", 1);

        assertEquals("cam-2", got.get(0).key());
        assertEquals("bytes=1234", new String(got.get(0).value(), StandardCharsets.UTF_8));
        assertEquals(KafkaStreams.State.RUNNING, streams.state());
        streams.close(WAIT);
      }
    }
  }

  @Test
  void closeDeletesTheTemporaryDataDirAndLeavesNoThreadThatKeepsTheJvmAlive()
      throws InterruptedException {
    Set<Thread> before = nonDaemonThreads();
    EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults());
    broker.createTopics(Map.of("frames", 1));
    Path dataDir = broker.dataDir();
    assertTrue(Files.isDirectory(dataDir));

    broker.close();
    broker.close(); // twice is harmless

    assertFalse(Files.exists(dataDir), dataDir + " deleted");
    Set<String> left = Set.of();
    for (int i = 0; i < 50; i++) { // threads may take a moment to finish after shutdown
      left = names(nonDaemonThreads(), before);
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(Set.of(), left);
  }

  @Test
  void portInUseFailsAtOnceWithAMessageNamingThePort() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      BrokerError e =
          assertThrows(
              BrokerError.class,
              () -> EmbeddedBroker.start(EmbeddedBroker.Settings.defaults().withPort(port)));

      assertEquals(
          "cannot start the Kafka broker: 127.0.0.1:" + port + " is already in use",
          e.getMessage());
    }
  }

  static KafkaProducer<String, byte[]> transactionalProducer(EmbeddedBroker broker) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + System.nanoTime());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  static ProducerRecord<String, byte[]> frameRecord(String camera, byte[] value, int seq) {
    ProducerRecord<String, byte[]> r = new ProducerRecord<>("frames", camera, value);
    r.headers().add("capture-ts", bytes(String.valueOf(1_764_000_000_000L + seq)));
    r.headers().add("frame-seq", bytes(String.valueOf(seq)));
    r.headers().add("content-type", bytes("image/jpeg"));
    return r;
  }

  /** Reads exactly {@code count} records from the beginning of all partitions, read_committed. */
  static List<ConsumerRecord<String, byte[]>> readCommitted(
      EmbeddedBroker broker, String topic, int count) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + System.nanoTime());
    List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (got.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
      // Anything beyond count (an aborted record leaking through) must show up too.
      consumer.poll(Duration.ofMillis(500)).forEach(got::add);
    }
    assertEquals(count, got.size(), "records read from " + topic);
    return got;
  }

  static List<String> headers(ConsumerRecord<?, ?> r) {
    List<String> list = new ArrayList<>();
    for (Header h : r.headers()) {
      list.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
    }
    return list;
  }

  private static String header(ConsumerRecord<?, ?> r, String key) {
    return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Admin admin(EmbeddedBroker broker) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .collect(Collectors.toSet());
  }

  private static Set<String> names(Set<Thread> threads, Set<Thread> except) {
    return threads.stream()
        .filter(t -> !except.contains(t))
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
