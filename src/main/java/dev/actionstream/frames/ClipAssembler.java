package dev.actionstream.frames;

import dev.actionstream.inference.ClipBuffers;
import dev.actionstream.model.ModelManifest;
import java.util.List;

/**
 * Per-frame preprocessed planes (C x crop x crop floats, as {@link FramePreprocessor} writes them),
 * or a flow model's fields ({@link FlowFields}) → one clip slot of every model input in {@link
 * ClipBuffers}: NCTHW, or NCHW rows with the units stacked along channels.
 *
 * <p>The engine preprocesses each frame once and keeps its planes while any window may still use
 * it, so overlapping windows only pay this copy: one bulk put of crop x crop floats per (channel,
 * input frame), straight into the shared direct buffer (no per-clip views or garbage). A slow
 * pathway takes the clip frames {@link ModelManifest.Input#frameIndices} names. Stateless apart
 * from the manifest's tables; safe to share between threads (each thread fills its own
 * ClipBuffers).
 */
public final class ClipAssembler {
  private final ModelManifest manifest;
  private final int units; // per clip: T frames, or K·(L − 1) flow fields
  private final int channels;
  private final int area;
  private final int[][] frameIndices; // per NCTHW input
  private final boolean[] nchw;

  public ClipAssembler(ModelManifest manifest) {
    this.manifest = manifest;
    int t = manifest.clip().frames();
    this.units = manifest.modality() == ModelManifest.Modality.FLOW
        ? manifest.clip().segments() * manifest.stackedUnits()
        : t;
    this.channels = manifest.channels();
    int crop = manifest.preprocessing().crop();
    this.area = crop * crop;
    List<ModelManifest.Input> inputs = manifest.inputs();
    this.frameIndices = new int[inputs.size()][];
    this.nchw = new boolean[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      nchw[i] = inputs.get(i).layout() == ModelManifest.Layout.NCHW;
      frameIndices[i] = inputs.get(i).frameIndices(t);
    }
  }

  /** Floats of one unit (a frame's planes, or a flow field): channels · crop · crop. */
  public int frameFloats() {
    return channels * area;
  }

  /** Units per clip: T frames, or, for a flow model, its K·(L − 1) flow fields. */
  public int units() {
    return units;
  }

  /** {@link #fill(ClipBuffers, int, float[][], int)} from the start of each unit's array. */
  public void fill(ClipBuffers buffers, int slot, float[][] frames) {
    fill(buffers, slot, frames, 0);
  }

  /**
   * Copies the clip's units into slot {@code slot} of every input of {@code buffers}.
   *
   * @param frames the clip's units in time order: T frame planes (the same array may repeat, as
   *     when a low-fps camera gives one frame to two sample times), or a flow model's fields
   * @param offset where each unit starts in its array (arrays may hold other models' planes too)
   */
  public void fill(ClipBuffers buffers, int slot, float[][] frames, int offset) {
    if (buffers.manifest() != manifest) {
      throw new IllegalArgumentException("buffers were made for model " + buffers.manifest().name()
          + ", this assembler for " + manifest.name());
    }
    if (frames.length != units) {
      throw new IllegalArgumentException(
          "a clip of %s has %d units, got %d".formatted(manifest.name(), units, frames.length));
    }
    int unitFloats = frameFloats();
    for (int t = 0; t < frames.length; t++) {
      if (frames[t].length - offset < unitFloats) {
        throw new IllegalArgumentException(
            "unit %d has %d floats from %d, expected channels x crop x crop = %d"
                .formatted(t, frames[t].length, offset, unitFloats));
      }
    }
    for (int i = 0; i < frameIndices.length; i++) {
      if (nchw[i]) {
        // NCHW: row g stacks its segment's units along channels, so units lie back to back.
        for (int u = 0; u < units; u++) {
          buffers.put(i, slot, u * unitFloats, frames[u], offset, unitFloats);
        }
        continue;
      }
      int[] take = frameIndices[i];
      int inputFrames = take.length;
      for (int c = 0; c < channels; c++) {
        for (int j = 0; j < inputFrames; j++) {
          // NCTHW: channel c, input frame j starts at (c · T_in + j) · H · W.
          buffers.put(i, slot, (c * inputFrames + j) * area, frames[take[j]], offset + c * area, area);
        }
      }
    }
  }
}
