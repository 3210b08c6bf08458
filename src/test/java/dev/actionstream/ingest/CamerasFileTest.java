package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ingest.CameraSource.Kind;
import dev.actionstream.ingest.CamerasFile.Cameras;
import dev.actionstream.ingest.CamerasFile.CamerasError;
import dev.actionstream.topology.TopologyLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Camera files: values, defaults and overrides, ${ENV} substitution, and errors naming the field. */
class CamerasFileTest {
  private static final Function<String, String> NO_ENV = name -> null;
  private static final String SECRET = "hunter2-s3cret";

  @TempDir Path tmp;

  private Path file(String yaml) throws IOException {
    Path f = tmp.resolve("cameras.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void oneCameraGetsEveryDefault() throws IOException {
    Cameras c = CamerasFile.load(file("cameras: {door: {url: rtsp://10.0.0.5/stream1}}\n"), NO_ENV);

    assertEquals(TopologyLoader.DEFAULT_BOOTSTRAP_SERVERS, c.bootstrapServers());
    assertEquals("frames", c.topic());
    assertEquals(Map.of(), c.producer());
    assertEquals(1, c.cameras().size());
    CameraSpec door = c.cameras().get(0);
    assertEquals(CameraSpec.of("door", "rtsp://10.0.0.5/stream1").toString(), door.toString());
    assertEquals("door", door.id());
    assertEquals(Kind.RTSP, door.source().kind());
    assertEquals(15.0, door.fps());
    assertEquals(640, door.maxWidth());
    assertEquals(480, door.maxHeight());
    assertEquals(85, door.jpegQuality());
    assertEquals(CameraSpec.Pace.OWN, door.pace());
    assertFalse(door.loop());
    assertEquals(Duration.ofSeconds(5), door.readTimeout());
    assertEquals(Duration.ofSeconds(10), door.watchdog());
    assertEquals(Duration.ofMillis(500), door.backoffInitial());
    assertEquals(Duration.ofSeconds(30), door.backoffMax());
    assertNull(door.format());
    assertEquals(Map.of(), door.options());
  }

  @Test
  void defaultsApplyToEveryCameraAndCamerasOverrideThem() throws IOException {
    Cameras c = CamerasFile.load(file("""
        bootstrap-servers: 'k1:9092,k2:9092'
        topic: cam-frames
        producer: {linger.ms: 10, client.id: ingest-1}
        defaults:
          fps: 10
          max-width: 320
          max-height: 240
          jpeg-quality: 70
          read-timeout: 2s
          watchdog: 4s
          backoff-initial: 100ms
          backoff-max: 5s
          options: {probesize: '500000'}
        cameras:
          door:
            url: rtsp://10.0.0.5/stream1
          lobby:
            url: http://10.0.0.6/video.mjpg
            format: mpjpeg
            fps: 0
            max-width: 1280
            options: {analyzeduration: 0}
          replay:
            url: /videos/replay.mp4
            pace: fast
            loop: true
            fps: 7.5
            jpeg-quality: 95
            backoff-max: 1m
        """), NO_ENV);

    assertEquals("k1:9092,k2:9092", c.bootstrapServers());
    assertEquals("cam-frames", c.topic());
    assertEquals(Map.of("linger.ms", "10", "client.id", "ingest-1"), c.producer());
    assertEquals(List.of("door", "lobby", "replay"), c.cameras().stream().map(CameraSpec::id).toList());

    CameraSpec door = c.cameras().get(0);
    assertEquals(10.0, door.fps());
    assertEquals(320, door.maxWidth());
    assertEquals(240, door.maxHeight());
    assertEquals(70, door.jpegQuality());
    assertEquals(Duration.ofSeconds(2), door.readTimeout());
    assertEquals(Duration.ofSeconds(4), door.watchdog());
    assertEquals(Duration.ofMillis(100), door.backoffInitial());
    assertEquals(Duration.ofSeconds(5), door.backoffMax());
    assertEquals(Map.of("probesize", "500000"), door.options());
    assertNull(door.format());

    CameraSpec lobby = c.cameras().get(1);
    assertEquals(Kind.HTTP, lobby.source().kind());
    assertEquals("mpjpeg", lobby.format());
    assertEquals(0.0, lobby.fps());
    assertEquals(1280, lobby.maxWidth());
    assertEquals(240, lobby.maxHeight(), "the rest from defaults");
    assertEquals(Map.of("probesize", "500000", "analyzeduration", "0"), lobby.options(), "options merge");

    CameraSpec replay = c.cameras().get(2);
    assertEquals(Kind.FILE, replay.source().kind());
    assertEquals("/videos/replay.mp4", replay.source().url());
    assertEquals(CameraSpec.Pace.FAST, replay.pace());
    assertTrue(replay.loop());
    assertEquals(7.5, replay.fps());
    assertEquals(95, replay.jpegQuality());
    assertEquals(Duration.ofMinutes(1), replay.backoffMax());
  }

  @Test
  void bootstrapServersFromTheEnvironmentWin() throws IOException {
    Path f = file("bootstrap-servers: k1:9092\ncameras: {door: {url: rtsp://cam/live}}\n");
    Cameras c = CamerasFile.load(f, Map.of(TopologyLoader.BOOTSTRAP_ENV, "env:9092")::get);
    assertEquals("env:9092", c.bootstrapServers());
  }

  @Test
  void environmentVariablesAreSubstitutedInUrlsAndOptions() throws IOException {
    Path f = file("""
        cameras:
          door:
            url: rtsp://${CAM_USER}:${CAM_PASS}@10.0.0.5/stream1
            options: {headers: 'Authorization: Bearer ${CAM_TOKEN}'}
        """);
    Map<String, String> env = Map.of("CAM_USER", "admin", "CAM_PASS", SECRET, "CAM_TOKEN", "tok$1\\x");
    CameraSpec door = CamerasFile.load(f, env::get).cameras().get(0);

    assertEquals("rtsp://admin:" + SECRET + "@10.0.0.5/stream1", door.source().url());
    assertEquals("rtsp://***@10.0.0.5/stream1", door.source().redacted());
    assertFalse(door.toString().contains(SECRET), "a spec prints redacted: " + door);
    assertEquals(Map.of("headers", "Authorization: Bearer tok$1\\x"), door.options(), "taken literally");
  }

  @Test
  void anUnsetVariableIsNamedAndNoOtherSecretShows() throws IOException {
    Path f = file("cameras: {door: {url: 'rtsp://admin:${CAM_PASS}@cam/live?token=${CAM_TOKEN}'}}\n");
    CamerasError e = assertThrows(CamerasError.class,
        () -> CamerasFile.load(f, Map.of("CAM_PASS", SECRET)::get));
    assertEquals("cameras.door.url", e.field());
    assertTrue(e.getMessage().contains("environment variable CAM_TOKEN is not set"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @Test
  void anUnknownKeyIsNamedWithASuggestion() throws IOException {
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://cam/live, max_width: 320}}\n"), NO_ENV));
    assertEquals("cameras.door.max_width", e.field());
    assertTrue(e.getMessage().contains("unknown key; did you mean 'max-width'?"), e.getMessage());
    assertTrue(e.getMessage().startsWith("cameras "), e.getMessage());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("defaults: {jpeg_quality: 80}\ncameras: {door: {url: rtsp://cam/live}}\n"), NO_ENV));
    assertEquals("defaults.jpeg_quality", e.field());
    assertTrue(e.getMessage().contains("did you mean 'jpeg-quality'?"), e.getMessage());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("camera: {door: {url: rtsp://cam/live}}\n"), NO_ENV));
    assertEquals("camera", e.field());
    assertTrue(e.getMessage().contains("did you mean 'cameras'?"), e.getMessage());
  }

  @Test
  void aBadFpsIsNamed() throws IOException {
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://cam/live, fps: -1}}\n"), NO_ENV));
    assertEquals("cameras.door.fps", e.field());
    assertTrue(e.reason().contains("0..240"), e.getMessage());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://cam/live, fps: fast}}\n"), NO_ENV));
    assertEquals("cameras.door.fps", e.field());
    assertTrue(e.reason().contains("must be a number"), e.getMessage());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("defaults: {fps: 1000}\ncameras: {door: {url: rtsp://cam/live}}\n"), NO_ENV));
    assertEquals("defaults.fps", e.field());
  }

  @Test
  void aBadPaceIsNamed() throws IOException {
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {replay: {url: /videos/a.mp4, pace: realtime}}\n"), NO_ENV));
    assertEquals("cameras.replay.pace", e.field());
    assertTrue(e.reason().contains("'own'") && e.reason().contains("'fast'"), e.getMessage());
    assertTrue(e.reason().contains("'realtime'"), e.getMessage());
  }

  @Test
  void aMissingUrlIsNamed() throws IOException {
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {fps: 10}}\n"), NO_ENV));
    assertEquals("cameras.door.url", e.field());
    assertEquals("missing", e.reason());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(file("cameras: {door: {url: }}\n"), NO_ENV));
    assertEquals("cameras.door.url", e.field());
  }

  @Test
  void aBadUrlSchemeIsNamedWithoutTheSecret() throws IOException {
    Path f = file("cameras: {door: {url: 'ftp://admin:${CAM_PASS}@cam/video'}}\n");
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(f, Map.of("CAM_PASS", SECRET)::get));
    assertEquals("cameras.door.url", e.field());
    assertTrue(e.reason().contains("unsupported scheme 'ftp'"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());

    Path g = file("cameras: {door: {url: 'http://admin:${CAM_PASS}@/video.mjpg'}}\n");
    e = assertThrows(CamerasError.class, () -> CamerasFile.load(g, Map.of("CAM_PASS", SECRET)::get));
    assertEquals("cameras.door.url", e.field());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @Test
  void otherMistakesAreNamed() throws IOException {
    CamerasError e = assertThrows(CamerasError.class, () -> CamerasFile.load(file("topic: frames\n"), NO_ENV));
    assertEquals("cameras", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(file("cameras: {'door cam': {url: rtsp://c/l}}\n"), NO_ENV));
    assertEquals("cameras.door cam", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://c/l, backoff-initial: 10s, backoff-max: 1s}}\n"), NO_ENV));
    assertEquals("cameras.door.backoff-max", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://c/l, read-timeout: 5}}\n"), NO_ENV));
    assertEquals("cameras.door.read-timeout", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://c/l, loop: yes please}}\n"), NO_ENV));
    assertEquals("cameras.door.loop", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(
        file("cameras: {door: {url: rtsp://c/l, max-height: 4}}\n"), NO_ENV));
    assertEquals("cameras.door.max-height", e.field());

    e = assertThrows(CamerasError.class, () -> CamerasFile.load(tmp.resolve("absent.yaml"), NO_ENV));
    assertEquals("(file)", e.field());
  }
}
