package dev.actionstream.model;

/**
 * A model-kit file (manifest, labels, golden set) or the ONNX model it describes is wrong.
 *
 * <p>The message always starts with the field at fault ({@code "inputs[0].frames: manifest says 13
 * but ONNX input 'input' has dim 16"}), as tools/modelkit/manifest.py's ManifestError does, so that
 * the operator knows which line to fix.
 */
public class ManifestError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public ManifestError(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public ManifestError(String field, String reason, Throwable cause) {
    super(field + ": " + reason, cause);
    this.field = field;
  }

  /** The dotted path of the field at fault, e.g. {@code clip.frames} or {@code inputs[1].alpha}. */
  public String field() {
    return field;
  }
}
