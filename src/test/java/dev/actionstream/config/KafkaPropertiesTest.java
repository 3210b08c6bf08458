package dev.actionstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection settings for every client, masking, and ${NAME} substitution (SecureBrokerIT: end to end). */
class KafkaPropertiesTest {
  @TempDir Path tmp;

  private static final String JAAS =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"s3cret\";";

  private static Map<String, String> props() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("num.stream.threads", "2");
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", "SCRAM-SHA-512");
    p.put("sasl.jaas.config", JAAS);
    p.put("ssl.truststore.location", "/t.p12");
    p.put("ssl.truststore.password", "tpw");
    p.put("ssl.key.password", "kpw");
    p.put("admin.sasl.jaas.config", "admin-jaas");
    p.put("producer.linger.ms", "5");
    return p;
  }

  @Test
  void connectionSettingsOnlyWithTheClientsPrefixedCopiesWinning() {
    Map<String, String> admin = KafkaProperties.connection(props(), "admin.");
    assertEquals("admin-jaas", admin.get("sasl.jaas.config"));
    assertEquals("SASL_SSL", admin.get("security.protocol"));
    assertEquals("/t.p12", admin.get("ssl.truststore.location"));
    assertFalse(admin.containsKey("num.stream.threads"));
    assertFalse(admin.containsKey("linger.ms"));
    assertFalse(admin.keySet().stream().anyMatch(k -> k.startsWith("admin.")));
    assertEquals(JAAS, KafkaProperties.connection(props(), "consumer.").get("sasl.jaas.config"));
  }

  @Test
  void secretsAreMasked() {
    Map<String, String> m = KafkaProperties.masked(props());
    assertEquals(KafkaProperties.HIDDEN, m.get("sasl.jaas.config"));
    assertEquals(KafkaProperties.HIDDEN, m.get("admin.sasl.jaas.config"));
    assertEquals(KafkaProperties.HIDDEN, m.get("ssl.truststore.password"));
    assertEquals(KafkaProperties.HIDDEN, m.get("ssl.key.password"));
    assertEquals("SASL_SSL", m.get("security.protocol"));
    assertEquals("/t.p12", m.get("ssl.truststore.location"));
    assertEquals("2", m.get("num.stream.threads"));
    assertFalse(m.toString().contains("s3cret"));
  }

  @Test
  void environmentVariablesAreSubstitutedAndAnUnsetOneIsNamed() throws Exception {
    Path file = tmp.resolve("x.yaml");
    Files.writeString(file, "a: 1\n");
    Section s = Section.root(file, List.of("a"), (f, field, reason, cause) -> new ConfigError("test", f, field, reason, cause));
    // Replacement text is taken literally ($ and \ in a password).
    assertEquals("p=\"pw$1\\\";", KafkaProperties.substitute(s, "k", "p=\"${PW}\";", Map.of("PW", "pw$1\\")::get));
    ConfigError e = assertThrows(ConfigError.class,
        () -> KafkaProperties.substitute(s, "streams.sasl.jaas.config", "password=\"${NOPE}\" other", Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("streams.sasl.jaas.config: environment variable NOPE is not set"), e.getMessage());
    assertFalse(e.getMessage().contains("other"), e.getMessage());
  }
}
