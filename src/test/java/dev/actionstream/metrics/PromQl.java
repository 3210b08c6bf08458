package dev.actionstream.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test helpers: the metric names a PromQL expression selects, the {@code expr}s of a Grafana
 * dashboard, and the metric names of a Prometheus text exposition (which it also checks).
 */
final class PromQl {
  private static final Set<String> KEYWORDS = Set.of(
      "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
      "unless", "inf", "nan");
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  // name{labels} value [timestamp]; the value may be NaN, +Inf, -Inf or a float.
  private static final Pattern SAMPLE = Pattern.compile(
      "([A-Za-z_:][A-Za-z0-9_:]*)(\\{(?:[A-Za-z_][A-Za-z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?"
          + " (NaN|[+-]Inf|[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)( -?[0-9]+)?");

  private PromQl() {}

  /** Metric names selected by {@code expr}: identifiers that are neither functions, keywords nor labels. */
  static Set<String> metricNames(String expr) {
    String s = expr
        .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")      // string literals
        .replaceAll("\\{[^}]*\\}", " ")                       // label matchers
        .replaceAll("\\[[^\\]]*\\]", " ")                     // range selectors, subqueries
        .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
        .replaceAll("\\$\\w+", " ");                          // Grafana variables
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
        after++;
      }
      boolean call = after < s.length() && s.charAt(after) == '(';
      boolean number = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
      if (!call && !number && !KEYWORDS.contains(id.toLowerCase())) {
        names.add(id);
      }
    }
    return names;
  }

  /** Every {@code expr} string anywhere in a Grafana dashboard JSON. */
  static List<String> dashboardExprs(Path dashboard) throws IOException {
    List<String> exprs = new ArrayList<>();
    collect(new ObjectMapper().readTree(dashboard.toFile()), exprs);
    return exprs;
  }

  private static void collect(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> {
        if (e.getKey().equals("expr") && e.getValue().isTextual()) {
          out.add(e.getValue().asText());
        } else {
          collect(e.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collect(c, out));
    }
  }

  /**
   * The sample names and metric family names ({@code # TYPE}) of a text exposition; throws on a
   * line that is neither a comment nor a valid sample.
   */
  static Set<String> exposedNames(String exposition) {
    Set<String> names = new TreeSet<>();
    int lineNo = 0;
    for (String line : exposition.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] f = line.split(" ");
        if (f.length >= 4 && f[1].equals("TYPE")) {
          names.add(f[2]);
        } else if (!(f.length >= 3 && f[1].equals("HELP"))) {
          throw new IllegalArgumentException("line " + lineNo + ": unexpected comment: " + line);
        }
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("line " + lineNo + ": not a sample: " + line);
      }
      names.add(m.group(1));
    }
    return names;
  }

  /** The value of the first sample of {@code name} whose labels contain {@code labelFragment}. */
  static double value(String exposition, String name, String labelFragment) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        if (labelFragment == null || line.contains(labelFragment)) {
          String v = line.substring(line.lastIndexOf(' ') + 1);
          return Double.parseDouble(v.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
        }
      }
    }
    return Double.NaN;
  }
}
