package dev.actionstream.frames;

import dev.actionstream.model.ModelManifest.ChannelOrder;
import java.util.function.IntBinaryOperator;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * What the engine keeps of one decoded frame for a model: normalised colour planes ({@link
 * FramePreprocessor}) or the grayscale crop that optical flow is computed from ({@link GrayCrop}).
 * Computed once per frame on arrival and cached for every window that samples the frame.
 */
public interface FrameStage {
  /** Floats written per frame. */
  int frameFloats();

  /** Writes the frame's floats for an 8UC3 image into {@code dst[offset, offset + frameFloats())}. */
  void process(Mat image, ChannelOrder imageOrder, float[] dst, int offset);

  /**
   * The largest JPEG decode reduction after which the frame still has what this stage needs, for
   * {@code input.decode-scale: auto}; see {@link FramePreprocessor#reduction}.
   */
  IntBinaryOperator reducer();

  /** Floats {@link #of} writes per frame for a model: C·crop² colour planes, or a crop² gray crop. */
  static int floats(dev.actionstream.model.ModelManifest manifest) {
    int crop = manifest.preprocessing().crop();
    return manifest.modality() == dev.actionstream.model.ModelManifest.Modality.FLOW
        ? crop * crop
        : dev.actionstream.model.ModelManifest.CHANNELS * crop * crop;
  }

  /** The stage a model's manifest asks for, for one camera's region of interest. */
  static FrameStage of(dev.actionstream.model.ModelManifest manifest, RegionOfInterest region) {
    return manifest.modality() == dev.actionstream.model.ModelManifest.Modality.FLOW
        ? new GrayCrop(manifest.preprocessing(), region)
        : new FramePreprocessor(manifest.preprocessing(), region);
  }
}
