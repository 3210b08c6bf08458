package dev.actionstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actionstream.ingest.CameraSource.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Source kinds by scheme, file paths, refused URLs, and that credentials never show. */
class CameraSourceTest {

  @Test
  void kindFollowsTheScheme() {
    assertEquals(Kind.RTSP, CameraSource.parse("rtsp://10.0.0.5:554/stream1").kind());
    assertEquals(Kind.RTSP, CameraSource.parse("rtsps://cam.example/live").kind());
    assertEquals(Kind.RTSP, CameraSource.parse("RTSP://cam/live").kind());
    assertEquals(Kind.HTTP, CameraSource.parse("http://127.0.0.1:8080/video.mjpg").kind());
    assertEquals(Kind.HTTP, CameraSource.parse("https://cam.example/mjpg/video.cgi").kind());
    assertEquals(Kind.SYNTHETIC, CameraSource.parse("synthetic:seed=3&width=64").kind());
    assertEquals(Kind.SYNTHETIC, CameraSource.parse("synthetic:").kind());

    assertTrue(Kind.RTSP.live());
    assertTrue(Kind.HTTP.live());
    assertFalse(Kind.FILE.live());
    assertFalse(Kind.SYNTHETIC.live());
  }

  @Test
  void filesArePathsOrFileUrls() {
    CameraSource plain = CameraSource.parse("/videos/door.mp4");
    assertEquals(Kind.FILE, plain.kind());
    assertEquals("/videos/door.mp4", plain.url());

    CameraSource relative = CameraSource.parse("videos/door cam.avi");
    assertEquals(Kind.FILE, relative.kind());
    assertEquals("videos/door cam.avi", relative.url());

    // file: URLs become the path FFmpeg opens, percent-escapes decoded.
    assertEquals(Path.of("/videos/door cam.mp4").toString(),
        CameraSource.parse("file:///videos/door%20cam.mp4").url());
    assertEquals(Kind.FILE, CameraSource.parse("file:/videos/door.mp4").kind());
    assertEquals("/videos/door.mp4", CameraSource.parse("file:/videos/door.mp4").url());
    assertEquals("/videos/door.mp4", CameraSource.parse("FILE:///videos/door.mp4").url());
  }

  @Test
  void badUrlsAreRefusedClearly() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CameraSource.parse("ftp://cam/video"));
    assertTrue(e.getMessage().contains("unsupported scheme 'ftp'"), e.getMessage());
    assertTrue(e.getMessage().contains("rtsp://"), "names what is supported: " + e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> CameraSource.parse("udp://239.0.0.1:1234"));
    assertTrue(e.getMessage().contains("'udp'"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> CameraSource.parse(" "));
    assertEquals("must not be empty", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CameraSource.parse(null));

    e = assertThrows(IllegalArgumentException.class, () -> CameraSource.parse("rtsp:///stream1"));
    assertTrue(e.getMessage().contains("has no host"), e.getMessage());
  }

  @Test
  void refusalsDoNotShowTheSecret() {
    for (String url : new String[] {
        "ftp://admin:hunter2@cam/video",
        "http://admin:hunter2@/video.mjpg",
        "rtsp://admin:hunter2@cam/stream 1",
        "http://cam/video.mjpg?password=hunter2&x=^"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CameraSource.parse(url), url);
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
  }

  @Test
  void userInfoIsRedacted() {
    CameraSource s = CameraSource.parse("rtsp://admin:hunter2@10.0.0.5:554/stream1");
    assertEquals("rtsp://admin:hunter2@10.0.0.5:554/stream1", s.url(), "the decoder gets it as given");
    assertEquals("rtsp://***@10.0.0.5:554/stream1", s.redacted());
    assertEquals(s.redacted(), s.toString());

    assertEquals("http://***@cam/video.mjpg", CameraSource.parse("http://viewer@cam/video.mjpg").redacted());
    assertEquals("rtsp://cam/live", CameraSource.parse("rtsp://cam/live").redacted());
  }

  @Test
  void aPasswordWithAtSignsIsRedactedWhole() {
    // FFmpeg splits user info at the last '@' before the host; so must the redaction.
    CameraSource s = CameraSource.parse("rtsp://admin:p@ss@word@cam/live");
    assertEquals(Kind.RTSP, s.kind());
    assertEquals("rtsp://admin:p@ss@word@cam/live", s.url());
    assertEquals("rtsp://***@cam/live", s.redacted());
    String msg = s.redact("rtsp://admin:p@ss@word@cam/live: Connection refused (p@ss@word)");
    assertFalse(msg.contains("p@ss@word"), msg);
    assertFalse(msg.contains("ss@word"), msg);
  }

  @Test
  void secretQueryValuesAreRedacted() {
    CameraSource s = CameraSource.parse(
        "http://cam/video.mjpg?user=bob&password=hunter2&fps=10&token=abc.def;key=k3y&access_token=tok9&api_key=zz1");
    assertEquals(
        "http://cam/video.mjpg?user=bob&password=***&fps=10&token=***;key=***&access_token=***&api_key=***",
        s.redacted());
    assertEquals("https://cam/a?PWD=***#frag", CameraSource.redactUrl("https://cam/a?PWD=x1#frag"));
    assertEquals("rtsp://cam/live?channel=1&subtype=0",
        CameraSource.redactUrl("rtsp://cam/live?channel=1&subtype=0"), "other parameters stay");
  }

  @Test
  void redactRemovesTheSecretFromAnyText() {
    CameraSource s = CameraSource.parse("rtsp://admin:hunter2@10.0.0.5/stream1?token=t0ken9");
    String ffmpeg = "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized for "
        + "rtsp://admin:hunter2@10.0.0.5/stream1?token=t0ken9; user admin:hunter2; tried hunter2";
    String out = s.redact(ffmpeg);
    assertFalse(out.contains("hunter2"), out);
    assertFalse(out.contains("t0ken9"), out);
    assertTrue(out.contains("rtsp://***@10.0.0.5/stream1?token=***"), out);
    assertTrue(out.contains("401 Unauthorized"), "the rest of the message stays: " + out);

    // Other URLs in the text are redacted too, and plain text is left alone.
    assertEquals("see http://***@other/x", s.redact("see http://bob:pw@other/x"));
    assertEquals("no secrets here", s.redact("no secrets here"));
    assertEquals(null, s.redact(null));
  }
}
