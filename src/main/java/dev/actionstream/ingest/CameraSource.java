package dev.actionstream.ingest;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a camera's frames come from: an RTSP or HTTP (MJPEG) URL, a video file, or a synthetic
 * camera. Keeps the URL as given, for the decoder, and a redacted form (user info and secret-like
 * query values replaced by {@code ***}) for everything a person or a metric may see.
 */
public final class CameraSource {

  /** The kinds of source, by URL scheme. */
  public enum Kind {
    RTSP, HTTP, FILE, SYNTHETIC;

    /** Live sources are stamped with the time a frame is read; files and synthetic play a timeline. */
    public boolean live() {
      return this == RTSP || this == HTTP;
    }
  }

  // User info ends at the last '@' before the path, query or fragment, as FFmpeg splits it
  // (av_url_split): a password with a raw '@' is redacted whole, not up to its first '@'.
  private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/?#\\s]+@");
  // Secret-like parameter names, also with a prefix (access_token, api_key, x-auth).
  private static final Pattern SECRET_PARAM = Pattern.compile(
      "(?i)([?&;](?:[a-z0-9]*[_-])?(?:password|passwd|pwd|pass|token|auth|key|apikey|secret|signature|sig)=)"
          + "[^&;#\\s]*");

  private final Kind kind;
  private final String url;
  private final String redacted;

  private CameraSource(Kind kind, String url) {
    this.kind = kind;
    this.url = url;
    this.redacted = redactUrl(url);
  }

  /**
   * Parses a source: {@code rtsp://}, {@code rtsps://}, {@code http://}, {@code https://}, {@code
   * file:} or a plain path, or {@code synthetic:} with options.
   *
   * @throws IllegalArgumentException naming what is wrong, without the URL's secrets
   */
  public static CameraSource parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.startsWith("synthetic:")) {
      return new CameraSource(Kind.SYNTHETIC, url);
    }
    int colon = lower.indexOf("://");
    if (colon < 0) {
      if (lower.startsWith("file:")) {
        return new CameraSource(Kind.FILE, Path.of(URI.create(url)).toString());
      }
      return new CameraSource(Kind.FILE, url);
    }
    String scheme = lower.substring(0, colon);
    Kind kind =
        switch (scheme) {
          case "rtsp", "rtsps" -> Kind.RTSP;
          case "http", "https" -> Kind.HTTP;
          case "file" -> Kind.FILE;
          default -> throw new IllegalArgumentException(
              "unsupported scheme '" + scheme + "' (use rtsp://, http:// (MJPEG), a file path or synthetic:)");
        };
    if (kind == Kind.FILE) {
      return new CameraSource(kind, Path.of(URI.create(url)).toString());
    }
    // Checked in redacted form: FFmpeg takes a password as typed (a raw '@' included, up to
    // the last '@'), which java.net.URI would refuse or split elsewhere.
    String shown = redactUrl(url);
    try {
      URI uri = new URI(shown);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("has no host: " + shown);
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a valid URL: " + shown);
    }
    return new CameraSource(kind, url);
  }

  public Kind kind() {
    return kind;
  }

  /** The URL as configured, credentials included: for the decoder only, never for output. */
  public String url() {
    return url;
  }

  /** The URL with its credentials replaced by {@code ***}: for logs, metrics, errors and views. */
  public String redacted() {
    return redacted;
  }

  /** {@code text} with this source's URL and any credentials in it replaced by their redacted form. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text.replace(url, redacted);
    Matcher m = USER_INFO.matcher(url);
    if (m.find()) {
      String info = m.group().substring(0, m.group().length() - 1);
      out = out.replace(info, "***");
      int colon = info.indexOf(':');
      if (colon >= 0 && colon + 1 < info.length()) {
        out = out.replace(info.substring(colon + 1), "***");
      }
    }
    return redactUrl(out);
  }

  /** Any URL's user info and secret-like query values replaced by {@code ***}. */
  public static String redactUrl(String text) {
    String out = USER_INFO.matcher(text).replaceAll("***@");
    return SECRET_PARAM.matcher(out).replaceAll("$1***");
  }

  @Override
  public String toString() {
    return redacted;
  }
}
