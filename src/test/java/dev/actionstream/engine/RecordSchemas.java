package dev.actionstream.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The published JSON Schemas (config/schemas), for checking records the engine wrote. */
public final class RecordSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  public static final Schema PREDICTION = load("prediction.schema.json");
  public static final Schema EVENT = load("event.schema.json");
  public static final Schema DEAD_LETTER = load("dead-letter.schema.json");

  private RecordSchemas() {}

  private static Schema load(String name) {
    try (InputStream in = Files.newInputStream(Path.of("config/schemas", name))) {
      return REGISTRY.getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Violations of {@code schema} by the JSON in {@code bytes}; empty when valid. */
  public static List<String> violations(Schema schema, byte[] bytes) {
    try {
      JsonNode node = JSON.readTree(bytes);
      return schema.validate(node).stream().map(Object::toString).toList();
    } catch (IOException e) {
      return List.of("not JSON: " + e.getMessage());
    }
  }

  public static List<String> violations(Schema schema, JsonNode node) {
    return schema.validate(node).stream().map(Object::toString).toList();
  }
}
