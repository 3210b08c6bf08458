package dev.actionstream.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.Field;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.utils.Time;

/**
 * A one-node Kafka cluster in this JVM: broker and KRaft controller in one process (combined
 * mode), listening on 127.0.0.1 only.
 *
 * <p>Built on {@code kafka.server.KafkaRaftServer} from the kafka_2.13 jar. That is internal API,
 * which is why pom.xml pins the Kafka version: an upgrade must re-run {@code EmbeddedBrokerIT}.
 *
 * <pre>{@code
 * try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Settings.defaults())) {
 *   broker.createTopics(Map.of("frames", 4));
 *   String bootstrap = broker.bootstrapServers(); // 127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class EmbeddedBroker implements AutoCloseable {

  /**
   * What to start.
   *
   * @param port the client (PLAINTEXT) port; 0 lets the kernel pick a free one
   * @param dataDir the log directory, kept on close and reused on the next start; null for a
   *     temporary one deleted on close
   * @param defaultPartitions partitions of a topic created without an explicit count
   * @param secure a second client listener that requires SASL/SCRAM (and TLS), or null for none
   */
  public record Settings(int port, Path dataDir, int defaultPartitions, Secure secure) {
    public Settings {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " not in 0..65535");
      }
      if (defaultPartitions < 1) {
        throw new IllegalArgumentException("defaultPartitions: " + defaultPartitions + " < 1");
      }
    }

    public Settings(int port, Path dataDir, int defaultPartitions) {
      this(port, dataDir, defaultPartitions, null);
    }

    /** An ephemeral port, a temporary data directory, 4 partitions. */
    public static Settings defaults() {
      return new Settings(0, null, 4);
    }

    public Settings withPort(int newPort) {
      return new Settings(newPort, dataDir, defaultPartitions, secure);
    }

    public Settings withDataDir(Path newDataDir) {
      return new Settings(port, newDataDir, defaultPartitions, secure);
    }

    public Settings withDefaultPartitions(int partitions) {
      return new Settings(port, dataDir, partitions, secure);
    }

    public Settings withSecure(Secure newSecure) {
      return new Settings(port, dataDir, defaultPartitions, newSecure);
    }
  }

  /**
   * A second client listener, {@value BrokerConfig#SECURE_LISTENER} on an ephemeral port of
   * 127.0.0.1, that requires SASL with SCRAM-SHA-512 ({@link #secureBootstrapServers()}). The
   * PLAINTEXT listener stays, for the broker's own traffic and {@link #createTopics}.
   *
   * @param protocol {@code SASL_SSL} or {@code SASL_PLAINTEXT}
   * @param listenerConfig listener settings without the {@code listener.name.secure.} prefix,
   *     e.g. {@code ssl.keystore.location}, {@code ssl.keystore.password} for SASL_SSL
   * @param users SCRAM-SHA-512 users (name to password), written into the metadata log when the
   *     data directory is formatted (a new directory: users exist before any client connects)
   */
  public record Secure(String protocol, Map<String, String> listenerConfig, Map<String, String> users) {
    public Secure {
      if (!protocol.equals("SASL_SSL") && !protocol.equals("SASL_PLAINTEXT")) {
        throw new IllegalArgumentException("protocol: " + protocol + " is not SASL_SSL or SASL_PLAINTEXT");
      }
      listenerConfig = Map.copyOf(listenerConfig);
      users = Map.copyOf(users);
    }
  }

  /** A controller port picked here can be taken by someone else before Kafka binds it. */
  private static final int START_ATTEMPTS = 3;

  private static final long TOPIC_READY_TIMEOUT_MS = 30_000;

  private final KafkaRaftServer server;
  private final int port;
  private final int securePort;
  private final Path dataDir;
  private final boolean temporary;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedBroker(KafkaRaftServer server, int port, int securePort, Path dataDir, boolean temporary) {
    this.server = server;
    this.port = port;
    this.securePort = securePort;
    this.dataDir = dataDir;
    this.temporary = temporary;
  }

  /**
   * Formats the data directory if it is new, starts the broker and returns once it accepts
   * clients.
   *
   * @throws BrokerError when it cannot start, e.g. the port is in use
   */
  public static EmbeddedBroker start(Settings settings) {
    if (settings.port() != 0 && !isFree(settings.port())) {
      // Kafka would find out only after seconds of starting, with three stack traces.
      throw portInUse(settings.port(), null);
    }
    boolean temporary = settings.dataDir() == null;
    Path dir = temporary ? createTempDir() : createDirs(settings.dataDir());
    try {
      for (int attempt = 1; ; attempt++) {
        int controllerPort = freePort();
        try {
          return startOnce(settings, dir, temporary, controllerPort);
        } catch (PortTaken e) {
          if (e.port == settings.port() || attempt == START_ATTEMPTS) {
            throw portInUse(e.port, e.getCause());
          }
        }
      }
    } catch (RuntimeException e) {
      if (temporary) {
        deleteTree(dir);
      }
      throw e instanceof BrokerError
          ? e
          : new BrokerError("cannot start the Kafka broker: " + e, e);
    }
  }

  private static EmbeddedBroker startOnce(
      Settings settings, Path dir, boolean temporary, int controllerPort) {
    Properties config =
        BrokerConfig.of(settings.port(), controllerPort, dir, settings.defaultPartitions(), settings.secure());
    if (!Files.exists(dir.resolve("meta.properties"))) {
      format(config, dir, settings.secure());
    }
    // doLog false: KafkaConfig would log every one of its ~400 values.
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    try {
      server.startup();
      int port = settings.port() != 0 ? settings.port() : boundPort(server, BrokerConfig.BROKER_LISTENER);
      int securePort = settings.secure() == null ? -1 : boundPort(server, BrokerConfig.SECURE_LISTENER);
      return new EmbeddedBroker(server, port, securePort, dir, temporary);
    } catch (RuntimeException e) {
      try {
        stop(server);
      } catch (RuntimeException alsoFailed) {
        e.addSuppressed(alsoFailed);
      }
      Integer taken = takenPort(e, settings.port(), controllerPort);
      throw taken == null ? e : new PortTaken(taken, e);
    }
  }

  /**
   * {@code kafka-storage.sh format}, in-process, for a new directory (one formatted before keeps
   * its cluster id, hence its topics and offsets). The tool rather than the Formatter class it
   * wraps: that one is in kafka-metadata, only on the runtime class path.
   */
  private static void format(Properties config, Path dir, Secure secure) {
    Path file = null;
    try {
      file = Files.createTempFile("actionstream-kafka-", ".properties");
      try (Writer out = Files.newBufferedWriter(file)) {
        config.store(out, "written by EmbeddedBroker for kafka-storage format");
      }
      List<String> args = new ArrayList<>(
          List.of("format", "--config", file.toString(), "--cluster-id", Uuid.randomUuid().toString()));
      if (secure != null) {
        // SCRAM users as metadata records: they exist before the listener accepts anyone.
        secure.users().forEach((name, password) -> {
          args.add("--add-scram");
          args.add("SCRAM-SHA-512=[name=" + name + ",password=" + password + "]");
        });
      }
      // The tool prints "Formatting ..." lines: not for our stdout.
      int code = StorageTool.execute(args.toArray(String[]::new), new PrintStream(OutputStream.nullOutputStream()));
      if (code != 0) {
        throw new IllegalStateException("kafka-storage format exited with " + code);
      }
    } catch (Exception e) {
      throw new BrokerError("cannot format the Kafka data directory " + dir + ": " + e, e);
    } finally {
      if (file != null) {
        deleteTree(file);
      }
    }
  }

  /**
   * The port the kernel gave the client listener. KafkaRaftServer does not expose its broker, so
   * this reads the private field (the version is pinned; EmbeddedBrokerIT fails if it moves).
   */
  private static int boundPort(KafkaRaftServer server, String listener) {
    try {
      Field field = KafkaRaftServer.class.getDeclaredField("broker");
      field.setAccessible(true);
      BrokerServer broker = (BrokerServer) ((scala.Option<?>) field.get(server)).get();
      return broker.boundPort(ListenerName.normalised(listener));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("KafkaRaftServer changed: no broker field", e);
    }
  }

  /** The port that was in use, if binding one of ours is why the start failed. */
  private static Integer takenPort(Throwable e, int brokerPort, int controllerPort) {
    boolean bind = false;
    boolean controller = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      bind |= t instanceof BindException;
      // Kafka says "Socket server failed to bind to 127.0.0.1:PORT: Address already in use."
      controller |= String.valueOf(t.getMessage()).contains(":" + controllerPort + ":");
    }
    return !bind ? null : controller ? controllerPort : brokerPort;
  }

  /** Creates the missing topics (existing ones are kept as they are) and waits for leaders. */
  public void createTopics(Map<String, Integer> partitions) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      List<NewTopic> topics =
          partitions.entrySet().stream()
              .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
              .toList();
      for (Map.Entry<String, KafkaFuture<Void>> created :
          admin.createTopics(topics).values().entrySet()) {
        try {
          created.getValue().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new BrokerError(
                "cannot create topic " + created.getKey() + ": " + e.getCause().getMessage(), e);
          }
        }
      }
      awaitLeaders(admin, partitions.keySet());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerError("interrupted while creating topics", e);
    }
  }

  /**
   * The controller has the topics before the broker's metadata does; a producer or a Kafka
   * Streams instance started right after would otherwise see them as missing.
   */
  private static void awaitLeaders(Admin admin, Set<String> names)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOPIC_READY_TIMEOUT_MS);
    while (true) {
      try {
        Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
        if (topics.values().stream()
            .flatMap(t -> t.partitions().stream())
            .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return;
        }
      } catch (ExecutionException e) {
        // Not yet in the broker's metadata: ask again.
      }
      if (System.nanoTime() > deadline) {
        throw new BrokerError(
            "topics " + names + " have no leader after " + TOPIC_READY_TIMEOUT_MS + " ms", null);
      }
      Thread.sleep(50);
    }
  }

  /** {@code 127.0.0.1:PORT}, for the clients' bootstrap.servers. */
  public String bootstrapServers() {
    return BrokerConfig.HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT} of the SASL listener ({@link Settings#secure()}). */
  public String secureBootstrapServers() {
    if (securePort < 0) {
      throw new IllegalStateException("this broker was started without a secure listener");
    }
    return BrokerConfig.HOST + ":" + securePort;
  }

  /** Where the logs are: the given data directory, or the temporary one. */
  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and waits for its threads; deletes the data directory if temporary. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stop(server);
      if (temporary) {
        deleteTree(dataDir);
      }
    }
  }

  private static void stop(KafkaRaftServer server) {
    server.shutdown();
    server.awaitShutdown();
  }

  private static BrokerError portInUse(int port, Throwable cause) {
    return new BrokerError(
        "cannot start the Kafka broker: " + BrokerConfig.HOST + ":" + port + " is already in use",
        cause);
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(BrokerConfig.HOST))) {
      return probe.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(BrokerConfig.HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("actionstream-kafka-");
    } catch (IOException e) {
      throw new BrokerError("cannot create a temporary Kafka data directory: " + e, e);
    }
  }

  private static Path createDirs(Path dir) {
    try {
      return Files.createDirectories(dir).toAbsolutePath();
    } catch (IOException e) {
      throw new BrokerError("cannot create the Kafka data directory " + dir + ": " + e, e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A leftover temp dir is harmless; failing close() over it is not.
    }
  }

  /** Internal to start(): which port was in use. */
  private static final class PortTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int port;

    PortTaken(int port, Throwable cause) {
      super(cause);
      this.port = port;
    }
  }
}
