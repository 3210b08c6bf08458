"""modelkit.fp16: half-precision variants with the float32 interface, named in the manifest.

Whether a variant computes what its float32 model computes is checked with ONNX Runtime, in Java
(Fp16VariantIT): Debian's onnx 1.12 has no reference evaluator and the kit has no ONNX Runtime."""
import os
import shutil

import numpy as np
import onnx
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper

from modelkit import export as ex
from modelkit import fp16
from modelkit.manifest import ManifestError, load_manifest, validate

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEMO_X3D = os.path.join(REPO, "models", "demo", "x3d")

def small_graph(scales_from_shape=False):
    """x float32 [1,3,6,6] -> Conv -> Relu -> Resize x2 -> GlobalAveragePool -> Flatten -> Gemm -> y [1,4].

    scales_from_shape: Resize's scales computed at run time (Shape -> Cast to float -> Div), as
    some exporters write them, instead of an initializer."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(0, 0.5, (5, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(rng.normal(0, 0.1, (5,)).astype(np.float32), "b"),
        numpy_helper.from_array(rng.normal(0, 0.5, (5, 4)).astype(np.float32), "fc"),
        numpy_helper.from_array(np.float32([1e6, -3.0, 2.5, 1e-9]), "fc_b"),  # one clipped, one flushed
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
    ]
    if scales_from_shape:
        # scales = shape / shape * [1, 1, 2, 2]: float values computed from the graph.
        inits.append(numpy_helper.from_array(np.float32([1, 1, 2, 2]), "k"))
        nodes += [
            helper.make_node("Shape", ["r"], ["shape"]),
            helper.make_node("Cast", ["shape"], ["shape_f"], to=TensorProto.FLOAT),
            helper.make_node("Div", ["shape_f", "shape_f"], ["ones"]),
            helper.make_node("Mul", ["ones", "k"], ["scales"]),
        ]
    else:
        inits.append(numpy_helper.from_array(np.float32([1, 1, 2, 2]), "scales"))
    nodes += [
        helper.make_node("Resize", ["r", "", "scales"], ["up"], mode="linear"),
        helper.make_node("GlobalAveragePool", ["up"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fc_b"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    return model


def float_initializers(model):
    return sorted(i.name for i in model.graph.initializer if i.data_type == TensorProto.FLOAT)


@pytest.mark.parametrize("scales_from_shape", [False, True])
def test_converted_graph_is_float16_inside_and_float32_at_its_interface(scales_from_shape):
    model = small_graph(scales_from_shape)

    half, stats = fp16.convert(model)

    onnx.checker.check_model(half, full_check=True)
    assert fp16.interface(half) == fp16.interface(model)
    assert fp16.interface(half)[0][1] == TensorProto.FLOAT
    # Only Resize's scales (float32 by the operator's schema) stay float32.
    assert float_initializers(half) == ([] if scales_from_shape else ["scales"])
    ops = [n.op_type for n in half.graph.node]
    assert ops[0] == "Cast" and ops[-1] == "Cast"
    assert (stats["clipped"], stats["flushed"]) == (1, 1)
    fc_b = numpy_helper.to_array(next(i for i in half.graph.initializer if i.name == "fc_b"))
    assert fc_b.dtype == np.float16 and fc_b[0] == np.float16(65504) and fc_b[3] == 0


def test_graph_with_control_flow_is_refused():
    body = helper.make_graph([], "b", [], [])
    graph = helper.make_graph(
        [helper.make_node("If", ["c"], [], then_branch=body, else_branch=body)], "g",
        [helper.make_tensor_value_info("c", TensorProto.BOOL, [])], [])
    with pytest.raises(fp16.Fp16Error, match="subgraph"):
        fp16.convert(helper.make_model(graph))


def test_variant_of_the_demo_model_is_named_in_its_manifest(tmp_path):
    model_dir = str(tmp_path / "x3d")
    shutil.copytree(DEMO_X3D, model_dir)
    with open(os.path.join(model_dir, "manifest.yaml")) as f:
        before = f.read()

    r = fp16.add_variant(model_dir)

    m = load_manifest(os.path.join(model_dir, "manifest.yaml"))
    assert m["onnx_fp16"] == "model.fp16.onnx"
    assert list(m)[list(m).index("onnx") + 1] == "onnx_fp16"
    after = open(os.path.join(model_dir, "manifest.yaml")).read()
    header = [line for line in before.splitlines() if line.startswith("#")]
    assert after.splitlines()[:len(header)] == header
    half = onnx.load(os.path.join(model_dir, "model.fp16.onnx"))
    onnx.checker.check_model(half, full_check=True)
    assert float_initializers(half) == []
    assert fp16.interface(half) == fp16.interface(onnx.load(os.path.join(model_dir, "model.onnx")))
    # Half the bytes, give or take the graph itself.
    assert 0.4 < r["dst_bytes"] / r["src_bytes"] < 0.6
    # Running it again replaces the variant, it does not stack a second field.
    fp16.add_variant(model_dir)
    assert open(os.path.join(model_dir, "manifest.yaml")).read().count("onnx_fp16") == 1


def test_export_with_fp16_writes_and_names_the_variant(tmp_path):
    out = str(tmp_path / "demo")

    r = ex.export("demo_x3d", out, seed=1, fp16=True)

    m = load_manifest(os.path.join(out, "manifest.yaml"))
    assert m["onnx_fp16"] == "model.fp16.onnx"
    assert os.path.isfile(os.path.join(out, "model.fp16.onnx"))
    assert r["fp16"]["tensors"] > 0
    assert float_initializers(onnx.load(os.path.join(out, "model.fp16.onnx"))) == []


def test_export_cli_takes_fp16(tmp_path, capsys):
    out = str(tmp_path / "demo")
    assert ex.main(["--arch", "demo_x3d", "--out", out, "--fp16"]) == 0
    assert "fp16 variant" in capsys.readouterr().out
    with open(os.path.join(out, "manifest.yaml")) as f:
        assert yaml.safe_load(f)["onnx_fp16"] == "model.fp16.onnx"


def test_fp16_cli_reports_a_missing_manifest(tmp_path, capsys):
    assert fp16.main([str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("value, reason", [
    ("", "onnx_fp16: must be a non-empty string"),
    (3, "onnx_fp16: must be a non-empty string"),
    ("./model.onnx", "onnx_fp16: './model.onnx' is the float32 model (onnx)"),
])
def test_manifest_refuses_a_bad_onnx_fp16(value, reason):
    m = yaml.safe_load(open(os.path.join(DEMO_X3D, "manifest.yaml")))
    m["onnx_fp16"] = value
    with pytest.raises(ManifestError) as e:
        validate(m)
    assert str(e.value).startswith(reason)
