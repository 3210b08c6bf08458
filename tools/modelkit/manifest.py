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
LAYOUTS = ("NCTHW",)
PATHWAYS = ("clip", "slow", "fast")
CHANNEL_ORDERS = ("RGB", "BGR")
OUTPUT_TYPES = ("logits", "probabilities")


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


def sample_times(end: float, duration: float, frames: int) -> List[float]:
    """Capture times the clip's T frames are taken at (nearest frame by timestamp).

    t_i = end - D + i * D / (T - 1): the first sample at the window start, the last at its end.
    """
    if frames == 1:
        return [end]
    return [end - duration + i * duration / (frames - 1) for i in range(frames)]


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
) -> Dict[str, Any]:
    """A manifest dict in the documented field order; validate() it before writing."""
    m: Dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "family": family,
        "description": description,
        "onnx": onnx_file,
        **({"onnx_fp16": onnx_fp16_file} if onnx_fp16_file else {}),
        "labels": labels_file,
        "clip": {
            "frames": int(frames),
            "sampling_rate": float(sampling_rate),
            "reference_fps": float(reference_fps),
            "duration": round(clip_duration(frames, sampling_rate, reference_fps), 6),
        },
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
        "modality": "rgb",
        "output": {"name": output_name, "type": output_type, "classes": int(num_classes)},
    }
    if source:
        m["source"] = dict(source)
    return m


def single_input(name: str, frames: int) -> Dict[str, Any]:
    """The one NCTHW input of an X3D-style or other single-pathway model."""
    return {"name": name, "layout": "NCTHW", "frames": int(frames), "pathway": "clip"}


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


def validate(m: Dict[str, Any], base_dir: Optional[str] = None) -> Dict[str, Any]:
    """Check a manifest; raise ManifestError naming the first bad field. Returns m."""
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
    if not isinstance(t, int) or t < 1:
        raise ManifestError(f"clip.frames: must be a positive integer, got {t!r}")
    tau = _need(clip, "sampling_rate", "clip.")
    fps = _need(clip, "reference_fps", "clip.")
    if not (isinstance(tau, (int, float)) and tau > 0):
        raise ManifestError(f"clip.sampling_rate: must be > 0, got {tau!r}")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ManifestError(f"clip.reference_fps: must be > 0, got {fps!r}")
    d = _need(clip, "duration", "clip.")
    if not math.isclose(d, clip_duration(t, tau, fps), rel_tol=1e-4):
        raise ManifestError(
            f"clip.duration: {d} != frames*sampling_rate/reference_fps = {clip_duration(t, tau, fps):.6f}")
    inputs = _need(m, "inputs", "")
    if not isinstance(inputs, list) or not inputs:
        raise ManifestError("inputs: must be a non-empty list")
    names = set()
    for i, inp in enumerate(inputs):
        w = f"inputs[{i}]."
        name = _need(inp, "name", w)
        if name in names:
            raise ManifestError(f"{w}name: duplicate input name {name!r}")
        names.add(name)
        if _need(inp, "layout", w) not in LAYOUTS:
            raise ManifestError(f"{w}layout: {inp['layout']!r} not one of {LAYOUTS}")
        pathway = _need(inp, "pathway", w)
        if pathway not in PATHWAYS:
            raise ManifestError(f"{w}pathway: {pathway!r} not one of {PATHWAYS}")
        frames = _need(inp, "frames", w)
        if pathway == "slow":
            alpha = _need(inp, "alpha", w)
            if frames != len(slow_indices(t, alpha)):
                raise ManifestError(f"{w}frames: {frames} != clip.frames {t} // alpha {alpha}")
        elif frames != t:
            raise ManifestError(f"{w}frames: {frames} != clip.frames {t} for pathway {pathway}")
    pre = _need(m, "preprocessing", "")
    for key in ("short_side", "crop"):
        v = _need(pre, key, "preprocessing.")
        if not isinstance(v, int) or v < 1:
            raise ManifestError(f"preprocessing.{key}: must be a positive integer, got {v!r}")
    if pre["crop"] > pre["short_side"]:
        raise ManifestError(f"preprocessing.crop: {pre['crop']} > short_side {pre['short_side']}")
    if _need(pre, "resize", "preprocessing.") != "bilinear":
        raise ManifestError("preprocessing.resize: only 'bilinear' is defined")
    if _need(pre, "crop_mode", "preprocessing.") != "center":
        raise ManifestError("preprocessing.crop_mode: only 'center' is defined")
    for key in ("mean", "std"):
        v = _need(pre, key, "preprocessing.")
        if not (isinstance(v, list) and len(v) == 3):
            raise ManifestError(f"preprocessing.{key}: must list 3 values (one per channel)")
    if any(s <= 0 for s in pre["std"]):
        raise ManifestError("preprocessing.std: values must be > 0")
    if not _need(pre, "scale", "preprocessing.") > 0:
        raise ManifestError("preprocessing.scale: must be > 0")
    if _need(pre, "channel_order", "preprocessing.") not in CHANNEL_ORDERS:
        raise ManifestError(f"preprocessing.channel_order: not one of {CHANNEL_ORDERS}")
    if _need(m, "modality", "") != "rgb":
        raise ManifestError("modality: only 'rgb' is defined")
    out = _need(m, "output", "")
    _need(out, "name", "output.")
    if _need(out, "type", "output.") not in OUTPUT_TYPES:
        raise ManifestError(f"output.type: not one of {OUTPUT_TYPES}")
    classes = _need(out, "classes", "output.")
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
