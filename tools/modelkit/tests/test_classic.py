"""C3D, I3D and T3D (archs/classic.py): structure from their papers, shapes on the meta device,
and a real forward for the cheapest input sizes."""
import pytest
import torch
from torch import nn

from modelkit import archs
from modelkit.archs import classic
from modelkit.export import spec_manifest
from modelkit.manifest import validate
from modelkit.tests.test_archs import manifest_shapes, meta_forward, params


def test_c3d_has_eight_convolutions_five_pools_and_8192_features_at_16x112():
    m = classic.c3d()
    convs = [x for x in m.modules() if isinstance(x, nn.Conv3d)]
    pools = [x for x in m.modules() if isinstance(x, nn.MaxPool3d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 256, 512, 512, 512, 512]
    assert all(c.kernel_size == (3, 3, 3) for c in convs)
    assert len(pools) == 5 and pools[0].kernel_size == (1, 2, 2)
    assert m.classifier[1].in_features == 8192
    # 27.66 M in the convolutions, 50.34 M in fc6/fc7, 1.64 M in fc8 for 400 classes.
    assert params(m) == 79_634_576
    assert meta_forward(m.features, (1, 3, 16, 112, 112)).shape == (1, 512, 1, 4, 4)


def test_i3d_inflates_inception_v1():
    m = classic.i3d()
    mixed = [x for x in m.modules() if isinstance(x, classic.Inception3D)]
    assert [b.out_channels for b in mixed] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    stem = m.features[0][0]
    assert stem.kernel_size == (7, 7, 7) and stem.stride == (2, 2, 2)
    assert all(isinstance(x, nn.BatchNorm3d) for x in m.features[0] if not isinstance(x, (nn.Conv3d, nn.ReLU)))
    # Time / 8, space / 32 before the average pool.
    assert meta_forward(m.features, (1, 3, 32, 224, 224)).shape == (1, 1024, 4, 7, 7)


def test_t3d_is_a_3d_densenet_121_with_temporal_transition_layers():
    m = classic.t3d()
    ttls = [x for x in m.modules() if isinstance(x, classic.TemporalTransition)]
    assert len(ttls) == 3
    for t in ttls:
        assert [b.kernel_size[0] for b in t.branches] == [1, 3, 5]
        assert [b.kernel_size[1:] for b in t.branches] == [(1, 1), (3, 3), (3, 3)]
    assert [t.out_channels for t in ttls] == [128, 256, 512]
    assert sum(isinstance(x, classic.DenseLayer3D) for x in m.modules()) == 6 + 12 + 24 + 16
    assert m.fc.in_features == 1024
    assert meta_forward(m.features, (1, 3, 16, 112, 112)).shape == (1, 1024, 2, 3, 3)


@pytest.mark.parametrize("name", ["c3d", "i3d", "t3d"])
def test_classic_specs_give_valid_manifests(name):
    spec = archs.get(name)
    m = validate(spec_manifest(spec))
    assert m["output"]["classes"] == 400
    assert meta_forward(spec.build(), *manifest_shapes(spec)).shape == (1, 400)


def test_c3d_manifest_is_caffe_style():
    pre = validate(spec_manifest(archs.get("c3d")))["preprocessing"]
    assert pre["channel_order"] == "BGR" and pre["scale"] == 1.0
    assert pre["mean"] == [104.0, 117.0, 123.0] and pre["std"] == [1.0, 1.0, 1.0]


def test_t3d_computes_at_its_manifest_shape():
    spec = archs.get("t3d")
    torch.manual_seed(0)
    model = spec.build().eval()
    with torch.no_grad():
        y = model(*[torch.randn(s) for s in manifest_shapes(spec)])
    assert y.shape == (1, 400) and torch.isfinite(y).all()
