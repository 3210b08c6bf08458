package dev.actionstream.frames;

import dev.actionstream.model.ModelManifest;

/**
 * A clip's sampled frames (each frame's {@link FrameStage} floats) → the units {@link
 * ClipAssembler} stacks: the frames themselves for an RGB model; for a flow model, the flow field
 * between each pair of consecutive frames within a segment ({@link FlowFields}), segment by
 * segment. The engine, the parity tests and the tools share it, so all build clips alike.
 *
 * <p>Not thread-safe: it reuses the fields' arrays (valid until the next call) and the flow solver.
 */
public final class ClipUnits implements AutoCloseable {
  private final ModelManifest manifest;
  private final FlowFields flow; // flow models only
  private final float[][] fields;

  public ClipUnits(ModelManifest manifest) {
    this.manifest = manifest;
    if (manifest.modality() == ModelManifest.Modality.FLOW) {
      this.flow = new FlowFields(manifest);
      this.fields = new float[manifest.clip().segments() * manifest.stackedUnits()][flow.fieldFloats()];
    } else {
      this.flow = null;
      this.fields = null;
    }
  }

  /**
   * The clip's units.
   *
   * @param frames the T sampled frames' arrays, the model's floats at {@code offset} in each
   */
  public float[][] of(float[][] frames, int offset) {
    if (flow == null) {
      return frames;
    }
    int l = manifest.clip().framesPerSegment();
    int f = 0;
    for (int g = 0; g < manifest.clip().segments(); g++) {
      for (int j = 0; j < l - 1; j++) {
        flow.compute(frames[g * l + j], frames[g * l + j + 1], offset, fields[f++]);
      }
    }
    return fields;
  }

  /** Where each unit of {@link #of} starts in its array: the frames' offset, or 0 for fields. */
  public int offset(int frameOffset) {
    return flow == null ? frameOffset : 0;
  }

  @Override
  public void close() {
    if (flow != null) {
      flow.close();
    }
  }
}
