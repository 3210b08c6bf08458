"""modelkit.export: ONNX + manifest + labels + golden pair, checkpoints, official manifests.

One x3d_xs export (about 4 s on two cores) is shared by most tests.
"""
import os

import numpy as np
import onnx
from onnx import numpy_helper
import pytest
import torch
import yaml

from modelkit import archs
from modelkit import export as ex
from modelkit.manifest import load_manifest, read_labels
from modelkit.preprocess import frames_to_inputs

ARCH = "x3d_xs"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("export") / ARCH)
    return ex.export(ARCH, out, seed=3)


def read_raw(golden_dir, entry):
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    return np.fromfile(os.path.join(golden_dir, entry["file"]), dtype=dtype).reshape(entry["shape"])


def golden(out):
    with open(os.path.join(out, "golden", "golden.yaml")) as f:
        return yaml.safe_load(f)


def within_tolerance(actual, expected, tol):
    return bool(np.all(np.abs(actual - expected) <= tol * np.maximum(1.0, np.abs(expected))))


def test_export_writes_a_valid_onnx_graph_with_only_a_dynamic_batch(exported):
    path = os.path.join(exported["out"], "model.onnx")
    onnx.checker.check_model(path)
    model = onnx.load(path)
    assert any(o.domain in ("", "ai.onnx") and o.version == 17 for o in model.opset_import)
    init = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in init]
    assert [i.name for i in inputs] == ["input"]
    dims = inputs[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch"
    assert [d.dim_value for d in dims[1:]] == [3, 4, 182, 182]
    assert [o.name for o in model.graph.output] == ["probabilities"]
    out_dims = model.graph.output[0].type.tensor_type.shape.dim
    assert out_dims[0].dim_param == "batch" and out_dims[1].dim_value == 400
    assert exported["graph"] == {"inputs": {"input": ["batch", 3, 4, 182, 182]}, "output": ["batch", 400]}


def test_export_writes_a_manifest_that_validates_with_its_labels(exported):
    m = load_manifest(os.path.join(exported["out"], "manifest.yaml"))
    assert m["onnx"] == "model.onnx" and m["labels"] == "labels.txt"
    assert m["output"] == {"name": "probabilities", "type": "probabilities", "classes": 400}
    assert m["source"]["arch"] == ARCH
    assert m["source"]["weights"].startswith("random (seed 3")
    assert m["source"]["parameters"] == 3_794_274
    assert m["source"]["torch"] == str(torch.__version__)
    labels = read_labels(os.path.join(exported["out"], "labels.txt"))
    assert len(labels) == 400 and labels[0] == "abseiling"


def test_golden_files_have_the_declared_shapes_and_sizes(exported):
    g = golden(exported["out"])
    assert g["format"] == "actionstream-golden/v1" and g["tolerance"] == 1e-4
    assert g["torch"] == str(torch.__version__)
    gdir = os.path.join(exported["out"], "golden")
    entries = [g["frames"], *g["inputs"], g["output"]]
    assert [e["file"] for e in entries] == ["frames.u8", "input-input.f32", "output.f32"]
    for e in entries:
        size = os.path.getsize(os.path.join(gdir, e["file"]))
        assert size == int(np.prod(e["shape"])) * np.dtype(e["dtype"]).itemsize, e["file"]
    assert g["frames"]["shape"] == [4, 240, 320, 3] and g["frames"]["dtype"] == "uint8"
    assert g["inputs"][0]["shape"] == [1, 3, 4, 182, 182]
    assert g["output"]["shape"] == [1, 400] and g["output"]["name"] == "probabilities"


def test_golden_inputs_are_the_reference_preprocessing_of_the_frames(exported):
    gdir = os.path.join(exported["out"], "golden")
    g = golden(exported["out"])
    frames = read_raw(gdir, g["frames"])
    assert frames.std() > 20, "the synthetic clip should have structure, not be flat"
    assert not np.array_equal(frames[0], frames[-1]), "the synthetic clip should move"
    m = load_manifest(os.path.join(exported["out"], "manifest.yaml"))
    (ref,) = frames_to_inputs(frames, m)
    np.testing.assert_array_equal(read_raw(gdir, g["inputs"][0]), ref.numpy())


def test_golden_output_equals_a_fresh_pytorch_run(exported):
    gdir = os.path.join(exported["out"], "golden")
    g = golden(exported["out"])
    x = torch.from_numpy(read_raw(gdir, g["inputs"][0]).copy())
    expected = read_raw(gdir, g["output"])
    # the same seed rebuilds the same random model
    spec = archs.get(ARCH)
    model = ex.build_model(spec, seed=3)
    assert ex.spread_random_weights(model, [x], 400, seed=3)
    with torch.no_grad():
        y = model(x).numpy()
    assert within_tolerance(y, expected, g["tolerance"])
    # a parity check at 1e-4 needs scores that differ by more than that
    assert expected.max() - expected.min() > 100 * g["tolerance"]
    assert float(expected.sum()) == pytest.approx(1.0, abs=1e-5)


def test_pyth_checkpoint_loads_strictly_and_reproduces_the_output(exported, tmp_path):
    ckpt = tmp_path / "X3D_XS.pyth"
    torch.save({"model_state": exported["model"].state_dict(), "epoch": 7}, ckpt)
    out = str(tmp_path / "from_ckpt")
    r = ex.export(ARCH, out, checkpoint=str(ckpt), seed=3)
    assert load_manifest(os.path.join(out, "manifest.yaml"))["source"]["weights"] == "X3D_XS.pyth"
    a = read_raw(os.path.join(out, "golden"), golden(out)["output"])
    b = read_raw(os.path.join(exported["out"], "golden"), golden(exported["out"])["output"])
    np.testing.assert_array_equal(a, b)
    assert torch.equal(r["output"], exported["output"])


def test_state_dict_checkpoints_and_bare_state_dicts_load(exported, tmp_path):
    sd = exported["model"].state_dict()
    for i, obj in enumerate(({"state_dict": sd}, sd)):
        path = tmp_path / f"c{i}.pt"
        torch.save(obj, path)
        loaded = ex.read_state_dict(str(path))
        assert list(loaded) == list(sd)
        ex.load_checkpoint(archs.get(ARCH).build(), str(path))


def test_checkpoint_that_does_not_fit_lists_missing_unexpected_and_mismatched_keys(exported, tmp_path, capsys):
    sd = dict(exported["model"].state_dict())
    sd["blocks.5.proj.renamed"] = sd.pop("blocks.5.proj.weight")
    del sd["blocks.1.res_blocks.0.branch1_conv.weight"]
    sd["blocks.0.norm.bias"] = torch.zeros(5)
    ckpt = tmp_path / "bad.pyth"
    torch.save({"model_state": sd}, ckpt)
    with pytest.raises(ex.CheckpointError) as err:
        ex.export(ARCH, str(tmp_path / "bad"), checkpoint=str(ckpt))
    msg = str(err.value)
    assert "missing keys (2)" in msg and "blocks.5.proj.weight" in msg
    assert "blocks.1.res_blocks.0.branch1_conv.weight" in msg
    assert "unexpected keys (1)" in msg and "blocks.5.proj.renamed" in msg
    assert "shape mismatches (1)" in msg and "blocks.0.norm.bias: checkpoint [5] != model [24]" in msg
    # the CLI exits non-zero with the same listing and writes nothing
    rc = ex.main(["--arch", ARCH, "--checkpoint", str(ckpt), "--out", str(tmp_path / "cli")])
    assert rc != 0
    assert "blocks.5.proj.renamed" in capsys.readouterr().err
    assert not (tmp_path / "cli").exists()


def test_in_memory_model_is_exported_without_touching_the_callers_module(exported, tmp_path):
    model = exported["model"]
    model.train()
    out = str(tmp_path / "mem")
    r = ex.export(ARCH, out, model=model, seed=3)
    assert model.training, "export must not switch the caller's module to eval"
    assert load_manifest(os.path.join(out, "manifest.yaml"))["source"]["weights"] == "in-memory model"
    assert torch.equal(r["output"], exported["output"])
    model.eval()


def test_unknown_arch_is_an_error(capsys, tmp_path):
    assert ex.main(["--arch", "nope", "--out", str(tmp_path)]) != 0
    assert "unknown architecture 'nope'" in capsys.readouterr().err


def test_official_manifests_validate(tmp_path):
    paths = ex.write_official_manifests(str(tmp_path))
    assert [os.path.basename(p) for p in paths] == [
        "x3d_xs.yaml", "x3d_s.yaml", "x3d_m.yaml", "slowfast_r50.yaml", "r3d_18.yaml", "mc3_18.yaml",
        "r2plus1d_18.yaml", "s3d.yaml", "c3d.yaml", "i3d.yaml", "t3d.yaml",
        "tsn_r50.yaml", "two_stream_rgb.yaml", "two_stream_flow.yaml", "hidden_two_stream.yaml"]
    for p in paths:
        m = load_manifest(p)
        assert m["onnx"] == f"../../models/{m['name']}/model.onnx"
        assert m["labels"] == "labels/kinetics400.txt"
    assert load_manifest(paths[3])["output"]["type"] == "logits"
    # torchvision's weight files are named for --checkpoint; our own families export random weights.
    r3d = load_manifest(paths[4])["source"]
    assert r3d["weights"].startswith("https://download.pytorch.org/models/r3d_18")
    assert "--checkpoint r3d_18-" in r3d["export"]
    assert load_manifest(paths[8])["source"]["export"] == "cd tools && python3 -m modelkit.export --arch c3d --out ../models/c3d"
    assert load_manifest(paths[0])["output"]["type"] == "probabilities"


def test_committed_config_manifests_are_generated(tmp_path):
    config = ex.default_config_dir()
    if not os.path.exists(os.path.join(config, "x3d_s.yaml")):
        pytest.skip("config/models not in this checkout")
    ex.write_official_manifests(str(tmp_path))
    for name in ("x3d_xs.yaml", "x3d_s.yaml", "x3d_m.yaml", "slowfast_r50.yaml", "labels/kinetics400.txt"):
        with open(os.path.join(config, name)) as a, open(tmp_path / name) as b:
            assert a.read() == b.read(), f"config/models/{name} is stale: run python3 -m modelkit.export --manifests-only"


REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def test_trivial_exports_a_tiny_onnx_graph_with_the_demo_contract(tmp_path):
    out = str(tmp_path / "trivial")
    r = ex.export("trivial", out, seed=0)
    assert r["graph"] == {"inputs": {"input": ["batch", 3, 8, 64, 64]}, "output": ["batch", 8]}
    assert r["onnx_bytes"] < 4096 and r["parameters"] == 32
    model = onnx.load(os.path.join(out, "model.onnx"))
    assert any(o.domain in ("", "ai.onnx") and o.version == 17 for o in model.opset_import)
    assert {n.op_type for n in model.graph.node} <= {"ReduceMean", "Gemm", "MatMul", "Add", "Flatten"}
    m = load_manifest(os.path.join(out, "manifest.yaml"))
    assert m["output"] == {"name": "logits", "type": "logits", "classes": 8}
    assert read_labels(os.path.join(out, "labels.txt"))[0] == "idle"
    out_f32 = read_raw(os.path.join(out, "golden"), golden(out)["output"])
    assert out_f32.shape == (1, 8) and out_f32.max() - out_f32.min() > 100 * 1e-4, "scores spread for parity"


def test_committed_trivial_model_is_its_seed_0_export(tmp_path):
    """models/trivial and config/models/trivial.yaml are what
    `modelkit.export --arch trivial --out ../models/trivial --config` writes."""
    committed = os.path.join(REPO, "models", "trivial")
    if not os.path.isdir(committed):
        pytest.skip("models/trivial not in this checkout")
    out = str(tmp_path / "trivial")
    assert ex.main(["--arch", "trivial", "--out", out, "--config", "--config-dir", str(tmp_path / "config")]) == 0
    for name in ("manifest.yaml", "labels.txt"):
        with open(os.path.join(committed, name)) as a, open(os.path.join(out, name)) as b:
            assert a.read() == b.read(), name
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(out, "model.onnx")).graph.initializer}
    kept = {i.name: numpy_helper.to_array(i)
            for i in onnx.load(os.path.join(committed, "model.onnx")).graph.initializer}
    assert weights.keys() == kept.keys()
    for k in weights:
        np.testing.assert_array_equal(weights[k], kept[k])
    with open(os.path.join(REPO, "config", "models", "trivial.yaml")) as a, open(tmp_path / "config" / "trivial.yaml") as b:
        fresh = yaml.safe_load(b)
        assert yaml.safe_load(a) == {**fresh, "onnx": "../../models/trivial/model.onnx",
                                     "labels": "../../models/trivial/labels.txt"}


def test_real_frames_golden_is_opencv_decoding_of_the_jpeg_files_and_the_model_on_it(tmp_path):
    import cv2
    import numpy as np
    from modelkit.preprocess import frames_to_inputs
    video = str(tmp_path / "clip.avi")
    w = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(ex.REAL_START + 12):
        frame = np.zeros((120, 160, 3), np.uint8)
        cv2.rectangle(frame, (5 + 3 * i, 40), (35 + 3 * i, 80), (40, 200, 90), -1)
        w.write(frame)
    w.release()
    out = str(tmp_path / "trivial")
    r = ex.export("trivial", out, seed=0, real_frames=video)
    real = os.path.join(out, "golden", "real")
    doc = r["real"]
    assert doc["jpeg"] == [f"frame-{t:03d}.jpg" for t in range(8)]
    assert doc["decoded"]["shape"] == [8, 120, 160, 3]
    decoded = np.fromfile(os.path.join(real, "decoded.u8"), np.uint8).reshape(8, 120, 160, 3)
    for t, name in enumerate(doc["jpeg"]):
        bgr = cv2.imdecode(np.fromfile(os.path.join(real, name), np.uint8), cv2.IMREAD_COLOR)
        assert np.array_equal(decoded[t], cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    manifest = load_manifest(os.path.join(out, "manifest.yaml"))
    with torch.no_grad():
        expected = r["model"](*frames_to_inputs(decoded, manifest)).numpy()
    got = np.fromfile(os.path.join(real, "output.f32"), "<f4").reshape(1, -1)
    assert np.array_equal(got, expected)


def test_real_frames_from_a_missing_video_is_a_clear_error(tmp_path):
    with pytest.raises(ex.ExportError, match="cannot open"):
        ex.export("trivial", str(tmp_path / "t"), real_frames=str(tmp_path / "none.avi"))
