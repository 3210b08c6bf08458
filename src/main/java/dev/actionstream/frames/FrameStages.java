package dev.actionstream.frames;

import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.util.List;
import java.util.function.IntBinaryOperator;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The stages of several fused models for one frame, their floats side by side in one array (model
 * i's from {@link #offset}(i)), so that a frame is decoded once and cached once for all of them.
 */
public final class FrameStages implements FrameStage {
  private final List<FrameStage> stages;
  private final int[] offsets;
  private final int floats;
  private final IntBinaryOperator reducer;

  public FrameStages(List<FrameStage> stages) {
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("no stages");
    }
    this.stages = List.copyOf(stages);
    this.offsets = new int[stages.size()];
    int at = 0;
    for (int i = 0; i < stages.size(); i++) {
      offsets[i] = at;
      at = Math.addExact(at, stages.get(i).frameFloats());
    }
    this.floats = at;
    // A reduced decode must still suit every model: the smallest reduction of them all.
    this.reducer = (w, h) -> {
      int r = Integer.MAX_VALUE;
      for (FrameStage s : this.stages) {
        r = Math.min(r, s.reducer().applyAsInt(w, h));
      }
      return r;
    };
  }

  /** Where model {@code i}'s floats start in a frame's array. */
  public int offset(int i) {
    return offsets[i];
  }

  @Override
  public int frameFloats() {
    return floats;
  }

  @Override
  public void process(Mat image, ChannelOrder imageOrder, float[] dst, int offset) {
    for (int i = 0; i < offsets.length; i++) {
      stages.get(i).process(image, imageOrder, dst, offset + offsets[i]);
    }
  }

  @Override
  public IntBinaryOperator reducer() {
    return reducer;
  }
}
