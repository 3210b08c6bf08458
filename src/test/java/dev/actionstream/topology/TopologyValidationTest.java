package dev.actionstream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rule of the topology file refuses a bad value, naming the field and the reason. */
class TopologyValidationTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          windows: {hop: abc}                     | windows.hop                   | must be a duration such as 500ms, 2s or 1m, got 'abc'
          windows: {hop: 2}                       | windows.hop                   | got 2 without a unit (write 2s for seconds
          windows: {hop: 1.5s}                    | windows.hop                   | use a smaller unit, e.g. 1500ms
          windows: {hop: 2 seconds}               | windows.hop                   | units are ms, s, m and h
          windows: {hop: 0s}                      | windows.hop                   | must be > 0, got 0ms
          windows: {hop: 17s}                     | windows.hop                   | must be at most 10 × the model's clip duration (1.600 s) = 16.000 s, got 17s
          windows: {grace: -1s}                   | windows.grace                 | must be >= 0, got -1s
          windows: {min-distinct-frames: 0}       | windows.min-distinct-frames   | must be in [1, 8] (the model's clip frames), got 0
          windows: {min-distinct-frames: 9}       | windows.min-distinct-frames   | must be in [1, 8]
          windows: {min-distinct-frames: four}    | windows.min-distinct-frames   | must be an integer, got 'four'
          windows: {max-future: 0s}               | windows.max-future            | must be > 0
          windows: {hopp: 1s}                     | windows.hopp                  | unknown key; did you mean 'hop'?
          windows: 1s                             | windows                       | must be a mapping with keys [hop, grace, min-distinct-frames, max-future], got '1s'
          colour: red                             | colour                        | unknown key (allowed here: application-id,
          realtime: {policy: live}                | realtime.policy               | 'live' not one of (realtime, backfill)
          input: {decode-scale: half}             | input.decode-scale            | 'half' not one of (full, auto)
          realtime: {max-lag: 0ms}                | realtime.max-lag              | must be > 0, got 0ms
          realtime: {maxlag: 5s}                  | realtime.maxlag               | did you mean 'max-lag'?
          inference: {provider: tpu}              | inference.provider            | 'tpu' not one of (cpu, cuda, tensorrt)
          inference: {threads: 0}                 | inference.threads             | must be > 0, got 0
          inference: {threads: two}               | inference.threads             | must be an integer, got 'two'
          inference: {batch: 0}                   | inference.batch               | must be in [1, 256], got 0
          inference: {batch: 257}                 | inference.batch               | must be in [1, 256], got 257
          inference: {device-id: -1}              | inference.device-id           | must be >= 0, got -1
          inference: {max-wait: 0ms}              | inference.max-wait            | must be > 0, got 0ms
          inference: {max-wait: soon}             | inference.max-wait            | soon
          input: {topic: bad topic}               | input.topic                   | 'bad topic' may contain only letters, digits, '.', '_' and '-'
          input: {topic: 42}                      | input.topic                   | must be a string, got 42 (quote it if you mean the text: '42')
          input: {max-frame-bytes: 0}             | input.max-frame-bytes         | must be > 0
          input: {max-frame-pixels: many}         | input.max-frame-pixels        | must be an integer, got 'many'
          input: frames                           | input                         | must be a mapping
          outputs: {top-k: 0}                     | outputs.top-k                 | must be in [1, 8] (the model's classes), got 0
          outputs: {top-k: 9}                     | outputs.top-k                 | must be in [1, 8] (the model's classes), got 9
          outputs: {top_k: 2}                     | outputs.top_k                 | unknown key; did you mean 'top-k'?
          outputs: {events: predictions}          | outputs.events                | 'predictions' is already the topic of outputs.predictions; every topic must be different
          outputs: {dead-letters: frames}         | outputs.dead-letters          | 'frames' is already the topic of input.topic
          outputs: {alerts: a/b}                  | outputs.alerts                | may contain only letters
          outputs: {predictions: ..}              | outputs.predictions           | '..' is not a legal Kafka name
          episodes: {labels: [jump]}              | episodes.labels[0]            | 'jump' is not a label of model demo_x3d; valid labels: idle, move_left, move_right, move_up, move_down, approach, recede, fall
          episodes: {labels: []}                  | episodes.labels               | must list at least one label of the model
          episodes: {labels: [fall, fall]}        | episodes.labels[1]            | 'fall' is listed twice
          episodes: {labels: fall}                | episodes.labels               | must be a list such as [a, b], got 'fall'
          episodes: {labels: [fall, 3]}           | episodes.labels[1]            | must be a string, got 3
          episodes: {enter: 0}                    | episodes.enter                | must be in (0, 1], got 0
          episodes: {enter: 1.5}                  | episodes.enter                | must be in (0, 1], got 1.5
          episodes: {enter: '0.6'}                | episodes.enter                | must be a number, got '0.6'
          episodes: {enter: 0.5, exit: 0.6}       | episodes.exit                 | must be in [0, enter 0.5], got 0.6
          episodes: {exit: -0.1}                  | episodes.exit                 | must be in [0, enter 0.6], got -0.1
          episodes: {smoothing: 0}                | episodes.smoothing            | must be > 0, got 0
          episodes: {quiet-time: 0s}              | episodes.quiet-time           | must be > 0, got 0ms
          episodes: {quiet-time: 5}               | episodes.quiet-time           | without a unit
          episodes: {quiet_time: 5s}              | episodes.quiet_time           | unknown key; did you mean 'quiet-time'?
          episodes: {alert-labels: [jump]}        | episodes.alert-labels[0]      | 'jump' is not a label of model demo_x3d; valid labels: idle,
          episodes: {labels: [fall], alert-labels: [approach]} | episodes.alert-labels[0] | 'approach' is not in episodes.labels (fall)
          cameras: {cam-1: {roi: {x: 0.5, y: 0, width: 0.6, height: 1}}} | cameras.cam-1.roi.width  | x + width must be <= 1, got 0.5 + 0.6
          cameras: {cam-1: {roi: {x: 0, y: 0.5, width: 1, height: 0.6}}} | cameras.cam-1.roi.height | y + height must be <= 1, got 0.5 + 0.6
          cameras: {cam-1: {roi: {x: 0, y: 0, width: 0, height: 1}}}     | cameras.cam-1.roi.width  | must be > 0, got 0
          cameras: {cam-1: {roi: {x: -0.1, y: 0, width: 0.5, height: 1}}}| cameras.cam-1.roi.x      | must be a fraction of the frame in [0, 1], got -0.1
          cameras: {cam-1: {roi: {x: 0, y: 0, width: 1}}}                | cameras.cam-1.roi.height | missing
          cameras: {cam-1: {roi: {x: 0, y: 0, w: 1, height: 1}}}         | cameras.cam-1.roi.w      | unknown key; did you mean 'width'?
          cameras: {cam-1: {roi: full}}           | cameras.cam-1.roi             | must be a mapping with keys [x, y, width, height], got 'full'
          cameras: {cam-1: {labels: [idle]}}      | cameras.cam-1.labels[0]       | 'idle' is not in episodes.labels (move_left, move_right, move_up, move_down, approach, recede, fall)
          cameras: {cam-1: {labels: [jump]}}      | cameras.cam-1.labels[0]       | 'jump' is not a label of model demo_x3d
          cameras: {cam-1: {zoom: 2}}             | cameras.cam-1.zoom            | unknown key (allowed here: roi, labels)
          cameras: {cam-1: fall}                  | cameras.cam-1                 | must be a mapping with keys [roi, labels], got 'fall'
          cameras: [cam-1]                        | cameras                       | must be a mapping, got a list
          streams: {application.id: other}        | streams.application.id        | set by the topology's application-id; set it there
          streams: {bootstrap.servers: 'b:9092'}  | streams.bootstrap.servers     | set by the topology's bootstrap-servers
          streams: {a: {b: c}}                    | streams.a                     | must be a string, number or boolean, got a mapping
          bootstrap-servers: localhost            | bootstrap-servers             | must be host:port[,host:port...], got 'localhost'
          bootstrap-servers: 'a:9092,'            | bootstrap-servers             | must be host:port[,host:port...], got 'a:9092,'
          bootstrap-servers: 'a:99999'            | bootstrap-servers             | must be host:port
          http: {port: 70000}                     | http.port                     | must be in 0..65535 (0 = any free port) or -1 (no HTTP server), got 70000
          http: {port: -2}                        | http.port                     | must be in 0..65535
          http: {port: web}                       | http.port                     | must be an integer
          http: {bind: 'a b'}                     | http.bind                     | must be an IP address or host name
          http: {listen: 8080}                    | http.listen                   | unknown key (allowed here: port, bind)
          """)
  void badValueIsRefusedNamingTheField(String yaml, String field, String reason) {
    TopologyError e =
        assertThrows(
            TopologyError.class,
            () -> TopologyLoader.load(TopologyFiles.minimal(tmp, yaml + "\n")));

    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.reason().contains(reason), e.getMessage());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          model: MODEL                         | application-id | missing
          application-id: my app\\nmodel: MODEL | application-id | 'my app' may contain only letters, digits, '.', '_' and '-'
          application-id: 2024\\nmodel: MODEL   | application-id | must be a string, got 2024
          application-id: t                    | model          | missing
          application-id: t\\nmodel: nope.yaml  | model          | nope.yaml: manifest: cannot read
          application-id: t\\nmodel: [a]        | model          | must be a string
          """)
  void badIdentityIsRefusedNamingTheField(String yaml, String field, String reason) {
    String text = yaml.replace("\\n", "\n").replace("MODEL", TopologyFiles.DEMO_MODEL.toString());

    TopologyError e =
        assertThrows(TopologyError.class, () -> TopologyLoader.load(TopologyFiles.write(tmp, text)));

    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.reason().contains(reason), e.getMessage());
  }

  @Test
  void messageNamesFileFieldAndReason() {
    Path file = TopologyFiles.minimal(tmp, "windows: {hop: abc}\n");

    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.load(file));

    assertEquals(
        "topology " + file + ": windows.hop: must be a duration such as 500ms, 2s or 1m, got 'abc'",
        e.getMessage());
    assertEquals(file, e.file());
  }

  @Test
  void badManifestIsReportedOnModelWithTheManifestsOwnField() throws Exception {
    Path manifest = tmp.resolve("m.yaml");
    java.nio.file.Files.writeString(
        manifest,
        java.nio.file.Files.readString(TopologyFiles.DEMO_MODEL)
            .replace("modality: rgb", "modality: depth")
            .replace("../../models/", TopologyFiles.DEMO_MODEL.getParent() + "/../../models/"));
    Path file = TopologyFiles.write(tmp, "application-id: t\nmodel: m.yaml\n");

    TopologyError e = assertThrows(TopologyError.class, () -> TopologyLoader.load(file));

    assertEquals("model", e.field());
    assertEquals("m.yaml: modality: 'depth' not one of ('rgb', 'flow')", e.reason());
  }

  @Test
  void notAMappingIsRefused() {
    TopologyError e =
        assertThrows(
            TopologyError.class, () -> TopologyLoader.load(TopologyFiles.write(tmp, "- a\n- b\n")));

    assertTrue(e.reason().startsWith("must be a YAML mapping"), e.getMessage());
  }

  @Test
  void duplicateKeyIsRefused() {
    TopologyError e =
        assertThrows(
            TopologyError.class,
            () -> TopologyLoader.load(TopologyFiles.minimal(tmp, "application-id: u\n")));

    assertTrue(e.reason().contains("Duplicate field 'application-id'"), e.getMessage());
  }

  @Test
  void missingFileIsRefused() {
    TopologyError e =
        assertThrows(TopologyError.class, () -> TopologyLoader.load(tmp.resolve("none.yaml")));

    assertEquals("no such file", e.reason());
  }
}
