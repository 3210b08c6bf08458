"""Architectures: PyTorchVideo-compatible X3D / SlowFast, torchvision video models, registry, labels.

Heavy networks are shape-checked on the meta device (no compute); real forwards only for the
cheap ones. The state-dict contract is checked against a digest of PyTorchVideo's names and
shapes, and against the full reference JSON when /work/shared/reference is present.
"""
import hashlib
import json
import os

import pytest
import torch
from torch import nn

from modelkit import archs
from modelkit.archs import slowfast, tv, x3d
from modelkit.export import spec_manifest
from modelkit.labels import DEMO_LABELS, kinetics400, labels_for
from modelkit.manifest import validate

REFERENCE_DIR = "/work/shared/reference"
# sha256 over "name dim,dim,..." lines of PyTorchVideo's state dict, in its order.
X3D_DIGEST = "72d9b292a0dea37f3b1c05f144c2e0a3a63444fd73f9f0137214e5f29df03522"
SLOWFAST_DIGEST = "f8eb55e7b91f17cef1da75945caa5d66a290d00b588942f1c293522c94e5e1ad"
X3D_PARAMS = 3_794_274
SLOWFAST_PARAMS = 34_566_488
MINE = ["x3d_xs", "x3d_s", "x3d_m", "slowfast_r50", "r3d_18", "mc3_18", "r2plus1d_18", "s3d"]


def shapes(model):
    return {k: list(v.shape) for k, v in model.state_dict().items()}


def digest(sd_shapes):
    text = "\n".join(f"{k} {','.join(map(str, v))}" for k, v in sd_shapes.items())
    return hashlib.sha256(text.encode()).hexdigest()


def reference(name):
    path = os.path.join(REFERENCE_DIR, f"{name}.state_dict.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def assert_same_state_dict(got, ref):
    missing = [k for k in ref if k not in got]
    extra = [k for k in got if k not in ref]
    wrong = [f"{k}: {got[k]} != {ref[k]}" for k in ref if k in got and got[k] != ref[k]]
    assert not (missing or extra or wrong), f"missing {missing[:10]}, extra {extra[:10]}, shapes {wrong[:10]}"
    assert list(got) == list(ref), "same names, different order"


def params(model):
    return sum(p.numel() for p in model.parameters())


def meta_forward(model, *shapes_):
    """Forward on the meta device: shapes only, no compute. torch 1.13 has no meta kernel for
    max_pool3d, so max pools become average pools with the same geometry (same output shape)."""
    def swap(m):
        for name, child in m.named_children():
            if isinstance(child, nn.MaxPool3d):
                setattr(m, name, nn.AvgPool3d(child.kernel_size, child.stride, child.padding,
                                              ceil_mode=child.ceil_mode))
            else:
                swap(child)
    swap(model)
    model = model.eval().to("meta")
    with torch.no_grad():
        return model(*[torch.empty(s, device="meta") for s in shapes_])


def manifest_shapes(spec):
    """The batch-1 input shapes of the spec's manifest (NCHW inputs: K rows)."""
    from modelkit.export import batch1_shapes
    return batch1_shapes(spec)


def output_shape(spec):
    """The graph's output for one clip: K rows with average consensus, else 1."""
    from modelkit.manifest import output_rows
    return (output_rows(spec_manifest(spec)), spec.num_classes)


@pytest.mark.parametrize("builder", [x3d.x3d_xs, x3d.x3d_s, x3d.x3d_m])
def test_x3d_state_dict_has_pytorchvideo_names_and_shapes(builder):
    model = builder()
    got = shapes(model)
    assert len(got) == 563
    assert params(model) == X3D_PARAMS
    assert digest(got) == X3D_DIGEST
    ref = reference("x3d_s")
    if ref is not None:
        assert ref["parameters"] == X3D_PARAMS
        assert_same_state_dict(got, ref["state_dict"])


def test_slowfast_state_dict_has_pytorchvideo_names_and_shapes():
    model = slowfast.slowfast_r50()
    got = shapes(model)
    assert len(got) == 662
    assert params(model) == SLOWFAST_PARAMS
    assert digest(got) == SLOWFAST_DIGEST
    ref = reference("slowfast_r50")
    if ref is not None:
        assert ref["parameters"] == SLOWFAST_PARAMS
        assert_same_state_dict(got, ref["state_dict"])


def test_x3d_variants_differ_only_in_head_pool_kernel():
    assert x3d.x3d_xs().pool_kernel == (4, 5, 5)
    assert x3d.x3d_s().pool_kernel == (13, 5, 5)
    assert x3d.x3d_m().pool_kernel == (16, 7, 7)
    assert x3d.x3d_xs().blocks[5].pool.pool.kernel_size == (4, 5, 5)
    assert slowfast.slowfast_r50().pool_kernels == [(8, 7, 7), (32, 7, 7)]


def test_x3d_se_on_every_other_block_and_shortcut_norm_only_on_width_change():
    stage1 = x3d.x3d_xs().blocks[1].res_blocks
    assert isinstance(stage1[0].branch2.norm_b[1], x3d.SqueezeExcite)
    assert isinstance(stage1[1].branch2.norm_b[1], nn.Identity)
    assert isinstance(stage1[2].branch2.norm_b[1], x3d.SqueezeExcite)
    assert stage1[0].branch1_conv is not None and stage1[0].branch1_norm is None  # 24 -> 24, stride 2
    assert stage1[1].branch1_conv is None


def test_x3d_xs_outputs_probabilities_at_test_crop():
    torch.manual_seed(0)
    model = x3d.x3d_xs().eval()
    with torch.no_grad():
        y = model(torch.randn(1, 3, 4, 182, 182))
    assert y.shape == (1, 400)
    assert torch.all(y >= 0)
    assert float(y.sum()) == pytest.approx(1.0, abs=1e-5)


def test_x3d_head_can_output_logits():
    model = x3d.x3d_xs(head_activation=None).eval()
    with torch.no_grad():
        y = model(torch.randn(2, 3, 4, 160, 160))
    assert y.shape == (2, 400)
    assert float(y.sum(dim=1)[0]) != pytest.approx(1.0, abs=1e-3)


def test_x3d_runs_at_builder_crop_and_test_crop():
    for crop in (160, 182):
        assert meta_forward(x3d.x3d_s(), (2, 3, 13, crop, crop)).shape == (2, 400)
    # the temporal kernel fixes T: another frame count does not fit the head pool
    with pytest.raises(RuntimeError):
        meta_forward(x3d.x3d_s(), (1, 3, 12, 182, 182))


def test_slowfast_forward_takes_slow_and_fast_tensors():
    y = meta_forward(slowfast.slowfast_r50(), (2, 3, 8, 256, 256), (2, 3, 32, 256, 256))
    assert y.shape == (2, 400)


@pytest.mark.parametrize("name", MINE)
def test_arch_runs_at_its_manifest_input_shape(name):
    spec = archs.get(name)
    assert meta_forward(spec.build(), *manifest_shapes(spec)).shape == (1, spec.num_classes)


@pytest.mark.parametrize("name", ["x3d_xs", "mc3_18"])
def test_cheap_arch_computes_at_its_manifest_input_shape(name):
    spec = archs.get(name)
    torch.manual_seed(0)
    model = spec.build().eval()
    with torch.no_grad():
        y = model(*[torch.randn(s) for s in manifest_shapes(spec)])
    assert y.shape == (1, 400) and torch.isfinite(y).all()


@pytest.mark.parametrize("name", MINE)
def test_spec_gives_a_valid_manifest(name):
    spec = archs.get(name)
    m = validate(spec_manifest(spec))
    assert [i["name"] for i in m["inputs"]] == spec.input_names
    assert m["output"]["classes"] == 400


def test_spec_contracts():
    xs, s, m, sf = (archs.get(n) for n in ("x3d_xs", "x3d_s", "x3d_m", "slowfast_r50"))
    assert (xs.frames, xs.sampling_rate, xs.short_side, xs.crop) == (4, 12, 182, 182)
    assert (s.frames, s.sampling_rate, s.short_side, s.crop) == (13, 6, 182, 182)
    assert (m.frames, m.sampling_rate, m.short_side, m.crop) == (16, 5, 256, 256)
    assert (sf.frames, sf.sampling_rate, sf.short_side, sf.crop) == (32, 2, 256, 256)
    for spec in (xs, s, m):
        assert spec.output_type == "probabilities"
        assert tuple(spec.mean) == (0.45,) * 3 and tuple(spec.std) == (0.225,) * 3
    assert sf.output_type == "logits"
    assert [(i["name"], i["frames"], i["pathway"]) for i in sf.inputs] == [("slow", 8, "slow"), ("fast", 32, "fast")]
    assert sf.inputs[0]["alpha"] == 4
    for name in ("r3d_18", "mc3_18", "r2plus1d_18"):
        spec = archs.get(name)
        assert (spec.frames, spec.short_side, spec.crop, spec.reference_fps) == (16, 128, 112, 15.0)
        assert tuple(spec.mean) == (0.43216, 0.394666, 0.37645)
        assert tuple(spec.std) == (0.22803, 0.22145, 0.216989)
    assert (archs.get("s3d").short_side, archs.get("s3d").crop) == (256, 224)


def test_torchvision_contracts_match_torchvision_weights_meta():
    from torchvision.models.video import R3D_18_Weights, S3D_Weights
    t = R3D_18_Weights.KINETICS400_V1.transforms()
    spec = archs.get("r3d_18")
    assert list(t.crop_size) == [spec.crop] * 2 and min(t.resize_size) == spec.short_side
    assert tuple(t.mean) == tuple(spec.mean) and tuple(t.std) == tuple(spec.std)
    s = S3D_Weights.KINETICS400_V1
    assert list(s.transforms().crop_size) == [archs.get("s3d").crop] * 2
    assert archs.get("s3d").frames >= s.meta["min_temporal_size"]


def test_torchvision_parameter_counts_match_weights_meta():
    from torchvision.models.video import MC3_18_Weights, R2Plus1D_18_Weights, R3D_18_Weights, S3D_Weights
    for fn, w in ((tv.r3d_18, R3D_18_Weights), (tv.mc3_18, MC3_18_Weights),
                  (tv.r2plus1d_18, R2Plus1D_18_Weights), (tv.s3d, S3D_Weights)):
        assert params(fn()) == w.KINETICS400_V1.meta["num_params"]


def test_missing_torchvision_model_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no video model 'nope'"):
        tv._build("nope", 400)


def test_labels():
    k = kinetics400()
    assert len(k) == 400 and len(set(k)) == 400
    assert k == sorted(k) and k[0] == "abseiling"
    assert DEMO_LABELS == ["idle", "move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall"]
    assert labels_for(archs.get("x3d_s")) == k
    assert labels_for(archs.get("demo_x3d")) == DEMO_LABELS


@pytest.mark.parametrize("name", sorted(archs.ARCHS))
def test_every_registered_arch_gives_a_valid_manifest_and_runs_at_its_input_shape(name):
    spec = archs.get(name)
    m = validate(spec_manifest(spec))
    assert m["output"]["classes"] == spec.num_classes == len(labels_for(spec))
    assert meta_forward(spec.build(), *manifest_shapes(spec)).shape == output_shape(spec)


def test_trivial_has_the_demo_x3d_input_contract_and_next_to_no_compute():
    trivial, demo = archs.get("trivial"), archs.get("demo_x3d")
    for key in ("frames", "sampling_rate", "reference_fps", "short_side", "crop", "inputs", "num_classes",
                "labels", "mean", "std", "output_name", "output_type"):
        assert getattr(trivial, key) == getattr(demo, key), key
    torch.manual_seed(0)
    model = trivial.build().eval()
    assert params(model) == 3 * 8 + 8
    x = torch.randn(2, 3, 8, 64, 64)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, 8)
    # the output depends on the clip only through its per-channel mean
    expected = x.mean(dim=(2, 3, 4)) @ model.proj.weight.T + model.proj.bias
    torch.testing.assert_close(y, expected)
