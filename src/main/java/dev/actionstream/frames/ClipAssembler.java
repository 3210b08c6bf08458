package dev.actionstream.frames;

import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.model.ModelManifest;
import java.util.List;

/**
 * Per-frame preprocessed planes (C x crop x crop floats, as {@link FramePreprocessor} writes them)
 * → one clip slot of every model input in {@link ClipBuffers}, NCTHW.
 *
 * <p>The engine preprocesses each frame once and keeps its planes while any window may still use
 * it, so overlapping windows only pay this copy: one bulk put of crop x crop floats per (channel,
 * input frame), straight into the shared direct buffer (no per-clip views or garbage). A slow
 * pathway takes the clip frames {@link ModelManifest.Input#frameIndices} names. Stateless apart
 * from the manifest's tables; safe to share between threads (each thread fills its own
 * ClipBuffers).
 */
public final class ClipAssembler {
  private static final int C = ModelManifest.CHANNELS;

  private final ModelManifest manifest;
  private final int clipFrames;
  private final int area;
  private final int[][] frameIndices; // per input

  public ClipAssembler(ModelManifest manifest) {
    this.manifest = manifest;
    this.clipFrames = manifest.clip().frames();
    int crop = manifest.preprocessing().crop();
    this.area = crop * crop;
    List<ModelManifest.Input> inputs = manifest.inputs();
    this.frameIndices = new int[inputs.size()][];
    for (int i = 0; i < inputs.size(); i++) {
      frameIndices[i] = inputs.get(i).frameIndices(clipFrames);
    }
  }

  /** Floats each frame's plane holds: C · crop · crop. */
  public int frameFloats() {
    return C * area;
  }

  /**
   * Copies the clip's frames into slot {@code slot} of every input of {@code buffers}.
   *
   * @param frames the T = clip.frames planes in time order (the same array may repeat, as when a
   *     low-fps camera gives one frame to two sample times)
   */
  public void fill(ClipBuffers buffers, int slot, float[][] frames) {
    if (buffers.manifest() != manifest) {
      throw new IllegalArgumentException("buffers were made for model " + buffers.manifest().name()
          + ", this assembler for " + manifest.name());
    }
    if (frames.length != clipFrames) {
      throw new IllegalArgumentException(
          "a clip of %s has %d frames, got %d".formatted(manifest.name(), clipFrames, frames.length));
    }
    for (int t = 0; t < frames.length; t++) {
      if (frames[t].length != frameFloats()) {
        throw new IllegalArgumentException(
            "frame %d has %d floats, expected C x crop x crop = %d"
                .formatted(t, frames[t].length, frameFloats()));
      }
    }
    for (int i = 0; i < frameIndices.length; i++) {
      int[] take = frameIndices[i];
      int inputFrames = take.length;
      for (int c = 0; c < C; c++) {
        for (int j = 0; j < inputFrames; j++) {
          // NCTHW: channel c, input frame j starts at (c · T_in + j) · H · W.
          buffers.put(i, slot, (c * inputFrames + j) * area, frames[take[j]], c * area, area);
        }
      }
    }
  }
}
