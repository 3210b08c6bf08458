"""Half-precision (fp16) variants of exported models, for the engine's GPU providers.

    cd tools && /usr/bin/python3 -m modelkit.fp16 ../models/demo/x3d     # writes model.fp16.onnx, names it in manifest.yaml
    cd tools && /usr/bin/python3 -m modelkit.export --arch x3d_s --out ../models/x3d_s --fp16   # the same, at export

The variant computes in float16 end to end (weights, constants, activations) but keeps the
float32 model's interface: a Cast to float16 follows each float32 input and a Cast back to float32
precedes each float32 output, so the engine builds and reads exactly the same tensors for both.
The manifest names it in `onnx_fp16`; a topology with `provider: cuda` and `fp16: true` runs it.

The conversion works on the ONNX graph (the `onnx` package only): PyTorch 1.13 cannot trace these
models in half precision on a CPU ("slow_conv3d" has no Half kernel there), and
onnxconverter-common is not a dependency of the kit.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
import onnx
import yaml
from onnx import TensorProto, helper, numpy_helper

from .manifest import ManifestError, validate

FP16_MAX = float(np.finfo(np.float16).max)        # 65504
FP16_TINY = float(np.finfo(np.float16).smallest_subnormal)

# Node inputs the ONNX operator schemas type as float32 whatever the data type: they stay
# float32 (op type -> input indices). Resize's scales, Upsample's scales.
FLOAT32_ONLY_INPUTS: Dict[str, Set[int]] = {"Resize": {2}, "Upsample": {1}}

SUFFIX = ".fp16.onnx"


class Fp16Error(RuntimeError):
    """The model cannot be converted; the message says why."""


def variant_name(onnx_file: str) -> str:
    """model.onnx -> model.fp16.onnx (same directory)."""
    stem = onnx_file[:-len(".onnx")] if onnx_file.endswith(".onnx") else onnx_file
    return stem + SUFFIX


def _to_fp16(array: np.ndarray, stats: Dict[str, int]) -> np.ndarray:
    a = np.asarray(array, dtype=np.float32)
    finite = np.isfinite(a)
    stats["clipped"] += int(np.count_nonzero(finite & (np.abs(a) > FP16_MAX)))
    stats["flushed"] += int(np.count_nonzero((a != 0) & (np.abs(a) < FP16_TINY)))
    return np.clip(a, -FP16_MAX, FP16_MAX).astype(np.float16)


def _tensor_fp16(t: TensorProto, stats: Dict[str, int]) -> TensorProto:
    out = numpy_helper.from_array(_to_fp16(numpy_helper.to_array(t), stats), name=t.name)
    out.doc_string = t.doc_string
    return out


def _float32_only(graph: onnx.GraphProto) -> Set[str]:
    """Names of the tensors that feed a float32-only input somewhere."""
    names: Set[str] = set()
    for node in graph.node:
        for i in FLOAT32_ONLY_INPUTS.get(node.op_type, ()):
            if i < len(node.input) and node.input[i]:
                names.add(node.input[i])
    return names


def _rename_uses(graph: onnx.GraphProto, old: str, new: str) -> None:
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new


def convert(model: onnx.ModelProto) -> Tuple[onnx.ModelProto, Dict[str, int]]:
    """A float16 copy of `model` with float32 inputs and outputs; returns it and counts:
    converted initializers and constants, values clipped to +-65504, values flushed to zero."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for node in graph.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise Fp16Error(f"node {node.name or node.op_type} ({node.op_type}) has a subgraph; "
                            "control flow is not converted")
    stats = {"tensors": 0, "clipped": 0, "flushed": 0}
    keep32 = _float32_only(graph)

    # Weights and constants.
    for i, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT and init.name not in keep32:
            graph.initializer[i].CopyFrom(_tensor_fp16(init, stats))
            stats["tensors"] += 1
    for node in graph.node:
        if node.op_type in ("Constant", "ConstantOfShape"):
            if any(o in keep32 for o in node.output):
                continue
            for attr in node.attribute:
                if attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                    attr.t.CopyFrom(_tensor_fp16(attr.t, stats))
                    stats["tensors"] += 1
                elif attr.name in ("value_float", "value_floats"):
                    raise Fp16Error(f"Constant {node.name}: {attr.name} is not converted; "
                                    "export with do_constant_folding")
        elif node.op_type == "Cast":
            # Internal casts to float32 (e.g. of a shape) now land in float16 like the rest.
            for attr in node.attribute:
                if attr.name == "to" and attr.i == TensorProto.FLOAT:
                    attr.i = TensorProto.FLOAT16

    # Float32-only inputs fed by computed (now float16) values get a Cast back to float32.
    extra: List[Tuple[int, onnx.NodeProto]] = []
    init_names = {i.name for i in graph.initializer}
    for idx, node in enumerate(graph.node):
        for i in FLOAT32_ONLY_INPUTS.get(node.op_type, ()):
            name = node.input[i] if i < len(node.input) else ""
            if not name or name in init_names:
                continue
            cast_out = f"{name}__to_fp32_{idx}"
            extra.append((idx, helper.make_node("Cast", [name], [cast_out], to=TensorProto.FLOAT,
                                                name=f"{cast_out}_cast")))
            node.input[i] = cast_out
    for idx, cast in reversed(extra):
        graph.node.insert(idx, cast)

    # The interface stays float32: Cast after each input, Cast before each output.
    head: List[onnx.NodeProto] = []
    for inp in graph.input:
        if inp.name in init_names or inp.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        half = f"{inp.name}__fp16"
        _rename_uses(graph, inp.name, half)
        head.append(helper.make_node("Cast", [inp.name], [half], to=TensorProto.FLOAT16,
                                     name=f"{inp.name}__cast_fp16"))
    for n in reversed(head):
        graph.node.insert(0, n)
    for out in graph.output:
        if out.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        half = f"{out.name}__fp16"
        for node in graph.node:
            for i, name in enumerate(node.output):
                if name == out.name:
                    node.output[i] = half
        _rename_uses(graph, out.name, half)
        graph.node.append(helper.make_node("Cast", [half], [out.name], to=TensorProto.FLOAT,
                                           name=f"{out.name}__cast_fp32"))

    # Intermediate types changed: let shape inference recompute them, then check types strictly.
    del graph.value_info[:]
    model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    meta = {p.key: p for p in model.metadata_props}
    if "actionstream.precision" not in meta:
        model.metadata_props.add(key="actionstream.precision", value="fp16")
    return model, stats


def interface(model: onnx.ModelProto) -> List[Tuple[str, int, List[Any]]]:
    """(name, elem type, dims) of the graph inputs (initializers excluded) and outputs."""
    init = {i.name for i in model.graph.initializer}
    out = []
    for vi in [*[i for i in model.graph.input if i.name not in init], *model.graph.output]:
        t = vi.type.tensor_type
        dims = [d.dim_param or d.dim_value for d in t.shape.dim]
        out.append((vi.name, t.elem_type, dims))
    return out


def write_variant(src: str, dst: str) -> Dict[str, Any]:
    """Convert the ONNX file `src` into `dst`, check it (onnx.checker, strict types, the same
    interface as `src`), and return the counts with the file sizes."""
    model = onnx.load(src)
    half, stats = convert(model)
    if interface(half) != interface(model):
        raise Fp16Error(f"fp16 interface {interface(half)} != float32 interface {interface(model)}")
    tmp = dst + ".tmp"
    onnx.save(half, tmp)
    try:
        onnx.checker.check_model(tmp, full_check=True)
    except Exception:
        os.remove(tmp)
        raise
    os.replace(tmp, dst)
    return {**stats, "src": src, "dst": dst, "src_bytes": os.path.getsize(src), "dst_bytes": os.path.getsize(dst)}


def with_fp16(manifest: Dict[str, Any], onnx_fp16: str) -> Dict[str, Any]:
    """The manifest with `onnx_fp16` right after `onnx` (the documented field order)."""
    out: Dict[str, Any] = {}
    for k, v in manifest.items():
        if k == "onnx_fp16":
            continue
        out[k] = v
        if k == "onnx":
            out["onnx_fp16"] = onnx_fp16
    return out


def add_variant(model_dir: str, manifest_name: str = "manifest.yaml") -> Dict[str, Any]:
    """Write the fp16 variant of the model in `model_dir` and name it in its manifest (comment
    lines at the top of the manifest are kept)."""
    path = os.path.join(model_dir, manifest_name)
    with open(path) as f:
        text = f.read()
    m = yaml.safe_load(text)
    validate(m, model_dir)
    rel = variant_name(m["onnx"])
    result = write_variant(os.path.join(model_dir, m["onnx"]), os.path.join(model_dir, rel))
    m = validate(with_fp16(m, rel), model_dir)
    # The leading comment block (what wrote the manifest); YAML drops comments anywhere else.
    header = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header += line + "\n"
    body = yaml.safe_dump(m, sort_keys=False, default_flow_style=None, width=100)
    with open(path + ".tmp", "w") as f:
        f.write(header + body)
    os.replace(path + ".tmp", path)
    return {**result, "manifest": path, "onnx_fp16": rel}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m modelkit.fp16", description=__doc__.split("\n\n")[0])
    p.add_argument("model_dir", help="directory with manifest.yaml and the float32 ONNX file it names")
    p.add_argument("--manifest", default="manifest.yaml", help="manifest file name in MODEL_DIR")
    a = p.parse_args(argv)
    try:
        r = add_variant(a.model_dir, a.manifest)
    except (Fp16Error, ManifestError, OSError, onnx.checker.ValidationError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{r['dst']}: {r['dst_bytes'] / 1e6:.2f} MB (float32 {r['src_bytes'] / 1e6:.2f} MB), "
          f"{r['tensors']} tensors in float16, {r['clipped']} values clipped to +-65504, "
          f"{r['flushed']} flushed to zero; {r['manifest']} names it in onnx_fp16")
    return 0


if __name__ == "__main__":
    sys.exit(main())
