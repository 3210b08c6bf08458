package dev.actionstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.actionstream.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code actionstream bench} end to end on an in-process broker and the demo X3D: a very short
 * run, then its JSON report is checked for every field and for values that must hold whatever the
 * machine's speed (counts, orderings, decodes per frame). No timing is asserted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BenchIT {
  @TempDir Path tmp;

  private static JsonNode bench(Path json, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("bench", "--json", json.toString()));
    all.addAll(List.of(args));
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    int code = cmd.execute(all.toArray(String[]::new));
    assertEquals(0, code, err.toString());
    return new ObjectMapper().readTree(json.toFile());
  }

  @Test
  void shortRunReportsEveryStageAndTheEngineToBareRatio() throws IOException {
    JsonNode r = bench(tmp.resolve("bench.json"),
        "--cameras", "2", "--fps", "10", "--warmup", "2s", "--duration", "8s", "--bare-time", "2s",
        "--progress", "2s", "--model", "demo-x3d");

    JsonNode o = r.get("options");
    assertEquals(2, o.get("cameras").asInt());
    assertEquals("demo_x3d", o.get("model").asText());
    assertEquals("in-process", o.get("broker").asText());
    assertEquals(List.of(1), ints(o.get("batch")));

    JsonNode rt = r.get("realtime");
    for (String field : List.of("seconds", "frames_published", "frames_in", "frames_per_s", "clips", "clips_per_s",
        "frames_decoded", "decodes_per_frame", "windows_skipped", "frame_to_prediction_subscriber",
        "frame_to_prediction_engine", "frame_to_event_subscriber", "frame_to_event_engine", "input_lag_max",
        "input_lag_end", "process_cpu", "heap_max_bytes", "heap_end_bytes", "rss_max_bytes", "rss_end_bytes",
        "stages")) {
      assertTrue(rt.has(field), "realtime." + field + " missing: " + rt);
    }
    long framesIn = rt.get("frames_in").asLong();
    long decoded = rt.get("frames_decoded").asLong();
    assertTrue(framesIn > 0, rt.toString());
    assertTrue(rt.get("clips").asLong() > 0, rt.toString());
    // Each frame decoded once (goal 1.0); the interval's edges may split one frame's decode from
    // its count, hence the one-frame slack below.
    assertTrue(decoded >= framesIn - 1 && decoded <= 1.2 * framesIn, "decoded " + decoded + " of " + framesIn);
    assertEquals(List.of("lag", "too-few-frames"), fieldNames(rt.get("windows_skipped")));
    JsonNode sub = rt.get("frame_to_prediction_subscriber");
    assertTrue(sub.get("n").asLong() > 0, sub.toString());
    assertTrue(sub.get("p50_ms").asDouble() <= sub.get("p95_ms").asDouble()
        && sub.get("p95_ms").asDouble() <= sub.get("p99_ms").asDouble()
        && sub.get("p99_ms").asDouble() <= sub.get("max_ms").asDouble(), sub.toString());
    assertTrue(rt.get("frame_to_prediction_engine").get("n").asLong() > 0, rt.toString());
    assertTrue(rt.get("process_cpu").asDouble() > 0, rt.toString());
    assertTrue(rt.get("heap_max_bytes").asLong() > 0, rt.toString());

    List<String> stages = new ArrayList<>();
    for (JsonNode s : rt.get("stages")) {
      stages.add(s.get("stage").asText());
      assertTrue(s.get("count").asLong() > 0 && s.get("mean_us").asDouble() > 0, s.toString());
    }
    assertTrue(stages.contains("camera read (render/FFmpeg)"), stages.toString());
    assertTrue(stages.contains("decode") || stages.contains("decode+preprocess"), stages.toString());
    assertTrue(stages.contains("infer") || stages.contains("assemble+infer"), stages.toString());
    assertTrue(stages.contains("publish"), stages.toString());

    JsonNode first = r.get("saturated_first_pass");
    assertTrue(first.get("complete").asBoolean() && first.get("frames").asLong() == r.get("saturated").get(0).get("frames").asLong(),
        "the untimed first pass drains the same frames: " + first);
    JsonNode sat = r.get("saturated").get(0);
    assertTrue(sat.get("complete").asBoolean(), sat.toString());
    assertTrue(sat.get("frames").asLong() >= framesIn, "saturated drains every frame, warm-up included: " + sat);
    assertTrue(sat.get("clips").asLong() > 0 && sat.get("clips_per_s").asDouble() > 0, sat.toString());
    assertFalse(sat.get("stages").isEmpty(), sat.toString());
    double satDecodes = sat.get("decodes_per_frame").asDouble();
    assertTrue(satDecodes >= 1.0 && satDecodes <= 1.2, sat.toString());

    JsonNode bare = r.get("bare").get(0);
    assertEquals(1, bare.get("batch").asInt());
    assertTrue(bare.get("distinct_clips").asInt() > 0 && bare.get("runs").asLong() > 0, bare.toString());
    assertTrue(bare.get("clips_per_s").asDouble() > 0, bare.toString());

    JsonNode ratio = r.get("ratios").get(0);
    assertEquals(1, ratio.get("batch").asInt());
    assertTrue(ratio.get("engine_over_bare").isNumber() && ratio.get("engine_over_bare").asDouble() > 0, ratio.toString());
    assertEquals(ratio.get("engine_clips_per_s").asDouble() / ratio.get("bare_clips_per_s").asDouble(),
        ratio.get("engine_over_bare").asDouble(), 1e-9);
    assertTrue(r.get("pytorch").isNull(), "no --pytorch: " + r.get("pytorch"));
    assertTrue(r.get("overhead").isNull(), r.toString());
  }

  @Test
  void overheadModeComparesTheEngineWithARawConsumerOnTheSameFrames() throws IOException {
    JsonNode r = bench(tmp.resolve("overhead.json"),
        "--overhead", "--cameras", "2", "--overhead-frames", "120", "--model", "demo-x3d");
    JsonNode oh = r.get("overhead");
    assertEquals(120, oh.get("frames").asLong());
    assertEquals(2, oh.get("cameras").asInt());
    assertTrue(oh.get("raw_frames_per_s").asDouble() > 0, oh.toString());
    JsonNode engine = oh.get("engine");
    assertTrue(engine.get("complete").asBoolean(), engine.toString());
    assertEquals(120, engine.get("frames").asLong());
    assertEquals(120, engine.get("frames_decoded").asLong(), "each frame decoded exactly once: " + engine);
    assertEquals(120, oh.get("engine_first_pass").get("frames").asLong(), "the engine's first pass drains them too: " + oh);
    assertTrue(oh.get("engine_over_raw").asDouble() > 0, oh.toString());
    assertTrue(r.get("realtime").isNull() && r.get("saturated").isEmpty(), r.toString());
  }

  private static List<Integer> ints(JsonNode array) {
    List<Integer> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asInt()));
    return l;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> l = new ArrayList<>();
    object.fieldNames().forEachRemaining(l::add);
    return l;
  }
}
