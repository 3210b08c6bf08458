"""Export a model-kit architecture to ONNX with its manifest, labels and a golden test pair.

    cd tools && /usr/bin/python3 -m modelkit.export --arch x3d_s --out ../models/x3d_s
    cd tools && /usr/bin/python3 -m modelkit.export --arch x3d_s --checkpoint X3D_S.pyth --out ../models/x3d_s
    cd tools && /usr/bin/python3 -m modelkit.export --manifests-only      # config/models/*.yaml
    cd tools && /usr/bin/python3 -m modelkit.export --arch trivial --out ../models/trivial --config

Writes into --out:
  model.onnx       opset 17; input names from the ArchSpec, one output; only the batch axis is
                   dynamic (PyTorchVideo heads fix frames and crop in their pool kernels)
  manifest.yaml    the engine's model contract (modelkit.manifest), with a `source:` record
  labels.txt       one label per line, in output order
  model.fp16.onnx  with --fp16 only: the half-precision variant (modelkit.fp16), named in the
                   manifest's onnx_fp16
  golden/          frames.u8 (T x H x W x 3 uint8 RGB, a seeded synthetic clip), one
                   input-<name>.f32 per model input (modelkit.preprocess.frames_to_inputs; for
                   NCHW inputs the K x C*S x H x W rows of one clip, flow included) and
                   output.f32 (the PyTorch output, 1 x classes after the manifest's consensus:
                   the mean of the K segment rows for `average`), all little-endian C order, and
                   golden.yaml describing them; the engine's parity tests replay them.
With --config it also writes <config-dir>/<name>.yaml (default config/models), the same manifest
with paths relative to that directory, as the engine loads it.

Checkpoints: a dict with 'model_state' (PyTorchVideo / PySlowFast .pyth), a dict with
'state_dict', or a bare state dict; loaded with strict=True. Without one the weights are random,
seeded with --seed, with BatchNorm statistics drawn and the class scores scaled so that the golden
output is not flat (spread_random_weights). Training code exports an in-memory model with
export(name, out, model=m).
"""
from __future__ import annotations

import argparse
import copy
import inspect
import os
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import yaml
from torch import nn

from . import archs
from .labels import kinetics400, labels_for
from .manifest import (build_manifest, input_shape, output_rows, validate, write_config_manifest, write_labels,
                       write_manifest)
from .preprocess import consensus, frames_to_inputs

OPSET = 17
GOLDEN_FORMAT = "actionstream-golden/v1"
GOLDEN_TOLERANCE = 1e-4
GOLDEN_SIZE = (240, 320)   # H, W of the synthetic frames: exercises both resize and crop
BATCH_DIM = "batch"
TORCH_VERSION = str(torch.__version__)  # TorchVersion is a str subclass YAML cannot dump

# Where the official Kinetics-400 checkpoints live (pytorchvideo/models/hub/{x3d,slowfast}.py).
_ZOO = "https://dl.fbaipublicfiles.com/pytorchvideo/model_zoo/kinetics"
OFFICIAL_CHECKPOINTS = {
    "x3d_xs": f"{_ZOO}/X3D_XS.pyth",
    "x3d_s": f"{_ZOO}/X3D_S.pyth",
    "x3d_m": f"{_ZOO}/X3D_M.pyth",
    "slowfast_r50": f"{_ZOO}/SLOWFAST_8x8_R50.pyth",
}


class ExportError(RuntimeError):
    """The export cannot go on; the message says why."""


class CheckpointError(ExportError):
    """A checkpoint does not fit the architecture (names and shapes listed)."""


# ---- checkpoints ----------------------------------------------------------------------------

def _torch_load(path: str):
    kwargs: Dict[str, Any] = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = True   # tensors and plain containers only: no arbitrary pickles
    try:
        return torch.load(path, **kwargs)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path}: no such file") from None
    except Exception as e:  # unpickling errors differ between torch versions
        raise CheckpointError(
            f"checkpoint {path}: cannot read it as tensors only ({type(e).__name__}: {e}). "
            "Re-save it as a plain state dict: torch.save(model.state_dict(), path)") from e


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The state dict in a checkpoint file: ['model_state'], ['state_dict'] or the file itself."""
    obj = _torch_load(path)
    if isinstance(obj, dict) and "model_state" in obj:
        obj = obj["model_state"]
    elif isinstance(obj, dict) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"checkpoint {path}: no state dict (expected a dict of tensors, "
                              "or one under 'model_state' or 'state_dict')")
    return obj


def _listing(title: str, items: Sequence[str], limit: int = 40) -> str:
    shown = list(items[:limit])
    more = f"\n    ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"  {title} ({len(items)}):\n" + "".join(f"    {s}\n" for s in shown) + more


def check_state_dict(model: nn.Module, state: Dict[str, torch.Tensor], source: str = "checkpoint") -> None:
    """Raise CheckpointError listing missing keys, unexpected keys and shape mismatches."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [f"{k}: checkpoint {list(state[k].shape)} != model {list(own[k].shape)}"
                  for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if not (missing or unexpected or mismatched):
        return
    msg = f"{source} does not match the model:\n"
    if missing:
        msg += _listing("missing keys", missing)
    if unexpected:
        msg += _listing("unexpected keys", unexpected)
    if mismatched:
        msg += _listing("shape mismatches", mismatched)
    if unexpected and all(k.startswith("module.") for k in unexpected):
        msg += "  hint: keys start with 'module.' (saved from DataParallel); strip that prefix\n"
    raise CheckpointError(msg.rstrip("\n"))


def load_checkpoint(model: nn.Module, path: str) -> nn.Module:
    state = read_state_dict(path)
    check_state_dict(model, state, f"checkpoint {os.path.basename(path)}")
    model.load_state_dict(state, strict=True)
    return model


def build_model(spec: archs.ArchSpec, checkpoint: Optional[str] = None, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = spec.build()
    if checkpoint:
        load_checkpoint(model, checkpoint)
    return model.eval()


def _classifier(model: nn.Module, num_classes: int) -> Optional[nn.Module]:
    """The last Linear or 1x1(x1) conv with num_classes outputs: the class projection."""
    found = None
    for m in model.modules():
        if isinstance(m, nn.Linear) and m.out_features == num_classes:
            found = m
        elif (isinstance(m, (nn.Conv2d, nn.Conv3d)) and m.out_channels == num_classes
              and all(k == 1 for k in m.kernel_size)):
            found = m
    return found


def spread_random_weights(model: nn.Module, inputs: Sequence[torch.Tensor], num_classes: int, seed: int,
                          target_std: float = 2.0) -> bool:
    """Make a randomly initialised model useful for parity tests.

    Fresh initialisations give BatchNorm identity statistics and near-constant class scores
    (X3D's softmax output is ~1/400 everywhere), which a 1e-4 tolerance cannot tell apart.
    This draws BN statistics and affine terms around identity, then rescales the class
    projection so that its scores have a standard deviation of `target_std` over the classes
    on the given inputs. Returns False when no class projection was found.
    """
    g = torch.Generator().manual_seed(seed + 7919)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
                m.running_mean.normal_(0.0, 0.05, generator=g)
                m.running_var.uniform_(0.8, 1.25, generator=g)
                if m.affine:
                    m.weight.uniform_(0.8, 1.25, generator=g)
                    m.bias.normal_(0.0, 0.05, generator=g)
        clf = _classifier(model, num_classes)
        if clf is None:
            return False
        scores: List[torch.Tensor] = []
        hook = clf.register_forward_hook(lambda mod, args, out: scores.append(out.detach()))
        try:
            model(*inputs)
        finally:
            hook.remove()
        s = scores[-1]
        class_dim = s.dim() - 1 if isinstance(clf, nn.Linear) else 1
        std = float(s.std(dim=class_dim).mean())
        if std > 0:
            clf.weight.mul_(target_std / std)
            if clf.bias is not None:
                clf.bias.mul_(target_std / std)
    return True


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---- manifest -------------------------------------------------------------------------------

def spec_manifest(spec: archs.ArchSpec, onnx_file: str = "model.onnx", labels_file: str = "labels.txt",
                  source: Optional[Dict[str, Any]] = None, onnx_fp16_file: Optional[str] = None) -> Dict[str, Any]:
    return build_manifest(
        name=spec.name, family=spec.family, description=spec.description,
        frames=spec.frames, sampling_rate=spec.sampling_rate, reference_fps=spec.reference_fps,
        inputs=spec.inputs, short_side=spec.short_side, crop=spec.crop,
        mean=spec.mean, std=spec.std, scale=spec.scale, channel_order=spec.channel_order,
        labels_file=labels_file, num_classes=spec.num_classes,
        onnx_file=onnx_file, onnx_fp16_file=onnx_fp16_file, output_name=spec.output_name,
        output_type=spec.output_type, source=source,
        sampling=spec.sampling, segments=spec.segments, duration=spec.duration,
        modality=spec.modality, flow=spec.flow, consensus=spec.consensus)


def batch1_shapes(spec: archs.ArchSpec) -> List[Tuple[int, ...]]:
    """Per input, the shape of its batch-1 tensor (manifest.input_shape): 1 x C x T x H x W for
    NCTHW, K x C*S x H x W for NCHW (its first axis is N*K)."""
    m = spec_manifest(spec)
    return [tuple(input_shape(m, i)) for i in m["inputs"]]


def input_shapes(spec: archs.ArchSpec) -> List[Tuple[int, ...]]:
    """Per input, the fixed dimensions after the dynamic first axis: (C, T, H, W) for NCTHW
    (the first axis is the batch N), (C*S, H, W) for NCHW (the first axis is N*K)."""
    return [s[1:] for s in batch1_shapes(spec)]


# ---- golden clip ----------------------------------------------------------------------------

def synthetic_frames(count: int, height: int = GOLDEN_SIZE[0], width: int = GOLDEN_SIZE[1],
                     seed: int = 0) -> np.ndarray:
    """A seeded, structured clip (T x H x W x 3 uint8 RGB): drifting colour waves, a moving
    rectangle and a moving disc, plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=3)
    colours = rng.integers(30, 256, size=(2, 3)).astype(np.float32)
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    span = max(1, count - 1)
    for t in range(count):
        img = np.stack([
            127.5 + 100 * np.sin(2 * np.pi * (xx + 6 * t) / width + phase[0]),
            127.5 + 100 * np.sin(3 * np.pi * (yy - 4 * t) / height + phase[1]),
            127.5 + 100 * np.cos(4 * np.pi * (xx + yy + 5 * t) / (width + height) + phase[2]),
        ], axis=-1)
        x0, y0 = int((0.1 + 0.6 * t / span) * width), int(0.25 * height)
        img[y0:y0 + height // 4, x0:x0 + width // 6] = colours[0]
        cy, cx, r = (0.75 - 0.45 * t / span) * height, 0.6 * width, height / 10
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = colours[1]
        img += rng.normal(0.0, 8.0, size=img.shape)
        out[t] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return out


def _write_raw(array: np.ndarray, path: str, dtype: str) -> Dict[str, Any]:
    a = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    a.tofile(path)
    return {"file": os.path.basename(path), "dtype": np.dtype(dtype).name, "shape": [int(s) for s in a.shape]}


def write_golden(golden_dir: str, spec: archs.ArchSpec, frames: np.ndarray, inputs: Sequence[torch.Tensor],
                 output: torch.Tensor, seed: int) -> Dict[str, Any]:
    """golden/: the frames, the preprocessed batch-1 inputs (NCTHW 1 x C x T x H x W; NCHW
    K x C*S x H x W, flow inputs included) and `output`, the clip's 1 x classes scores after the
    manifest's consensus (what the engine compares its scores with)."""
    os.makedirs(golden_dir, exist_ok=True)
    frames_entry = _write_raw(frames, os.path.join(golden_dir, "frames.u8"), "uint8")
    frames_entry.update({"layout": "THWC", "channel_order": "RGB"})
    doc = {
        "format": GOLDEN_FORMAT,
        "model": spec.name,
        "description": "Seeded synthetic clip, its preprocessed model inputs (modelkit.preprocess) and the "
                       "PyTorch output. Raw files: little-endian, C order, no header.",
        "torch": TORCH_VERSION,
        "seed": int(seed),
        "tolerance": GOLDEN_TOLERANCE,
        "tolerance_rule": "|actual - expected| <= tolerance * max(1, |expected|), element-wise",
        "frames": frames_entry,
        "inputs": [],
        "output": None,
    }
    for inp, tensor in zip(spec.inputs, inputs):
        entry = _write_raw(tensor.detach().cpu().numpy(), os.path.join(golden_dir, f"input-{inp['name']}.f32"),
                           "float32")
        extra = {"modality": "flow", "flow": dict(spec.flow)} if spec.modality == "flow" else {}
        doc["inputs"].append({"name": inp["name"], "layout": inp["layout"], **entry, **extra})
    out_entry = _write_raw(output.detach().cpu().numpy(), os.path.join(golden_dir, "output.f32"), "float32")
    doc["output"] = {"name": spec.output_name, "type": spec.output_type, **out_entry}
    if spec.consensus != "none":
        doc["output"]["consensus"] = spec.consensus
        doc["output"]["note"] = (f"the mean of the graph's {spec.segments} rows (one per segment), "
                                 "before any softmax, as the engine reduces them")
    with open(os.path.join(golden_dir, "golden.yaml"), "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False, default_flow_style=None, width=100)
    return doc


# ---- ONNX -----------------------------------------------------------------------------------

def onnx_export(model: nn.Module, inputs: Sequence[torch.Tensor], path: str, spec: archs.ArchSpec) -> None:
    names = spec.input_names
    dynamic = {n: {0: BATCH_DIM} for n in names}
    dynamic[spec.output_name] = {0: BATCH_DIM}
    kwargs: Dict[str, Any] = dict(
        input_names=names, output_names=[spec.output_name], dynamic_axes=dynamic,
        opset_version=OPSET, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # PyTorch >= 2.5: keep the TorchScript exporter (dynamic_axes)
    with torch.no_grad():
        torch.onnx.export(model, tuple(inputs), path, **kwargs)


def _dims(value_info) -> List[Any]:
    out = []
    for d in value_info.type.tensor_type.shape.dim:
        out.append(d.dim_param if d.dim_param else (d.dim_value if d.HasField("dim_value") else None))
    return out


def check_onnx(path: str, spec: archs.ArchSpec, num_classes: int) -> Dict[str, Any]:
    """onnx.checker plus the graph contract: input/output names, fixed dims, dynamic batch only."""
    import onnx

    onnx.checker.check_model(path)
    graph = onnx.load(path, load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    graph_inputs = [i for i in graph.input if i.name not in initializers]
    got_names = [i.name for i in graph_inputs]
    if got_names != spec.input_names:
        raise ExportError(f"ONNX inputs {got_names} != manifest inputs {spec.input_names}")
    for vi, shape in zip(graph_inputs, input_shapes(spec)):
        dims = _dims(vi)
        if dims != [BATCH_DIM, *shape]:
            raise ExportError(f"ONNX input {vi.name} has shape {dims}, expected {[BATCH_DIM, *shape]}")
    outs = [o.name for o in graph.output]
    if outs != [spec.output_name]:
        raise ExportError(f"ONNX outputs {outs} != [{spec.output_name!r}]")
    dims = _dims(graph.output[0])
    if dims != [BATCH_DIM, num_classes]:
        raise ExportError(f"ONNX output {outs[0]} has shape {dims}, expected {[BATCH_DIM, num_classes]}")
    return {"inputs": {vi.name: _dims(vi) for vi in graph_inputs}, "output": dims}


# ---- export ---------------------------------------------------------------------------------

def export(spec_name: str, out_dir: str, checkpoint: Optional[str] = None, seed: int = 0,
           model: Optional[nn.Module] = None, weights: Optional[str] = None,
           golden_size: Tuple[int, int] = GOLDEN_SIZE, fp16: bool = False,
           real_frames: Optional[str] = None) -> Dict[str, Any]:
    """Export `spec_name` into out_dir (model.onnx, manifest.yaml, labels.txt, golden/).

    model: an already built (e.g. trained) module to export instead of building one; it is
    copied to the CPU in eval mode, the caller's module is left as it is. checkpoint: a file to
    load strictly into it (or into the freshly built model). weights: the text for
    manifest source.weights (default: the checkpoint's file name, "random (seed N)" or
    "in-memory model"). Random weights (no model, no checkpoint) get spread_random_weights().
    fp16: also write the half-precision variant (modelkit.fp16) and name it in onnx_fp16.
    real_frames: a video file; also write golden/real/ (write_real_golden) from its frames.
    Returns a summary: paths, sizes, timings, the golden output and the exported module.
    """
    spec = archs.get(spec_name)
    t0 = time.perf_counter()
    random_weights = model is None and not checkpoint
    if model is None:
        model = build_model(spec, checkpoint, seed)
        default_weights = os.path.basename(checkpoint) if checkpoint else f"random (seed {seed})"
    else:
        model = copy.deepcopy(model).cpu()
        if checkpoint:
            load_checkpoint(model, checkpoint)
        default_weights = os.path.basename(checkpoint) if checkpoint else "in-memory model"
    model.eval()
    labels = labels_for(spec)
    params = parameter_count(model)
    source = {"arch": spec.name, "weights": weights or default_weights, "torch": TORCH_VERSION,
              "parameters": params}
    if fp16:
        from .fp16 import Fp16Error, variant_name, write_variant  # onnx only where it is needed
    manifest = spec_manifest(spec, source=source, onnx_fp16_file=variant_name("model.onnx") if fp16 else None)
    validate(manifest)

    os.makedirs(out_dir, exist_ok=True)
    frames = synthetic_frames(spec.frames, golden_size[0], golden_size[1], seed=seed)
    inputs = frames_to_inputs(frames, manifest)
    for inp, tensor, shape in zip(spec.inputs, inputs, batch1_shapes(spec)):
        if tuple(tensor.shape) != tuple(shape):
            raise ExportError(f"preprocessed input {inp['name']} has shape {tuple(tensor.shape)}, "
                              f"expected {tuple(shape)}")
    if random_weights and spread_random_weights(model, inputs, len(labels), seed):
        source["weights"] = weights or f"random (seed {seed}; BN statistics drawn, class scores scaled for parity tests)"
        manifest["source"] = dict(source)
    t1 = time.perf_counter()
    with torch.no_grad():
        graph_output = model(*inputs)
    t_forward = time.perf_counter() - t1
    rows = output_rows(manifest)
    if graph_output.dim() != 2 or graph_output.shape[0] != rows or graph_output.shape[1] != len(labels):
        raise ExportError(f"model output has shape {tuple(graph_output.shape)}, expected ({rows}, {len(labels)}) "
                          f"for the {len(labels)} {spec.labels} labels")
    output = consensus(graph_output, manifest)   # 1 x classes: the clip's scores

    onnx_path = os.path.join(out_dir, manifest["onnx"])
    t2 = time.perf_counter()
    onnx_export(model, inputs, onnx_path, spec)
    t_onnx = time.perf_counter() - t2
    graph = check_onnx(onnx_path, spec, len(labels))
    half = None
    if fp16:
        t3 = time.perf_counter()
        try:
            half = write_variant(onnx_path, os.path.join(out_dir, manifest["onnx_fp16"]))
        except Fp16Error as e:
            raise ExportError(f"fp16 variant: {e}") from e
        check_onnx(half["dst"], spec, len(labels))
        half["convert_s"] = time.perf_counter() - t3

    write_labels(labels, os.path.join(out_dir, manifest["labels"]))
    weights_line = source["weights"]
    write_manifest(manifest, os.path.join(out_dir, "manifest.yaml"),
                   header=f"Exported by modelkit.export: {spec.name}, weights {weights_line}.")
    validate(manifest, out_dir)
    write_golden(os.path.join(out_dir, "golden"), spec, frames, inputs, output, seed)
    real = None
    if real_frames:
        real = write_real_golden(os.path.join(out_dir, "golden", REAL_DIR), spec, manifest, model, real_frames)
    return {
        "arch": spec.name, "out": out_dir, "onnx": onnx_path, "onnx_bytes": os.path.getsize(onnx_path),
        "parameters": params, "graph": graph, "forward_s": t_forward, "onnx_export_s": t_onnx,
        "total_s": time.perf_counter() - t0, "output": output, "graph_output": graph_output, "model": model, "fp16": half, "real": real,
    }


# ---- golden clip from real footage -----------------------------------------------------------

REAL_DIR = "real"
REAL_START = 40          # vtest.avi: people are walking by then
REAL_JPEG_QUALITY = 90


def write_real_golden(real_dir: str, spec: archs.ArchSpec, manifest: Dict[str, Any], model: nn.Module,
                      video: str) -> Dict[str, Any]:
    """golden/real/: T consecutive frames of `video` (from frame REAL_START) as JPEG files, the
    RGB frames OpenCV decodes from those bytes (decoded.u8, T x H x W x 3) and the PyTorch output
    on them. The engine decodes the same JPEG bytes with its own decoder: parity on real,
    compressed footage, decoder included, not only on raw synthetic frames."""
    import cv2  # Debian python3-opencv; only needed here
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise ExportError(f"--real-frames: cannot open {video}")
    try:
        cap.set(cv2.CAP_PROP_POS_FRAMES, REAL_START)
        raw = []
        while len(raw) < spec.frames:
            ok, bgr = cap.read()
            if not ok:
                break
            raw.append(bgr)
    finally:
        cap.release()
    if len(raw) < spec.frames:
        raise ExportError(f"--real-frames: {video} has fewer than {REAL_START + spec.frames} frames")
    os.makedirs(real_dir, exist_ok=True)
    files, decoded = [], []
    for t, bgr in enumerate(raw):
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, REAL_JPEG_QUALITY])
        if not ok:
            raise ExportError(f"--real-frames: JPEG encoding of frame {t} failed")
        name = f"frame-{t:03d}.jpg"
        buf.tofile(os.path.join(real_dir, name))
        files.append(name)
        decoded.append(cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
    frames = np.stack(decoded)
    inputs = frames_to_inputs(frames, manifest)
    with torch.no_grad():
        output = consensus(model(*inputs), manifest)
    frames_entry = _write_raw(frames, os.path.join(real_dir, "decoded.u8"), "uint8")
    frames_entry.update({"layout": "THWC", "channel_order": "RGB"})
    doc = {
        "format": GOLDEN_FORMAT + "+real",
        "model": spec.name,
        "description": f"Frames {REAL_START}..{REAL_START + spec.frames - 1} of {os.path.basename(video)}, "
                       f"JPEG-encoded at quality {REAL_JPEG_QUALITY} (files), decoded by OpenCV "
                       f"{cv2.__version__} (decoded.u8), and the PyTorch output on them.",
        "torch": TORCH_VERSION,
        "opencv": cv2.__version__,
        "tolerance": GOLDEN_TOLERANCE,
        "jpeg": files,
        "decoded": frames_entry,
        "output": {"name": spec.output_name, "type": spec.output_type,
                   **_write_raw(output.detach().cpu().numpy(), os.path.join(real_dir, "output.f32"), "float32")},
    }
    if manifest.get("modality", "rgb") == "flow":
        # The flow the reference computed from OpenCV's pixels: the engine computes its own from
        # its own decoding, and must get these values (Java flow against Python's OpenCV).
        doc["inputs"] = [
            {"name": inp["name"], **_write_raw(t.detach().cpu().numpy(),
                                                os.path.join(real_dir, f"input-{inp['name']}.f32"), "float32")}
            for inp, t in zip(manifest["inputs"], inputs)]
    with open(os.path.join(real_dir, "real.yaml"), "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False, default_flow_style=None, width=100)
    return doc


# ---- official manifests (config/models) -----------------------------------------------------

OFFICIAL = ("x3d_xs", "x3d_s", "x3d_m", "slowfast_r50", "r3d_18", "mc3_18", "r2plus1d_18", "s3d",
            "c3d", "i3d", "t3d", "tsn_r50", "two_stream_rgb", "two_stream_flow", "hidden_two_stream")


def torchvision_checkpoints() -> Dict[str, str]:
    """torchvision's Kinetics-400 weight files for its video models (from the weights enums, no
    network): `--checkpoint` loads them as they are, the names being torchvision's own."""
    from torchvision.models import video
    enums = {"r3d_18": "R3D_18_Weights", "mc3_18": "MC3_18_Weights", "r2plus1d_18": "R2Plus1D_18_Weights",
             "s3d": "S3D_Weights"}
    return {name: getattr(video, enum).KINETICS400_V1.url for name, enum in enums.items() if hasattr(video, enum)}


def default_config_dir() -> str:
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "models"))


def write_official_manifests(config_dir: Optional[str] = None, names: Sequence[str] = OFFICIAL) -> List[str]:
    """config/models/<arch>.yaml for the PyTorchVideo Kinetics-400 models, pointing at
    ../../models/<arch>/model.onnx (what `--out ../models/<arch>` from tools/ writes) and at the
    shared labels/kinetics400.txt."""
    config_dir = config_dir or default_config_dir()
    os.makedirs(os.path.join(config_dir, "labels"), exist_ok=True)
    write_labels(kinetics400(), os.path.join(config_dir, "labels", "kinetics400.txt"))
    written = []
    for name in names:
        spec = archs.get(name)
        torch.manual_seed(0)
        params = parameter_count(spec.build())
        ckpt = OFFICIAL_CHECKPOINTS.get(name) or torchvision_checkpoints().get(name)
        command = (f"cd tools && python3 -m modelkit.export --arch {name}"
                   + (f" --checkpoint {os.path.basename(ckpt)}" if ckpt else "") + f" --out ../models/{name}")
        source = {"arch": name, "weights": ckpt or "random", "parameters": params, "export": command}
        m = spec_manifest(spec, onnx_file=f"../../models/{name}/model.onnx",
                          labels_file="labels/kinetics400.txt", source=source)
        path = os.path.join(config_dir, f"{name}.yaml")
        write_manifest(m, path, header=f"Generated by `python3 -m modelkit.export --manifests-only`; do not edit.\n"
                                       f"Create the ONNX file with: {command}")
        validate(m, config_dir)
        written.append(path)
    return written


# ---- CLI ------------------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m modelkit.export", description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", help=f"architecture: {', '.join(sorted(archs.ARCHS))}")
    p.add_argument("--checkpoint", help="state dict file (.pyth/.pt); default: random weights")
    p.add_argument("--seed", type=int, default=0, help="seed for random weights and the golden clip (default 0)")
    p.add_argument("--out", help="output directory")
    p.add_argument("--fp16", action="store_true",
                   help="also write model.fp16.onnx (float16 inside, float32 inputs/outputs) and name it "
                        "in the manifest's onnx_fp16, for GPU providers with fp16: true")
    p.add_argument("--real-frames", metavar="VIDEO",
                   help="also write golden/real/: frames of VIDEO as JPEG files, OpenCV's decoding of them "
                        "and PyTorch's output, for parity on real footage")
    p.add_argument("--manifests-only", action="store_true",
                   help="write config/models/<arch>.yaml for the official architectures (OFFICIAL) and "
                        "labels/kinetics400.txt, no export")
    p.add_argument("--config", action="store_true",
                   help="also write <config-dir>/<name>.yaml pointing at --out, for the engine")
    p.add_argument("--config-dir", help="with --manifests-only or --config: target directory "
                                        "(default <repo>/config/models)")
    a = p.parse_args(argv)
    try:
        if a.manifests_only:
            for path in write_official_manifests(a.config_dir):
                print(f"wrote {path}")
            return 0
        if not a.arch or not a.out:
            p.error("--arch and --out are required (or --manifests-only)")
        try:
            archs.get(a.arch)
        except KeyError as e:
            raise ExportError(e.args[0]) from None
        r = export(a.arch, a.out, checkpoint=a.checkpoint, seed=a.seed, fp16=a.fp16, real_frames=a.real_frames)
        if a.config:
            seed = "" if a.checkpoint else f" --seed {a.seed}"
            config_path = write_config_manifest(
                a.out, a.config_dir or default_config_dir(),
                header=f"Written by `modelkit.export --arch {a.arch}{seed} --config`: the model in {{rel}}.")
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{r['arch']}: {r['parameters']:,} parameters, {r['onnx']} {r['onnx_bytes'] / 1e6:.1f} MB, "
          f"inputs {r['graph']['inputs']}, output {r['graph']['output']}; "
          f"forward {r['forward_s']:.1f}s, ONNX export {r['onnx_export_s']:.1f}s, total {r['total_s']:.1f}s")
    if a.config:
        print(f"wrote {config_path}")
    if r["fp16"]:
        h = r["fp16"]
        print(f"fp16 variant {h['dst']} {h['dst_bytes'] / 1e6:.1f} MB: {h['tensors']} tensors in float16, "
              f"{h['clipped']} values clipped to +-65504, {h['flushed']} flushed to zero")
    return 0


if __name__ == "__main__":
    sys.exit(main())
