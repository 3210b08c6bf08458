"""The engine's model contract: build, write, read and check model manifests.

A manifest is YAML data that tells the engine how to feed an ONNX model without code:
which frames form a clip, which tensors to build from them, how to preprocess each frame,
and what the output means. Every field is documented in tools/modelkit/MANIFEST.md.
"""
from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional, Sequence

import yaml

FORMAT = "actionstream-model/v1"
LAYOUTS = ("NCTHW", "NCHW")
PATHWAYS = ("clip", "slow", "fast")
CHANNEL_ORDERS = ("RGB", "BGR")
OUTPUT_TYPES = ("logits", "probabilities")
SAMPLINGS = ("uniform", "segments")
MODALITIES = ("rgb", "flow")
FLOW_METHODS = ("farneback", "tvl1")
FLOW_ENCODINGS = ("raw", "quantized")
CONSENSUS = ("none", "average")


class ManifestError(ValueError):
    """A manifest field is missing or wrong; the message names the field."""


def clip_duration(frames: int, sampling_rate: float, reference_fps: float) -> float:
    """D = T * tau / reference fps (seconds), as PyTorchVideo's clip_duration."""
    return frames * sampling_rate / reference_fps


def slow_indices(frames: int, alpha: int) -> List[int]:
    """Frames of the clip that feed the slow pathway: trunc(linspace(0, T-1, T // alpha)).

    Same as PyTorchVideo's PackPathway (torch.linspace(...).long()); written in exact
    integer arithmetic so that every implementation (Java too) gets the same indices.
    """
    n = frames // alpha
    if n < 1:
        raise ManifestError(f"inputs.alpha: {alpha} leaves no slow frames from {frames}")
    if n == 1:
        return [0]
    return [(i * (frames - 1)) // (n - 1) for i in range(n)]


def sample_times(end: float, duration: float, frames: int, segments: Optional[int] = None,
                 spacing: Optional[float] = None) -> List[float]:
    """Capture times the clip's T frames are taken at (nearest frame by timestamp).

    Uniform sampling (segments None): t_i = end - D + i * D / (T - 1), the first sample at the
    window start, the last at its end.
    Segments (segments K, spacing tau / reference_fps in the unit of end and D): the window is cut
    into K equal segments and segment g's L = T / K frames are centred in it, `spacing` apart:
    t_{g,j} = end - D + (g + 1/2) * D / K + (j - (L - 1) / 2) * spacing, clip frame g * L + j.
    """
    if segments is None:
        if frames == 1:
            return [end]
        return [end - duration + i * duration / (frames - 1) for i in range(frames)]
    if segments < 1 or frames % segments:
        raise ManifestError(f"clip.segments: {segments} does not divide clip.frames {frames}")
    if spacing is None:
        raise ValueError("segment sampling needs the frame spacing (sampling_rate / reference_fps)")
    length = frames // segments
    return [end - duration + (g + 0.5) * duration / segments + (j - (length - 1) / 2) * spacing
            for g in range(segments) for j in range(length)]


def segment_count(clip: Dict[str, Any]) -> int:
    """K: the clip's segments (1 for uniform sampling)."""
    return int(clip["segments"]) if clip.get("sampling", "uniform") == "segments" else 1


def clip_sample_times(end: float, clip: Dict[str, Any], unit: float = 1.0) -> List[float]:
    """sample_times for a manifest's `clip` mapping; end in seconds x unit (unit 1000: ms)."""
    duration = float(clip["duration"]) * unit
    frames = int(clip["frames"])
    if clip.get("sampling", "uniform") == "segments":
        spacing = float(clip["sampling_rate"]) / float(clip["reference_fps"]) * unit
        return sample_times(end, duration, frames, segment_count(clip), spacing)
    return sample_times(end, duration, frames)


def input_shape(m: Dict[str, Any], inp: Dict[str, Any]) -> tuple:
    """Shape of the batch-1 tensor of input `inp`: 1 x 3 x frames x crop x crop for NCTHW,
    K x C*S x crop x crop for NCHW (rgb: C 3, S = L; flow: C 2, S = L - 1; L = T / K)."""
    crop = int(m["preprocessing"]["crop"])
    if inp["layout"] == "NCTHW":
        return (1, 3, int(inp["frames"]), crop, crop)
    k = segment_count(m["clip"])
    length = int(m["clip"]["frames"]) // k
    if m.get("modality", "rgb") == "flow":
        return (k, 2 * (length - 1), crop, crop)
    return (k, 3 * length, crop, crop)


def output_rows(m: Dict[str, Any]) -> int:
    """Rows of the graph's output per clip: K with `output.consensus: average`, else 1."""
    return segment_count(m["clip"]) if m["output"].get("consensus", "none") == "average" else 1


def build_manifest(
    *,
    name: str,
    family: str,
    frames: int,
    sampling_rate: float,
    reference_fps: float,
    inputs: Sequence[Dict[str, Any]],
    short_side: int,
    crop: int,
    mean: Sequence[float],
    std: Sequence[float],
    labels_file: str,
    num_classes: int,
    onnx_file: str = "model.onnx",
    onnx_fp16_file: Optional[str] = None,
    output_name: str = "logits",
    output_type: str = "logits",
    channel_order: str = "RGB",
    scale: float = 1.0 / 255.0,
    description: str = "",
    source: Optional[Dict[str, Any]] = None,
    sampling: str = "uniform",
    segments: Optional[int] = None,
    duration: Optional[float] = None,
    modality: str = "rgb",
    flow: Optional[Dict[str, Any]] = None,
    consensus: str = "none",
) -> Dict[str, Any]:
    """A manifest dict in the documented field order; validate() it before writing.

    sampling/segments, modality/flow and consensus are written only when not the default, so
    that manifests without them stay as they were. duration: D in seconds, only for segment
    sampling (default T * tau / reference_fps, which uniform sampling requires)."""
    clip: Dict[str, Any] = {
        "frames": int(frames),
        "sampling_rate": float(sampling_rate),
        "reference_fps": float(reference_fps),
        "duration": round(float(duration) if duration is not None
                          else clip_duration(frames, sampling_rate, reference_fps), 6),
    }
    if sampling != "uniform":
        clip["sampling"] = sampling
    if segments is not None:
        clip["segments"] = int(segments)
    output: Dict[str, Any] = {"name": output_name, "type": output_type, "classes": int(num_classes)}
    if consensus != "none":
        output["consensus"] = consensus
    m: Dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "family": family,
        "description": description,
        "onnx": onnx_file,
        **({"onnx_fp16": onnx_fp16_file} if onnx_fp16_file else {}),
        "labels": labels_file,
        "clip": clip,
        "inputs": [dict(i) for i in inputs],
        "preprocessing": {
            "resize": "bilinear",
            "short_side": int(short_side),
            "crop": int(crop),
            "crop_mode": "center",
            "scale": float(scale),
            "mean": [float(v) for v in mean],
            "std": [float(v) for v in std],
            "channel_order": channel_order,
        },
        "modality": modality,
        **({"flow": {"method": flow["method"], "bound": float(flow["bound"]), "encoding": flow["encoding"]}}
           if flow is not None else {}),
        "output": output,
    }
    if source:
        m["source"] = dict(source)
    return m


def single_input(name: str, frames: int) -> Dict[str, Any]:
    """The one NCTHW input of an X3D-style or other single-pathway model."""
    return {"name": name, "layout": "NCTHW", "frames": int(frames), "pathway": "clip"}


def nchw_input(name: str, frames: int) -> Dict[str, Any]:
    """The one NCHW input of a 2D network: segments as rows, frames or flow fields as channels."""
    return {"name": name, "layout": "NCHW", "frames": int(frames), "pathway": "clip"}


def slowfast_inputs(frames: int, alpha: int, slow_name: str = "slow", fast_name: str = "fast"):
    """SlowFast's two inputs, in the order of the ONNX graph: slow, then fast."""
    return [
        {"name": slow_name, "layout": "NCTHW", "frames": frames // alpha, "pathway": "slow", "alpha": int(alpha)},
        {"name": fast_name, "layout": "NCTHW", "frames": int(frames), "pathway": "fast"},
    ]


def _need(d: Dict[str, Any], key: str, where: str):
    if not isinstance(d, dict) or key not in d or d[key] is None:
        raise ManifestError(f"{where}{key}: missing")
    return d[key]


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def validate(m: Dict[str, Any], base_dir: Optional[str] = None) -> Dict[str, Any]:
    """Check a manifest; raise ManifestError naming the first bad field. Returns m."""
    if not isinstance(m, dict):
        raise ManifestError("manifest: must be a mapping")
    if _need(m, "format", "") != FORMAT:
        raise ManifestError(f"format: expected {FORMAT!r}, got {m['format']!r}")
    for key in ("name", "onnx", "labels"):
        if not isinstance(_need(m, key, ""), str) or not m[key]:
            raise ManifestError(f"{key}: must be a non-empty string")
    if m.get("onnx_fp16") is not None:
        if not isinstance(m["onnx_fp16"], str) or not m["onnx_fp16"]:
            raise ManifestError("onnx_fp16: must be a non-empty string")
        if os.path.normpath(m["onnx_fp16"]) == os.path.normpath(m["onnx"]):
            raise ManifestError(f"onnx_fp16: {m['onnx_fp16']!r} is the float32 model (onnx); "
                                "name the fp16 variant's file")
    clip = _need(m, "clip", "")
    t = _need(clip, "frames", "clip.")
    if not isinstance(t, int) or isinstance(t, bool) or t < 1:
        raise ManifestError(f"clip.frames: must be a positive integer, got {t!r}")
    tau = _need(clip, "sampling_rate", "clip.")
    fps = _need(clip, "reference_fps", "clip.")
    if not (_number(tau) and tau > 0):
        raise ManifestError(f"clip.sampling_rate: must be > 0, got {tau!r}")
    if not (_number(fps) and fps > 0):
        raise ManifestError(f"clip.reference_fps: must be > 0, got {fps!r}")
    sampling = clip.get("sampling", "uniform")
    if sampling is None:
        sampling = "uniform"
    if sampling not in SAMPLINGS:
        raise ManifestError(f"clip.sampling: {sampling!r} not one of {SAMPLINGS}")
    segments = clip.get("segments")
    if sampling == "segments":
        segments = _need(clip, "segments", "clip.")
        if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
            raise ManifestError(f"clip.segments: must be a positive integer, got {segments!r}")
        if t % segments:
            raise ManifestError(f"clip.segments: {segments} does not divide clip.frames {t}")
    elif segments is not None:
        raise ManifestError("clip.segments: only with clip.sampling: segments")
    k = segments if sampling == "segments" else 1
    length = t // k
    d = _need(clip, "duration", "clip.")
    span = clip_duration(t, tau, fps)
    if not (_number(d) and d > 0):
        raise ManifestError(f"clip.duration: must be > 0, got {d!r}")
    if sampling == "uniform" and not math.isclose(d, span, rel_tol=1e-4):
        raise ManifestError(f"clip.duration: {d} != frames*sampling_rate/reference_fps = {span:.6f}")
    if sampling == "segments" and d < span and not math.isclose(d, span, rel_tol=1e-4):
        raise ManifestError(f"clip.duration: {d} < frames*sampling_rate/reference_fps = {span:.6f} "
                            "(segments must fit in the window)")
    modality = _need(m, "modality", "")
    if modality not in MODALITIES:
        raise ManifestError(f"modality: {modality!r} not one of {MODALITIES}")
    inputs = _need(m, "inputs", "")
    if not isinstance(inputs, list) or not inputs:
        raise ManifestError("inputs: must be a non-empty list")
    names = set()
    for i, inp in enumerate(inputs):
        w = f"inputs[{i}]."
        if not isinstance(inp, dict):
            raise ManifestError(f"inputs[{i}]: must be a mapping")
        name = _need(inp, "name", w)
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{w}name: must be a non-empty string")
        if name in names:
            raise ManifestError(f"{w}name: duplicate input name {name!r}")
        names.add(name)
        layout = _need(inp, "layout", w)
        if layout not in LAYOUTS:
            raise ManifestError(f"{w}layout: {layout!r} not one of {LAYOUTS}")
        if modality == "flow" and layout != "NCHW":
            raise ManifestError(f"{w}layout: modality flow needs NCHW, got {layout!r}")
        pathway = _need(inp, "pathway", w)
        if pathway not in PATHWAYS:
            raise ManifestError(f"{w}pathway: {pathway!r} not one of {PATHWAYS}")
        if layout == "NCHW" and pathway != "clip":
            raise ManifestError(f"{w}pathway: NCHW inputs take the whole clip (clip), got {pathway!r}")
        frames = _need(inp, "frames", w)
        if pathway == "slow":
            alpha = _need(inp, "alpha", w)
            if not isinstance(alpha, int) or isinstance(alpha, bool) or alpha < 1:
                raise ManifestError(f"{w}alpha: must be a positive integer, got {alpha!r}")
            if frames != len(slow_indices(t, alpha)):
                raise ManifestError(f"{w}frames: {frames} != clip.frames {t} // alpha {alpha}")
        elif frames != t:
            raise ManifestError(f"{w}frames: {frames} != clip.frames {t} for pathway {pathway}")
    if modality == "flow" and length < 2:
        raise ManifestError(f"clip.frames: flow needs at least 2 frames per segment, got "
                            f"{t} frames in {k} segment(s)")
    pre = _need(m, "preprocessing", "")
    for key in ("short_side", "crop"):
        v = _need(pre, key, "preprocessing.")
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ManifestError(f"preprocessing.{key}: must be a positive integer, got {v!r}")
    if pre["crop"] > pre["short_side"]:
        raise ManifestError(f"preprocessing.crop: {pre['crop']} > short_side {pre['short_side']}")
    if _need(pre, "resize", "preprocessing.") != "bilinear":
        raise ManifestError("preprocessing.resize: only 'bilinear' is defined")
    if _need(pre, "crop_mode", "preprocessing.") != "center":
        raise ManifestError("preprocessing.crop_mode: only 'center' is defined")
    channels = 2 if modality == "flow" else 3
    for key in ("mean", "std"):
        v = _need(pre, key, "preprocessing.")
        if not (isinstance(v, list) and len(v) == channels and all(_number(x) for x in v)):
            what = "one per flow component, x then y" if modality == "flow" else "one per channel"
            raise ManifestError(f"preprocessing.{key}: must list {channels} numbers ({what}) for modality {modality}")
    if any(s <= 0 for s in pre["std"]):
        raise ManifestError("preprocessing.std: values must be > 0")
    scale = _need(pre, "scale", "preprocessing.")
    if not (_number(scale) and scale > 0):
        raise ManifestError("preprocessing.scale: must be > 0")
    if _need(pre, "channel_order", "preprocessing.") not in CHANNEL_ORDERS:
        raise ManifestError(f"preprocessing.channel_order: not one of {CHANNEL_ORDERS}")
    flow = m.get("flow")
    if modality == "flow":
        flow = _need(m, "flow", "")
        if not isinstance(flow, dict):
            raise ManifestError("flow: must be a mapping {method, bound, encoding}")
        if _need(flow, "method", "flow.") not in FLOW_METHODS:
            raise ManifestError(f"flow.method: {flow['method']!r} not one of {FLOW_METHODS}")
        bound = _need(flow, "bound", "flow.")
        if not (_number(bound) and bound > 0):
            raise ManifestError(f"flow.bound: must be a number > 0, got {bound!r}")
        if _need(flow, "encoding", "flow.") not in FLOW_ENCODINGS:
            raise ManifestError(f"flow.encoding: {flow['encoding']!r} not one of {FLOW_ENCODINGS}")
        unknown = sorted(set(flow) - {"method", "bound", "encoding"})
        if unknown:
            raise ManifestError(f"flow.{unknown[0]}: unknown field")
    elif flow is not None:
        raise ManifestError("flow: only with modality: flow")
    out = _need(m, "output", "")
    _need(out, "name", "output.")
    if _need(out, "type", "output.") not in OUTPUT_TYPES:
        raise ManifestError(f"output.type: not one of {OUTPUT_TYPES}")
    classes = _need(out, "classes", "output.")
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise ManifestError(f"output.classes: must be a positive integer, got {classes!r}")
    consensus = out.get("consensus", "none")
    if consensus is None:
        consensus = "none"
    if consensus not in CONSENSUS:
        raise ManifestError(f"output.consensus: {consensus!r} not one of {CONSENSUS}")
    if consensus == "average":
        for i, inp in enumerate(inputs):
            if inp["layout"] != "NCHW":
                raise ManifestError(f"output.consensus: average needs one row per segment (NCHW inputs); "
                                    f"inputs[{i}] is {inp['layout']}")
    if base_dir is not None:
        labels = read_labels(os.path.join(base_dir, m["labels"]))
        if len(labels) != classes:
            raise ManifestError(f"labels: {len(labels)} labels in {m['labels']} != output.classes {classes}")
    return m


def write_manifest(m: Dict[str, Any], path: str, header: str = "") -> None:
    validate(m)
    text = "# ActionStream model manifest; fields documented in tools/modelkit/MANIFEST.md\n"
    for line in header.strip().splitlines() if header else []:
        text += f"# {line}\n"
    # Dump first, so that a value YAML cannot represent leaves no half-written file behind.
    text += yaml.safe_dump(m, sort_keys=False, default_flow_style=None, width=100)
    with open(path, "w") as f:
        f.write(text)


def write_config_manifest(model_dir: str, config_dir: str, header: str) -> str:
    """<config_dir>/<name>.yaml (underscores as dashes): the manifest in model_dir with its onnx and
    labels paths made relative to config_dir, as the engine's config/models holds them. `{rel}` in
    header becomes that relative path. Returns the file written."""
    m = load_manifest(os.path.join(model_dir, "manifest.yaml"))
    rel = os.path.relpath(os.path.abspath(model_dir), os.path.abspath(config_dir))
    m["onnx"] = os.path.join(rel, m["onnx"])
    m["labels"] = os.path.join(rel, m["labels"])
    path = os.path.join(config_dir, m["name"].replace("_", "-") + ".yaml")
    os.makedirs(config_dir, exist_ok=True)
    write_manifest(m, path, header=header.replace("{rel}", rel))
    validate(m, config_dir)
    return path


def load_manifest(path: str) -> Dict[str, Any]:
    with open(path) as f:
        m = yaml.safe_load(f)
    return validate(m, os.path.dirname(os.path.abspath(path)))


def write_labels(labels: Sequence[str], path: str) -> None:
    with open(path, "w") as f:
        for label in labels:
            f.write(label + "\n")


def read_labels(path: str) -> List[str]:
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except OSError as e:
        raise ManifestError(f"labels: cannot read {path}: {e.strerror}") from e
