package dev.actionstream.cli;

import dev.actionstream.inference.ModelSession;
import dev.actionstream.model.ModelManifest;
import dev.actionstream.model.ModelManifest.Input;
import dev.actionstream.model.ModelManifest.Preprocessing;
import java.io.PrintWriter;
import java.util.List;

/** The few lines that tell an operator what a model expects and produces. */
final class Summary {
  private static final int LABELS_SHOWN = 5;

  private Summary() {}

  static void print(PrintWriter out, ModelSession session) {
    ModelManifest m = session.manifest();
    ModelManifest.Clip clip = m.clip();
    Preprocessing p = m.preprocessing();
    out.printf("model %s (%s): %s%n", m.name(), m.family().isEmpty() ? "-" : m.family(), m.onnx());
    out.printf(
        "  clip      %d frame%s, sampling rate %s at %s fps: %.3f s%s%n",
        clip.frames(), clip.frames() == 1 ? "" : "s", num(clip.samplingRate()), num(clip.referenceFps()), clip.duration(),
        clip.sampling() == ModelManifest.Sampling.SEGMENTS
            ? ", " + clip.segments() + " segment" + (clip.segments() == 1 ? "" : "s") + " of "
                + clip.framesPerSegment() + " frame" + (clip.framesPerSegment() == 1 ? "" : "s")
            : "");
    List<Input> inputs = m.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      Input in = inputs.get(i);
      out.printf(
          "  %-9s %s %s%s, ONNX %s%n",
          i == 0 ? "inputs" : "",
          in.layout().spelling(),
          in.pathway().spelling(),
          in.alpha() > 0 ? " (alpha " + in.alpha() + ")" : "",
          session.signature().inputs().get(i));
    }
    out.printf(
        "  preproc   %s short side %d, %s crop %d, scale %s, mean %s, std %s, %s%n",
        p.resize().spelling(),
        p.shortSide(),
        p.cropMode().spelling(),
        p.crop(),
        num(p.scale()),
        p.mean(),
        p.std(),
        p.channelOrder().spelling());
    if (m.flow() != null) {
      out.printf("  flow      %s, bound %s px, %s, between consecutive frames of a segment%n",
          m.flow().method().spelling(), num(m.flow().bound()), m.flow().encoding().spelling());
    }
    List<String> labels = m.labels();
    out.printf(
        "  output    %s%s, ONNX %s, %d classes: %s%s%n",
        m.output().type().spelling(),
        m.output().consensus() == ModelManifest.Consensus.AVERAGE ? " averaged over segments" : "",
        session.signature().output(),
        m.output().classes(),
        String.join(", ", labels.subList(0, Math.min(LABELS_SHOWN, labels.size()))),
        labels.size() > LABELS_SHOWN ? ", ..." : "");
    out.printf("  batch     %s%n", session.signature().maxBatch() == 1 ? "fixed 1" : "dynamic");
  }

  /** 4 rather than 4.0; 1.5 rather than 1.50000; 0.0039215... as 0.00392157. */
  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9
        ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.6g", v).replaceFirst("(\\.\\d*?)0+$", "$1");
  }
}
