package dev.actionstream.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mapping of a topology file with its dotted path, read field by field: each read names the
 * full path ({@code episodes.quiet-time}) in its error, and a section refuses keys it does not
 * know when it is opened, before any value is read, so that a misspelt key is reported as such
 * rather than as a missing one.
 *
 * <p>A key present with no value ({@code hop:}) counts as absent: the default applies.
 */
public final class Section {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          // The last of two equal keys would silently win; refuse instead.
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final ConfigError.Factory errors;
  private final Path file;
  private final String path;
  private final JsonNode node;

  private Section(ConfigError.Factory errors, Path file, String path, JsonNode node) {
    this.errors = errors;
    this.file = file;
    this.path = path;
    this.node = node;
  }

  /** The file's root mapping, allowing only {@code keys}; errors are made by {@code errors}. */
  public static Section root(Path file, List<String> keys, ConfigError.Factory errors) {
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = YAML.readTree(in);
    } catch (JsonProcessingException e) {
      throw errors.create(file, "(file)", "not valid YAML: " + e.getOriginalMessage(), e);
    } catch (NoSuchFileException e) {
      throw errors.create(file, "(file)", "no such file", e);
    } catch (IOException e) {
      throw errors.create(file, "(file)", "cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw errors.create(file, "(file)", "must be a YAML mapping (" + keys.get(0) + ": ..., ...)", null);
    }
    Section s = new Section(errors, file, "", root);
    s.refuseUnknownKeys(keys);
    return s;
  }

  /** A nested mapping allowing only {@code keys}; absent = empty, so every default applies. */
  public Section section(String key, List<String> keys) {
    Section s = new Section(errors, file, field(key), mappingOrEmpty(key, "with keys " + keys));
    s.refuseUnknownKeys(keys);
    return s;
  }

  /** A nested mapping whose keys are data (camera ids, property names), not schema. */
  public Map<String, JsonNode> entries(String key) {
    JsonNode v = mappingOrEmpty(key, "");
    Map<String, JsonNode> out = new LinkedHashMap<>();
    v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** A mapping value found by {@link #entries}, as a section of its own. */
  public Section child(String key, JsonNode value, List<String> keys) {
    if (!value.isObject()) {
      throw error(key, "must be a mapping with keys " + keys + ", got " + repr(value));
    }
    Section s = new Section(errors, file, field(key), value);
    s.refuseUnknownKeys(keys);
    return s;
  }

  /** Whether the key holds a mapping (rather than a scalar or list). */
  public boolean isMapping(String key) {
    JsonNode v = value(key);
    return v != null && v.isObject();
  }

  /** A list value's items (absent = empty); anything but a list is refused. */
  public List<JsonNode> items(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw error(key, "must be a list, got " + repr(v));
    }
    List<JsonNode> out = new java.util.ArrayList<>();
    v.forEach(out::add);
    return out;
  }

  public boolean has(String key) {
    return value(key) != null;
  }

  public String string(String key, String defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      if (defaultValue == null) {
        throw error(key, "missing");
      }
      return defaultValue;
    }
    return text(key, v);
  }

  public String requiredString(String key) {
    return string(key, null);
  }

  /** A string value; numbers and booleans are refused with a hint to quote them. */
  public String text(String key, JsonNode v) {
    if (!v.isTextual()) {
      String quote = v.isValueNode() ? " (quote it if you mean the text: '" + v.asText() + "')" : "";
      throw error(key, "must be a string, got " + repr(v) + quote);
    }
    if (v.asText().isBlank()) {
      throw error(key, "must not be empty");
    }
    return v.asText();
  }

  public int integer(String key, int defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw error(key, "must be an integer, got " + repr(v));
    }
    return v.intValue();
  }

  public boolean bool(String key, boolean defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isBoolean()) {
      throw error(key, "must be true or false, got " + repr(v));
    }
    return v.booleanValue();
  }

  public long longInteger(String key, long defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw error(key, "must be an integer, got " + repr(v));
    }
    return v.longValue();
  }

  public double number(String key, double defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    return number(key, v);
  }

  public double requiredNumber(String key) {
    JsonNode v = value(key);
    if (v == null) {
      throw error(key, "missing");
    }
    return number(key, v);
  }

  public Duration duration(String key, Duration defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isNumber()) {
      throw error(key, Durations.bareNumber(v.asText()));
    }
    if (!v.isTextual()) {
      throw error(key, "must be " + Durations.EXAMPLES + ", got " + repr(v));
    }
    try {
      return Durations.parse(v.asText());
    } catch (IllegalArgumentException e) {
      throw error(key, e.getMessage());
    }
  }

  /** A memory size in bytes ({@link ByteSizes}): {@code 4GiB}, {@code 512MiB}, or an integer. */
  public long byteSize(String key, long defaultValue) {
    JsonNode v = value(key);
    if (v == null) {
      return defaultValue;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (!v.isTextual()) {
      throw error(key, "must be " + ByteSizes.EXAMPLES + ", got " + repr(v));
    }
    try {
      return ByteSizes.parse(v.asText());
    } catch (IllegalArgumentException e) {
      throw error(key, e.getMessage());
    }
  }

  /** A list of strings, or null when absent; elements are named {@code key[i]} in errors. */
  public List<String> strings(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw error(key, "must be a list such as [a, b], got " + repr(v));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(text(key + "[" + i + "]", v.get(i)));
    }
    return out;
  }

  /** The dotted path of a key in this section. */
  public String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public ConfigError error(String key, String reason) {
    return errors.create(file, field(key), reason, null);
  }

  public ConfigError error(String key, String reason, Throwable cause) {
    return errors.create(file, field(key), reason, cause);
  }

  private JsonNode value(String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private JsonNode mappingOrEmpty(String key, String what) {
    JsonNode v = value(key);
    if (v == null) {
      return YAML.createObjectNode();
    }
    if (!v.isObject()) {
      throw error(key, "must be a mapping" + (what.isEmpty() ? "" : " " + what) + ", got " + repr(v));
    }
    return v;
  }

  private double number(String key, JsonNode v) {
    if (!v.isNumber()) {
      throw error(key, "must be a number, got " + repr(v));
    }
    return v.doubleValue();
  }

  private void refuseUnknownKeys(List<String> keys) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!keys.contains(k)) {
        throw error(k, "unknown key" + Suggestions.didYouMean(k, keys) + " (allowed here: "
            + String.join(", ", keys) + ")");
      }
    }
  }

  /** A value as it appears in YAML: strings quoted, numbers and booleans bare. */
  public static String repr(JsonNode v) {
    if (v == null || v instanceof MissingNode) {
      return "nothing";
    }
    if (v.isTextual()) {
      return "'" + v.asText() + "'";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.asText();
  }
}
