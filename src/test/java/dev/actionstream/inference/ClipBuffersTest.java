package dev.actionstream.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.actionstream.model.ManifestLoader;
import dev.actionstream.model.ModelManifest;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipBuffersTest {
  @TempDir Path dir;

  @Test
  void averageConsensusMeansEachClipsSegmentRows() throws IOException {
    Files.write(dir.resolve("labels.txt"), List.of("a", "b"));
    Path file = dir.resolve("m.yaml");
    Files.writeString(file, """
        format: actionstream-model/v1
        name: tsn
        onnx: model.onnx
        labels: labels.txt
        clip: {frames: 3, sampling_rate: 1.0, reference_fps: 10.0, duration: 1.0, sampling: segments, segments: 3}
        inputs: [{name: input, layout: NCHW, frames: 3, pathway: clip}]
        preprocessing: {resize: bilinear, short_side: 8, crop: 8, crop_mode: center, scale: 1.0,
          mean: [0, 0, 0], std: [1, 1, 1], channel_order: RGB}
        modality: rgb
        output: {name: logits, type: logits, classes: 2, consensus: average}
        """);
    ModelManifest m = ManifestLoader.load(file);
    ClipBuffers b = ClipBuffers.allocate(m, 2);
    assertArrayEquals(new long[] {6, 3, 8, 8}, b.inputShape(0, 2));
    assertArrayEquals(new long[] {6, 2}, b.scoresShape(2));
    // What a run writes: 2 clips x 3 segment rows x 2 classes.
    FloatBuffer rows = b.scoresBatch(2);
    rows.put(new float[] {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}).rewind();
    assertArrayEquals(new float[] {3, 4}, b.scores(0));
    assertArrayEquals(new float[] {30, 40}, b.scores(1));
  }
}
