package dev.actionstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.actionstream.cli.Main;
import dev.actionstream.ingest.CamerasFile;
import dev.actionstream.topology.TopologyConfig;
import dev.actionstream.topology.TopologyLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The deployment files under deploy/ (README, "Deploying"), checked without a Docker engine or a
 * cluster: compose through {@code docker-compose config}, the Kubernetes manifests and the
 * Dockerfile parsed, and the configuration they carry loaded with the engine's own loaders.
 */
class DeployFilesTest {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private static final Path COMPOSE = DEPLOY.resolve("compose/docker-compose.yml");
  private static final Path DOCKERFILE = DEPLOY.resolve("Dockerfile");
  private static final Path K8S = DEPLOY.resolve("k8s");

  /** Partitions of `frames` that compose creates and the k8s notes assume. */
  private static final int FRAMES_PARTITIONS = 4;

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  // ---------------------------------------------------------------- Dockerfile and README

  @Test
  void dockerfileBuildsWithTheCommandTheReadmeDocuments() throws IOException {
    String documented = readmeBuildCommand();
    List<String> runs = instructions("RUN").stream().filter(r -> r.startsWith("mvn ")).toList();
    assertEquals(List.of(documented), runs, "deploy/Dockerfile's Maven RUN vs README's build command");
    assertTrue(documented.contains("package"), documented);
  }

  @Test
  void dockerfileCopiesWhatTheEngineNeedsAndRunsTheJarAsNonRoot() throws IOException {
    Map<String, Path> copies = imageCopies();
    for (String dir : List.of("models", "config", "topologies")) {
      assertEquals(ROOT.resolve(dir), copies.get("/app/" + dir), "COPY " + dir + "/ /app/" + dir + "/");
      assertTrue(Files.isDirectory(ROOT.resolve(dir)), dir);
    }
    assertEquals(List.of("/app"), instructions("WORKDIR").subList(1, 2), "runtime WORKDIR");
    List<String> copyJar =
        instructions("COPY").stream().filter(c -> c.startsWith("--from=build")).toList();
    assertEquals(List.of("--from=build /src/target/actionstream.jar /app/actionstream.jar"), copyJar);
    assertEquals("[\"java\", \"-jar\", \"/app/actionstream.jar\"]", instructions("ENTRYPOINT").get(0));
    String user = instructions("USER").get(0);
    assertFalse(user.startsWith("root") || user.startsWith("0:") || user.equals("0"), user);
    assertEquals(List.of("8080"), instructions("EXPOSE"));
    List<String> froms = instructions("FROM");
    assertEquals(2, froms.size(), "multi-stage: build and runtime");
    for (String from : froms) {
      assertPinned(from.split("\\s+")[0], "Dockerfile FROM");
    }
    assertTrue(froms.get(0).startsWith("maven:") && froms.get(0).contains("eclipse-temurin-17"), froms.get(0));
    assertTrue(froms.get(1).startsWith("eclipse-temurin:17"), froms.get(1));
    // The build context is filtered by .dockerignore: whatever the Dockerfile copies must pass it.
    String ignore = Files.readString(ROOT.resolve(".dockerignore"));
    for (String path : List.of("pom.xml", "src/main/", "models/", "config/", "topologies/")) {
      assertTrue(ignore.contains("!" + path), ".dockerignore lets " + path + " through");
    }
  }

  // ---------------------------------------------------------------- compose

  @Test
  void dockerComposeConfigAcceptsTheComposeFile() throws Exception {
    assumeTrue(onPath("docker-compose"), "docker-compose not installed (Debian package docker-compose)");
    Process p =
        new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config", "--quiet")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out;
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("docker-compose config did not finish in 120 s");
    }
    out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "docker-compose config:\n" + out);
  }

  @Test
  void composeServicesArePinnedLocalAndWiredToKafka() throws IOException {
    JsonNode compose = YAML.readTree(COMPOSE.toFile());
    JsonNode services = compose.path("services");
    for (String name : List.of("kafka", "kafka-init", "engine", "ingest", "prometheus", "grafana")) {
      assertTrue(services.has(name), "service " + name);
    }
    services.fields().forEachRemaining(e -> {
      String image = e.getValue().path("image").asText("");
      assertFalse(image.isEmpty(), e.getKey() + ": image");
      assertPinned(image, "compose service " + e.getKey());
      for (JsonNode port : e.getValue().path("ports")) {
        assertTrue(port.asText().startsWith("127.0.0.1:"), e.getKey() + " publishes " + port + " beyond 127.0.0.1");
      }
    });
    // Kafka: the same version as the client the engine is built with.
    assertEquals("apache/kafka:" + pomProperty("kafka.version"), services.path("kafka").path("image").asText());
    assertTrue(services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText().contains("controller"), "KRaft");

    // Topics: frames with the partitions the scaling notes assume; every output topic.
    String init = services.path("kafka-init").path("command").toString();
    assertTrue(init.contains("--partitions " + FRAMES_PARTITIONS), init);
    for (String topic : List.of("frames", "predictions", "events", "alerts", "dead-letters")) {
      assertTrue(init.contains(topic), "kafka-init creates " + topic);
    }

    JsonNode engine = services.path("engine");
    assertEquals("deploy/Dockerfile", engine.path("build").path("dockerfile").asText());
    assertEquals(ROOT, COMPOSE.getParent().resolve(engine.path("build").path("context").asText()).normalize());
    List<String> engineArgs = strings(engine.path("command"));
    assertEquals("run", engineArgs.get(0));
    assertTrue(Files.isRegularFile(ROOT.resolve(engineArgs.get(1))), "the engine's topology " + engineArgs.get(1));
    assertHttp(engineArgs, 8080, "compose engine");
    assertEquals("kafka:9092", engine.path("environment").path(TopologyLoader.BOOTSTRAP_ENV).asText());
    assertTrue(engine.path("healthcheck").path("test").toString().contains("/readyz"), "engine healthcheck on /readyz");
    assertEquals(
        "service_completed_successfully",
        engine.path("depends_on").path("kafka-init").path("condition").asText());

    JsonNode ingest = services.path("ingest");
    List<String> ingestArgs = strings(ingest.path("command"));
    assertEquals("ingest", ingestArgs.get(0));
    assertHttp(ingestArgs, 8081, "compose ingest");
    String camerasInContainer = ingestArgs.get(ingestArgs.indexOf("--cameras") + 1);
    Path camerasOnHost = hostPathOf(ingest.path("volumes"), camerasInContainer);
    assertNotNull(camerasOnHost, "the ingest camera file " + camerasInContainer + " is mounted");
    CamerasFile.Cameras cameras = CamerasFile.load(camerasOnHost, name -> null);
    assertEquals("frames", cameras.topic());
    assertFalse(cameras.cameras().isEmpty());

    // Mounts the metrics side provides (deploy/prometheus, deploy/grafana).
    assertEquals(
        DEPLOY.resolve("prometheus/prometheus.yml"),
        hostPathOf(services.path("prometheus").path("volumes"), "/etc/prometheus/prometheus.yml"));
    assertEquals(
        DEPLOY.resolve("grafana/provisioning"),
        hostPathOf(services.path("grafana").path("volumes"), "/etc/grafana/provisioning"));
    assertEquals(
        DEPLOY.resolve("grafana/dashboards"),
        hostPathOf(services.path("grafana").path("volumes"), "/var/lib/grafana/dashboards"));
  }

  // ---------------------------------------------------------------- Kubernetes

  @Test
  void kubernetesManifestsParseAndPinTheirImages() throws IOException {
    List<JsonNode> docs = k8sDocuments();
    assertFalse(docs.isEmpty());
    for (JsonNode doc : docs) {
      assertFalse(doc.path("apiVersion").asText().isEmpty(), "apiVersion in " + doc);
      assertFalse(doc.path("kind").asText().isEmpty(), "kind in " + doc);
      if (!doc.path("kind").asText().equals("Kustomization")) {
        assertFalse(doc.path("metadata").path("name").asText().isEmpty(), "metadata.name in " + doc);
      }
      for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
        assertPinned(c.path("image").asText(), kindName(doc) + " container " + c.path("name").asText());
      }
    }
  }

  @Test
  void engineDeploymentCarriesProbesConfigAndBrokers() throws IOException {
    List<JsonNode> docs = k8sDocuments();
    JsonNode deployment = find(docs, "Deployment", "actionstream-engine");
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    List<String> args = strings(container.path("args"));
    assertEquals("run", args.get(0));

    // HTTP: bound beyond loopback, on the port the probes ask.
    int port = assertHttp(args, 8080, "k8s engine");
    JsonNode ports = container.path("ports");
    String portName = null;
    for (JsonNode p : ports) {
      if (p.path("containerPort").asInt() == port) {
        portName = p.path("name").asText(null);
      }
    }
    assertNotNull(portName, "containerPort " + port);
    assertProbe(container.path("readinessProbe"), "/readyz", port, portName);
    assertProbe(container.path("livenessProbe"), "/healthz", port, portName);

    // The topology the args name is the ConfigMap's key, mounted there.
    Path topologyInPod = Path.of(args.get(1));
    String configMapName = configMapMountedAt(pod, container, topologyInPod);
    JsonNode configMap = find(docs, "ConfigMap", configMapName);
    assertTrue(configMap.path("data").has(topologyInPod.getFileName().toString()),
        "ConfigMap " + configMapName + " has key " + topologyInPod.getFileName());

    assertFalse(env(container, TopologyLoader.BOOTSTRAP_ENV).isBlank(), TopologyLoader.BOOTSTRAP_ENV);
    String stateDir = env(container, "ACTIONSTREAM_STATE_DIR");
    assertTrue(mountedUnder(container, stateDir), "state dir " + stateDir + " on a volume");

    // Replicas: set, and within the partitions of frames.
    JsonNode replicas = deployment.path("spec").path("replicas");
    assertTrue(replicas.isInt(), "engine replicas set explicitly");
    assertTrue(replicas.asInt() >= 1 && replicas.asInt() <= FRAMES_PARTITIONS, "replicas ≤ partitions: " + replicas);
    String notes = Files.readString(K8S.resolve("README.md"));
    assertTrue(notes.contains("Replicas ≤ partitions of `frames`"), "deploy/k8s/README.md: scaling notes");
    assertTrue(notes.contains("StatefulSet"), "deploy/k8s/README.md: StatefulSet alternative");

    JsonNode resources = container.path("resources");
    assertTrue(resources.path("requests").has("cpu") && resources.path("limits").has("memory"), "resources");

    JsonNode service = find(docs, "Service", "actionstream-engine");
    assertEquals(
        deployment.path("spec").path("selector").path("matchLabels"), service.path("spec").path("selector"));
  }

  @Test
  void theConfigMapTopologyLoadsAgainstTheImageLayout() throws IOException {
    JsonNode configMap = find(k8sDocuments(), "ConfigMap", "actionstream-topology");
    String text = configMap.path("data").path("topology.yaml").asText();
    // The image holds the repository's directories under /app (checked against the Dockerfile):
    // map each absolute /app/<dir> path to the repository's <dir>.
    for (Map.Entry<String, Path> e : imageCopies().entrySet()) {
      text = text.replace(e.getKey() + "/", e.getValue() + "/");
    }
    assertFalse(text.contains("/app/"), "every /app path is one the Dockerfile fills:\n" + text);
    Path file = tmp.resolve("topology.yaml");
    Files.writeString(file, text);
    TopologyConfig config = TopologyLoader.loadAndCheck(file, "kafka:9092");
    assertEquals("frames", config.input().topic());
    // The ConfigMap's topology is the demo one: same application and model as topologies/demo.yaml.
    TopologyConfig demo = TopologyLoader.load(ROOT.resolve("topologies/demo.yaml"));
    assertEquals(demo.applicationId(), config.applicationId());
    assertEquals(demo.model().name(), config.model().name());
  }

  @Test
  void ingestDeploymentMountsALoadableCameraFile() throws IOException {
    List<JsonNode> docs = k8sDocuments();
    JsonNode deployment = find(docs, "Deployment", "actionstream-ingest");
    assertEquals(1, deployment.path("spec").path("replicas").asInt(), "one ingest per camera file");
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    List<String> args = strings(container.path("args"));
    assertEquals("ingest", args.get(0));
    assertHttp(args, 8081, "k8s ingest");
    assertFalse(env(container, TopologyLoader.BOOTSTRAP_ENV).isBlank(), TopologyLoader.BOOTSTRAP_ENV);
    Path cameras = Path.of(args.get(args.indexOf("--cameras") + 1));
    String name = configMapMountedAt(pod, container, cameras);
    String text = find(docs, "ConfigMap", name).path("data").path(cameras.getFileName().toString()).asText();
    Path file = tmp.resolve("cameras.yaml");
    Files.writeString(file, text);
    assertFalse(CamerasFile.load(file, n -> null).cameras().isEmpty());
  }

  // ---------------------------------------------------------------- the command lines

  @Test
  void everyContainerCommandLineParsesWithTheCli() throws IOException {
    Map<String, List<String>> commands = new LinkedHashMap<>();
    JsonNode services = YAML.readTree(COMPOSE.toFile()).path("services");
    commands.put("compose engine", strings(services.path("engine").path("command")));
    commands.put("compose ingest", strings(services.path("ingest").path("command")));
    List<JsonNode> docs = k8sDocuments();
    for (String name : List.of("actionstream-engine", "actionstream-ingest")) {
      JsonNode c = find(docs, "Deployment", name).path("spec").path("template").path("spec").path("containers").get(0);
      commands.put("k8s " + name, strings(c.path("args")));
    }
    commands.forEach((where, args) -> {
      CommandLine main = new CommandLine(new Main());
      CommandLine sub = main.getSubcommands().get(args.get(0));
      assertNotNull(sub, where + ": subcommand " + args.get(0));
      List<String> parsed = withoutPendingHttpOptions(sub.getCommandSpec(), args);
      try {
        CommandLine.ParseResult result = main.parseArgs(parsed.toArray(String[]::new));
        assertTrue(result.hasSubcommand(), where);
        assertTrue(result.unmatched().isEmpty(), where + ": unmatched " + result.unmatched());
      } catch (CommandLine.ParameterException e) {
        fail(where + ": " + args + ": " + e.getMessage());
      }
    });
  }

  /**
   * The args as they are when the command has HTTP options; else without {@code --http-*} and
   * their values (the HTTP flags arrive with the metrics work: until then they are the only ones
   * tolerated, and once any {@code --http-} option exists, all used must exist).
   */
  private static List<String> withoutPendingHttpOptions(CommandSpec spec, List<String> args) {
    boolean hasHttp = spec.options().stream().anyMatch(o -> o.longestName().startsWith("--http-"));
    if (hasHttp) {
      return args;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).startsWith("--http-")) {
        if (!args.get(i).contains("=")) {
          i++;
        }
      } else {
        out.add(args.get(i));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  private static void assertPinned(String image, String where) {
    assertFalse(image.isBlank(), where + ": no image");
    if (image.contains("@sha256:")) {
      return;
    }
    String last = image.substring(image.lastIndexOf('/') + 1);
    int colon = last.indexOf(':');
    assertTrue(colon > 0, where + ": image " + image + " has no tag or digest");
    String tag = last.substring(colon + 1);
    assertFalse(tag.equals("latest") || tag.isBlank(), where + ": image " + image + " is not pinned");
    assertTrue(tag.matches(".*\\d.*"), where + ": tag of " + image + " names no version");
  }

  /** Checks {@code --http-bind 0.0.0.0 --http-port PORT} in the args; returns the port. */
  private static int assertHttp(List<String> args, int port, String where) {
    int bind = args.indexOf("--http-bind");
    assertTrue(bind >= 0 && "0.0.0.0".equals(args.get(bind + 1)), where + ": --http-bind 0.0.0.0 in " + args);
    int p = args.indexOf("--http-port");
    assertTrue(p >= 0, where + ": --http-port in " + args);
    assertEquals(String.valueOf(port), args.get(p + 1), where + ": --http-port");
    return port;
  }

  private static void assertProbe(JsonNode probe, String path, int port, String portName) {
    JsonNode get = probe.path("httpGet");
    assertEquals(path, get.path("path").asText(), "probe path");
    JsonNode p = get.path("port");
    assertTrue(p.asText().equals(portName) || p.asInt() == port, "probe " + path + " on port " + p);
  }

  /** The ConfigMap mounted so that {@code file} is one of its keys; fails when there is none. */
  private static String configMapMountedAt(JsonNode pod, JsonNode container, Path file) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (Path.of(m.path("mountPath").asText()).equals(file.getParent()) && !m.has("subPath")) {
        for (JsonNode v : pod.path("volumes")) {
          if (v.path("name").asText().equals(m.path("name").asText()) && v.has("configMap")) {
            assertFalse(v.path("configMap").has("items"), "items would rename keys");
            return v.path("configMap").path("name").asText();
          }
        }
      }
    }
    fail("no ConfigMap mounted at " + file.getParent());
    return null;
  }

  private static boolean mountedUnder(JsonNode container, String dir) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (Path.of(dir).startsWith(Path.of(m.path("mountPath").asText()))) {
        return true;
      }
    }
    return false;
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText("");
      }
    }
    return "";
  }

  private static JsonNode find(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .orElseGet(() -> fail("no " + kind + " " + name + " under deploy/k8s"));
  }

  private static String kindName(JsonNode doc) {
    return doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText();
  }

  private static List<JsonNode> k8sDocuments() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(K8S)) {
      files = s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "manifests under " + K8S);
    for (Path f : files) {
      try (JsonParser parser = YAML.getFactory().createParser(f.toFile());
          MappingIterator<JsonNode> it = YAML.readValues(parser, JsonNode.class)) {
        while (it.hasNextValue()) {
          JsonNode doc = it.nextValue();
          if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
            docs.add(doc);
          }
        }
      }
    }
    return docs;
  }

  /** Host path mounted at {@code target} by a compose short-syntax volume list, or null. */
  private static Path hostPathOf(JsonNode volumes, String target) {
    for (JsonNode v : volumes) {
      String[] parts = v.asText().split(":");
      if (parts.length >= 2 && parts[1].equals(target) && (parts[0].startsWith(".") || parts[0].startsWith("/"))) {
        return COMPOSE.getParent().resolve(parts[0]).normalize();
      }
    }
    return null;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The Dockerfile's instructions of one kind, arguments only, continuation lines joined. */
  private static List<String> instructions(String keyword) throws IOException {
    List<String> out = new ArrayList<>();
    String joined = Files.readString(DOCKERFILE).replaceAll("\\\\\\r?\\n", " ");
    for (String line : joined.split("\\r?\\n")) {
      String t = line.strip();
      if (t.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1)) {
        out.add(t.substring(keyword.length()).strip().replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  /** Runtime COPY instructions from the build context: image path (no trailing /) → repository path. */
  private static Map<String, Path> imageCopies() throws IOException {
    Map<String, Path> copies = new LinkedHashMap<>();
    for (String copy : instructions("COPY")) {
      if (copy.startsWith("--from")) {
        continue;
      }
      String[] parts = copy.split(" ");
      if (parts.length == 2 && parts[1].startsWith("/app/")) {
        copies.put(parts[1].replaceAll("/+$", ""), ROOT.resolve(parts[0]).normalize());
      }
    }
    return copies;
  }

  /** The Maven command in the README's "Deploying" section (the first `mvn ...` line of it). */
  private static String readmeBuildCommand() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("\n### Deploying\n");
    assertTrue(start >= 0, "README has a ### Deploying section");
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    Matcher m = Pattern.compile("(?m)^(mvn [^#\\n]*?)\\s*(#.*)?$").matcher(section);
    assertTrue(m.find(), "a mvn command in README's Deploying section");
    return m.group(1).strip().replaceAll("\\s+", " ");
  }

  private static String pomProperty(String name) throws IOException {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertTrue(m.find(), "pom.xml property " + name);
    return m.group(1).strip();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
