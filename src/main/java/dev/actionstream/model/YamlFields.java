package dev.actionstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Typed reads from a YAML tree that fail with a {@link ManifestError} naming the field.
 *
 * <p>We read a tree rather than bind records with Jackson so that every message names the field the
 * way manifest.py does ({@code clip.frames: must be a positive integer, got 8.5}); binding errors
 * would name Java types instead.
 */
final class YamlFields {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private YamlFields() {}

  /** The root mapping of a YAML file; {@code what} names the file in errors. */
  static JsonNode readMapping(Path file, String what) {
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = YAML.readTree(in);
    } catch (JsonProcessingException e) {
      throw new ManifestError(what, "not valid YAML in " + file + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ManifestError(what, "cannot read " + file + ": " + reason(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new ManifestError(what, file + " is not a YAML mapping");
    }
    return root;
  }

  /** manifest.py's _need: {@code where} is the parent's path with a trailing dot, or "". */
  static JsonNode need(JsonNode parent, String key, String where) {
    JsonNode v = parent == null || !parent.isObject() ? null : parent.get(key);
    if (v == null || v.isNull()) {
      throw new ManifestError(where + key, "missing");
    }
    return v;
  }

  static String nonEmptyString(JsonNode parent, String key, String where) {
    JsonNode v = need(parent, key, where);
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw new ManifestError(where + key, "must be a non-empty string");
    }
    return v.asText();
  }

  static String optionalString(JsonNode parent, String key) {
    JsonNode v = parent.get(key);
    return v == null || v.isNull() ? "" : v.asText();
  }

  static int positiveInt(JsonNode parent, String key, String where) {
    JsonNode v = need(parent, key, where);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
      throw new ManifestError(where + key, "must be a positive integer, got " + repr(v));
    }
    return v.intValue();
  }

  static double positiveNumber(JsonNode parent, String key, String where) {
    double v = number(parent, key, where);
    if (!(v > 0)) {
      throw new ManifestError(where + key, "must be > 0, got " + repr(parent.get(key)));
    }
    return v;
  }

  static double number(JsonNode parent, String key, String where) {
    JsonNode v = need(parent, key, where);
    if (!v.isNumber()) {
      throw new ManifestError(where + key, "must be a number, got " + repr(v));
    }
    return v.doubleValue();
  }

  /** One of an enum's YAML spellings, matched case-sensitively. */
  static <E extends Enum<E> & ModelManifest.Spelled> E oneOf(
      JsonNode parent, String key, String where, Class<E> type) {
    JsonNode v = need(parent, key, where);
    for (E e : type.getEnumConstants()) {
      if (v.isTextual() && v.asText().equals(e.spelling())) {
        return e;
      }
    }
    String allowed =
        Arrays.stream(type.getEnumConstants())
            .map(e -> "'" + e.spelling() + "'")
            .collect(Collectors.joining(", ", "(", ")"));
    throw new ManifestError(where + key, repr(v) + " not one of " + allowed);
  }

  /** A value as Python's repr would show it in a message: strings quoted, numbers bare. */
  static String repr(JsonNode v) {
    return v == null ? "None" : v.isTextual() ? "'" + v.asText() + "'" : v.toString();
  }

  static String reason(IOException e) {
    return e instanceof NoSuchFileException ? "no such file" : String.valueOf(e.getMessage());
  }
}
