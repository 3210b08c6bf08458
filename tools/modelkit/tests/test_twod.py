"""2D networks (MANIFEST.md, "2D networks"): segment sampling, NCHW inputs, optical-flow inputs,
average consensus, their manifests' validation, the TSN / Two-stream / Hidden two-stream
architectures and small exports of each kind."""
import copy
import os

import numpy as np
import pytest
import torch
import yaml

from modelkit import archs
from modelkit import export as ex
from modelkit import flow as flowmod
from modelkit.archs import twod
from modelkit.manifest import (ManifestError, build_manifest, clip_sample_times, input_shape, load_manifest,
                               nchw_input, output_rows, sample_times, single_input, validate)
from modelkit.preprocess import (build_inputs, consensus, encode_flow, frames_to_inputs, gray_frames,
                                 preprocess_frames, raw_flow, resized_size, to_nchw)
from modelkit.tests.test_archs import meta_forward, params

KINETICS = "labels/kinetics400.txt"


def manifest(**kw):
    base = dict(name="m", family="f", frames=6, sampling_rate=2, reference_fps=30.0,
                inputs=[nchw_input("input", 6)], short_side=40, crop=32, mean=(0.5, 0.5, 0.5),
                std=(0.25, 0.25, 0.25), labels_file="labels.txt", num_classes=5,
                sampling="segments", segments=3, duration=1.5)
    base.update(kw)
    return build_manifest(**base)


def flow_manifest(**kw):
    base = dict(mean=(128.0, 128.0), std=(128.0, 128.0), scale=1.0, modality="flow",
                flow={"method": "farneback", "bound": 20.0, "encoding": "quantized"})
    base.update(kw)
    return manifest(**base)


# ---- manifest: fields and validation ---------------------------------------------------------

def test_defaults_are_not_written_so_3d_manifests_stay_as_they_were():
    m = build_manifest(name="m", family="f", frames=8, sampling_rate=2, reference_fps=30.0,
                       inputs=[single_input("input", 8)], short_side=64, crop=64, mean=(0.45,) * 3,
                       std=(0.225,) * 3, labels_file="l.txt", num_classes=3)
    assert list(m["clip"]) == ["frames", "sampling_rate", "reference_fps", "duration"]
    assert "flow" not in m and "consensus" not in m["output"] and m["modality"] == "rgb"
    validate(m)


def test_new_fields_are_written_in_order_and_validate():
    m = validate(flow_manifest(consensus="average"))
    assert m["clip"] == {"frames": 6, "sampling_rate": 2.0, "reference_fps": 30.0, "duration": 1.5,
                         "sampling": "segments", "segments": 3}
    assert m["flow"] == {"method": "farneback", "bound": 20.0, "encoding": "quantized"}
    assert m["output"]["consensus"] == "average"
    assert list(m).index("flow") == list(m).index("modality") + 1


def broken(m, path, value):
    m = copy.deepcopy(m)
    d = m
    for k in path[:-1]:
        d = d[k]
    if value is KeyError:
        del d[path[-1]]
    else:
        d[path[-1]] = value
    return m


@pytest.mark.parametrize("base,path,value,message", [
    ("rgb", ("clip", "sampling"), "random", "clip.sampling: 'random' not one of"),
    ("rgb", ("clip", "segments"), KeyError, "clip.segments: missing"),
    ("rgb", ("clip", "segments"), 4, "clip.segments: 4 does not divide clip.frames 6"),
    ("rgb", ("clip", "segments"), 0, "clip.segments: must be a positive integer"),
    ("rgb", ("clip", "segments"), 1.5, "clip.segments: must be a positive integer"),
    ("rgb", ("clip", "duration"), 0.3, "clip.duration: 0.3 < frames*sampling_rate/reference_fps = 0.4"),
    ("rgb", ("clip", "duration"), -1.0, "clip.duration: must be > 0"),
    ("rgb", ("inputs", 0, "layout"), "NHWC", "inputs[0].layout: 'NHWC' not one of"),
    ("rgb", ("inputs", 0, "pathway"), "fast", "inputs[0].pathway: NCHW inputs take the whole clip"),
    ("rgb", ("inputs", 0, "frames"), 3, "inputs[0].frames: 3 != clip.frames 6"),
    ("rgb", ("modality",), "depth", "modality: 'depth' not one of"),
    ("rgb", ("flow",), {"method": "farneback", "bound": 20, "encoding": "raw"}, "flow: only with modality: flow"),
    ("rgb", ("preprocessing", "mean"), [0.5, 0.5], "preprocessing.mean: must list 3 numbers"),
    ("rgb", ("output", "consensus"), "max", "output.consensus: 'max' not one of"),
    ("flow", ("flow",), KeyError, "flow: missing"),
    ("flow", ("flow",), "farneback", "flow: must be a mapping"),
    ("flow", ("flow", "method"), "brox", "flow.method: 'brox' not one of"),
    ("flow", ("flow", "method"), KeyError, "flow.method: missing"),
    ("flow", ("flow", "bound"), 0, "flow.bound: must be a number > 0"),
    ("flow", ("flow", "bound"), -3.0, "flow.bound: must be a number > 0"),
    ("flow", ("flow", "bound"), "20", "flow.bound: must be a number > 0"),
    ("flow", ("flow", "bound"), True, "flow.bound: must be a number > 0"),
    ("flow", ("flow", "encoding"), "jpeg", "flow.encoding: 'jpeg' not one of"),
    ("flow", ("flow", "scale"), 2, "flow.scale: unknown field"),
    ("flow", ("preprocessing", "mean"), [128.0, 128.0, 128.0], "preprocessing.mean: must list 2 numbers"),
    ("flow", ("preprocessing", "std"), [128.0], "preprocessing.std: must list 2 numbers"),
    ("flow", ("inputs", 0, "layout"), "NCTHW", "inputs[0].layout: modality flow needs NCHW"),
])
def test_validation_names_the_field(base, path, value, message):
    m = manifest() if base == "rgb" else flow_manifest()
    validate(m)
    with pytest.raises(ManifestError) as err:
        validate(broken(m, path, value))
    assert str(err.value).startswith(message), str(err.value)


def test_validation_of_combinations():
    # segments only with segment sampling; uniform keeps D = T tau / fps; flow needs 2 frames a segment
    m = manifest(sampling="uniform", segments=None, duration=None)
    validate(m)
    with pytest.raises(ManifestError, match=r"^clip.segments: only with clip.sampling: segments"):
        validate(broken(m, ("clip", "segments"), 1))
    with pytest.raises(ManifestError, match=r"^clip.duration: 1.5 != frames\*sampling_rate"):
        validate(broken(m, ("clip", "duration"), 1.5))
    with pytest.raises(ManifestError, match=r"^clip.frames: flow needs at least 2 frames per segment"):
        validate(flow_manifest(segments=6))
    # average consensus needs a row per segment
    m3 = manifest(inputs=[single_input("input", 6)], consensus="average")
    with pytest.raises(ManifestError, match=r"^output.consensus: average needs one row per segment"):
        validate(m3)
    validate(manifest(inputs=[single_input("input", 6)]))   # NCTHW with segment sampling is fine
    # D may equal the frames' span exactly (two_stream_flow: 11 frames at 25 fps, 0.44 s)
    validate(manifest(frames=11, inputs=[nchw_input("input", 11)], sampling_rate=1, reference_fps=25.0,
                      segments=1, duration=0.44))


def test_new_manifests_round_trip_through_yaml(tmp_path):
    from modelkit.manifest import write_labels, write_manifest
    m = flow_manifest(consensus="average", num_classes=2)
    write_labels(["a", "b"], str(tmp_path / "labels.txt"))
    write_manifest(m, str(tmp_path / "manifest.yaml"))
    assert load_manifest(str(tmp_path / "manifest.yaml")) == m


# ---- segment sample times --------------------------------------------------------------------

def test_segment_sample_times_by_hand():
    # T 6, K 3 (L 2), D 1.5 s, tau 2 at 30 fps: spacing 1/15 s; segments 0.5 s long, centres at
    # end - 1.25, end - 0.75, end - 0.25; their 2 frames at centre -+ 1/30.
    t = sample_times(10.0, 1.5, 6, segments=3, spacing=2 / 30)
    expected = [8.75 - 1 / 30, 8.75 + 1 / 30, 9.25 - 1 / 30, 9.25 + 1 / 30, 9.75 - 1 / 30, 9.75 + 1 / 30]
    np.testing.assert_allclose(t, expected, rtol=0, atol=1e-12)
    assert clip_sample_times(10.0, manifest()["clip"]) == t
    np.testing.assert_allclose(clip_sample_times(10000.0, manifest()["clip"], unit=1000.0),
                               np.array(t) * 1000.0, atol=1e-9)


def test_tsn_takes_the_segment_centres_and_uniform_is_unchanged():
    t = sample_times(2.0, 2.0, 8, segments=8, spacing=1 / 30)
    np.testing.assert_allclose(t, [0.125 + 0.25 * g for g in range(8)], atol=1e-12)
    assert sample_times(1.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    uniform = build_manifest(name="m", family="f", frames=5, sampling_rate=6, reference_fps=30.0,
                             inputs=[single_input("input", 5)], short_side=8, crop=8, mean=(0,) * 3,
                             std=(1,) * 3, labels_file="l", num_classes=2)
    assert clip_sample_times(1.0, uniform["clip"]) == sample_times(1.0, 1.0, 5)


def test_two_stream_window_holds_the_eleven_flow_frames_at_25_fps():
    clip = ex.spec_manifest(archs.get("two_stream_flow"))["clip"]
    t = clip_sample_times(0.44, clip)
    np.testing.assert_allclose(t, [0.02 + 0.04 * j for j in range(11)], atol=1e-12)
    assert clip_sample_times(0.44, ex.spec_manifest(archs.get("two_stream_rgb"))["clip"]) == [0.22]
    with pytest.raises(ManifestError, match="clip.segments"):
        sample_times(1.0, 1.0, 6, segments=4, spacing=0.1)


# ---- NCHW layout -----------------------------------------------------------------------------

def test_nchw_layout_by_hand():
    # C 3, T 4, K 2 (L 2), 1x1 pixels, value = 100*c + t: row g, channel j*3 + c = clip[c, 2g + j].
    clip = torch.tensor([[100.0 * c + t for t in range(4)] for c in range(3)]).view(3, 4, 1, 1)
    x = to_nchw(clip.unsqueeze(0), 2)
    assert x.shape == (2, 6, 1, 1)
    assert x[:, :, 0, 0].tolist() == [[0, 100, 200, 1, 101, 201], [2, 102, 202, 3, 103, 203]]
    # two clips: clip n's segment g is row n*K + g
    two = to_nchw(torch.stack([clip, clip + 1000]), 2)
    assert two[:, 0, 0, 0].tolist() == [0, 2, 1000, 1002]


def test_rgb_nchw_inputs_are_the_float_pipeline_rearranged():
    m = validate(manifest())
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (6, 48, 64, 3), dtype=np.uint8)
    (x,) = frames_to_inputs(frames, m)
    assert tuple(x.shape) == input_shape(m, m["inputs"][0]) == (3, 6, 32, 32)
    clip = preprocess_frames(frames, m["preprocessing"])       # C x T x H x W
    for g in range(3):
        for j in range(2):
            for c in range(3):
                assert torch.equal(x[g, j * 3 + c], clip[c, g * 2 + j])
    # build_inputs: one clip without batch axis gives K rows too; a batch gives N*K rows
    assert torch.equal(build_inputs(clip, m)[0], x)
    assert build_inputs(torch.stack([clip, clip]), m)[0].shape == (6, 6, 32, 32)


# ---- flow preprocessing ----------------------------------------------------------------------

def textured(h, w, seed=0):
    import cv2
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC), (5, 5), 1.5)


def moving_frames(count, h=48, w=64, dx=2):
    base = textured(h, w + 4 * count)
    return np.stack([np.ascontiguousarray(base[:, dx * t:dx * t + w]) for t in range(count)])


def test_gray_frames_are_cvtcolor_resize_uint8_then_crop():
    import cv2
    frames = moving_frames(2, 48, 64)
    pre = {"short_side": 40, "crop": 32}
    g = gray_frames(frames, pre)
    nh, nw = resized_size(48, 64, 40)
    assert (nh, nw) == (40, 53)
    ref = cv2.resize(cv2.cvtColor(frames[1], cv2.COLOR_RGB2GRAY), (nw, nh), interpolation=cv2.INTER_LINEAR)
    assert g.dtype == np.uint8 and np.array_equal(g[1], ref[4:36, 10:42])
    # RGB -> GRAY of the RGB frame is BGR -> GRAY of the BGR frame, as modelkit.flow reads files
    assert np.array_equal(cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY),
                          cv2.cvtColor(frames[0][..., ::-1].copy(), cv2.COLOR_BGR2GRAY))


def test_flow_fields_are_per_segment_pairs_of_gray_flow():
    m = validate(flow_manifest())                              # T 6, K 3: one field per segment
    frames = moving_frames(6)
    d = raw_flow(frames, m)
    assert d.shape == (3, 1, 2, 32, 32) and d.dtype == np.float32
    g = gray_frames(frames, m["preprocessing"])
    for seg in range(3):
        np.testing.assert_array_equal(d[seg, 0], flowmod.gray_flow(g[2 * seg], g[2 * seg + 1], "farneback"))
    # content moves 2 px left per frame, scaled by 40/48 with the resize
    assert abs(float(np.median(d[:, :, 0, 8:-8, 8:-8])) + 2 * 40 / 48) < 0.3


def test_flow_inputs_stack_fields_x_then_y_per_row():
    m = validate(flow_manifest(frames=6, segments=2, inputs=[nchw_input("input", 6)]))  # L 3: 2 fields
    frames = moving_frames(6)
    (x,) = frames_to_inputs(frames, m)
    assert tuple(x.shape) == input_shape(m, m["inputs"][0]) == (2, 4, 32, 32) and x.dtype == torch.float32
    enc = encode_flow(raw_flow(frames, m), m["flow"], m["preprocessing"])   # K x S x 2 x H x W
    for g in range(2):
        for j in range(2):
            for k in range(2):
                assert np.array_equal(x[g, 2 * j + k].numpy(), enc[g, j, k])


def test_quantized_encoding_bound_clipping_and_normalisation():
    pre = {"scale": 1.0, "mean": [128.0, 100.0], "std": [128.0, 50.0]}
    d = np.array([-25.0, -20.0, -0.1, 0.0, 0.0784, 0.08, 19.9, 20.0, 1e6], np.float32)
    d = np.stack([d, d]).reshape(2, 1, 9)       # 2 x H x W, x then y
    q = encode_flow(d, {"bound": 20.0, "encoding": "quantized"}, pre)
    # value = rint((v + 20) * 6.375): 0, 0, rint(126.8625) 127, rint(127.5) 128 (half to even),
    # rint(128.0) 128, rint(128.01) 128, rint(254.3625) 254, 255, 255
    values = [0, 0, 127, 128, 128, 128, 254, 255, 255]
    np.testing.assert_array_equal(q[0, 0], (np.array(values, np.float32) - 128) / 128)
    np.testing.assert_array_equal(q[1, 0], (np.array(values, np.float32) - 100) / 50)
    assert q.dtype == np.float32
    raw = encode_flow(d, {"bound": 20.0, "encoding": "raw"}, {"scale": 2.0, "mean": [0.0, 1.0], "std": [1.0, 2.0]})
    clipped = np.array([-20, -20, -0.1, 0, 0.0784, 0.08, 19.9, 20, 20], np.float32)
    np.testing.assert_array_equal(raw[0, 0], clipped * np.float32(2))
    np.testing.assert_array_equal(raw[1, 0], (clipped * np.float32(2) - np.float32(1)) / np.float32(2))


def test_quantization_is_float32_arithmetic():
    # bound 3: q = float32(255 / 6) = 42.5 exactly; bound 7: float32(255 / 14), inexact.
    for bound in (3.0, 7.0, 0.1):
        v = np.linspace(-bound, bound, 2001, dtype=np.float32)
        got = encode_flow(v.reshape(1, 1, -1).repeat(2, 0), {"bound": bound, "encoding": "quantized"},
                          {"scale": 1.0, "mean": [0.0, 0.0], "std": [1.0, 1.0]})[0, 0]
        b, qf = np.float32(bound), np.float32(255.0 / (2.0 * bound))
        expected = np.rint((np.clip(v, -b, b) + b) * qf)
        assert expected.dtype == np.float32
        np.testing.assert_array_equal(got, expected)
        assert got.min() == 0 and got.max() == 255


def test_flow_cli_and_bgr_behaviour_are_unchanged(tmp_path):
    import cv2
    a = textured(48, 64)
    b = np.roll(a, 1, axis=1)
    np.testing.assert_array_equal(
        flowmod.flow(a, b, "farneback"),
        flowmod.gray_flow(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), "farneback"))
    with pytest.raises(ValueError, match="uint8"):
        flowmod.gray_flow(np.zeros((4, 4), np.float32), np.zeros((4, 4), np.float32), "farneback")


def test_build_inputs_refuses_flow_manifests():
    with pytest.raises(ValueError, match="frames_to_inputs"):
        build_inputs(torch.zeros(3, 6, 32, 32), validate(flow_manifest()))


# ---- consensus -------------------------------------------------------------------------------

def test_average_consensus_averages_each_clips_rows_before_softmax():
    m = validate(manifest(consensus="average"))
    assert output_rows(m) == 3 and output_rows(validate(manifest())) == 1
    y = torch.arange(2 * 3 * 4, dtype=torch.float32).view(6, 4)
    c = consensus(y, m)
    assert c.shape == (2, 4)
    assert torch.equal(c[0], y[:3].mean(0)) and torch.equal(c[1], y[3:].mean(0))
    assert consensus(y, validate(manifest())) is y


# ---- architectures ---------------------------------------------------------------------------

def test_tsn_is_resnet50_with_dropout_and_a_400_class_layer_per_segment():
    m = twod.tsn_r50()
    fc = m.backbone.fc
    assert isinstance(fc[0], torch.nn.Dropout) and fc[1].in_features == 2048 and fc[1].out_features == 400
    assert params(m) == 24_327_632          # ResNet-50 (23.5 M) without its 1000-class layer, + 400 classes
    assert meta_forward(m, (8, 3, 224, 224)).shape == (8, 400)
    spec = archs.get("tsn_r50")
    assert (spec.segments, spec.frames, spec.crop, spec.short_side, spec.consensus) == (8, 8, 224, 256, "average")
    assert tuple(spec.mean) == (0.485, 0.456, 0.406) and tuple(spec.std) == (0.229, 0.224, 0.225)
    with torch.no_grad():
        assert twod.tsn_r50().eval()(torch.randn(2, 3, 64, 64)).shape == (2, 400)


def test_cnn_m_2048_layers():
    m = twod.two_stream_rgb()
    convs = [x for x in m.modules() if isinstance(x, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride) for c in convs] == [
        (3, 96, (7, 7), (2, 2)), (96, 256, (5, 5), (2, 2)), (256, 512, (3, 3), (1, 1)),
        (512, 512, (3, 3), (1, 1)), (512, 512, (3, 3), (1, 1))]
    assert sum(isinstance(x, torch.nn.LocalResponseNorm) for x in m.modules()) == 2
    assert sum(isinstance(x, torch.nn.MaxPool2d) for x in m.modules()) == 3
    fcs = [x for x in m.modules() if isinstance(x, torch.nn.Linear)]
    assert [(f.in_features, f.out_features) for f in fcs] == [(512 * 6 * 6, 4096), (4096, 2048), (2048, 400)]
    assert sum(isinstance(x, torch.nn.Dropout) for x in m.modules()) == 2
    assert twod.cnn_m_feature_size(224) == 6
    assert params(m) == 91_240_464
    t = twod.two_stream_flow()
    assert t.features[0].in_channels == 20
    assert sum(isinstance(x, torch.nn.LocalResponseNorm) for x in t.modules()) == 1   # no norm2 (paper)
    assert params(t) == 91_320_432
    # a real forward at a small crop
    small = twod.two_stream_flow(crop=64).eval()
    with torch.no_grad():
        assert small(torch.randn(2, 20, 64, 64)).shape == (2, 400)


def test_motionnet_predicts_twenty_flow_channels_at_input_resolution():
    net = twod.MotionNet().eval()
    assert net.encoder[0][0][0].in_channels == 33
    with torch.no_grad():
        flows = net.forward_all(torch.randn(1, 33, 64, 96))
    assert [tuple(f.shape[1:]) for f in flows] == [(20, 64 // s, 96 // s) for s in (32, 16, 8, 4, 2, 1)]
    hidden = twod.hidden_two_stream(crop=64).eval()
    assert params(twod.hidden_two_stream()) == 125_434_060
    with torch.no_grad():
        assert hidden(torch.randn(2, 33, 64, 64)).shape == (2, 400)


@pytest.mark.parametrize("name,shape,rows", [
    ("tsn_r50", (8, 3, 224, 224), 8), ("two_stream_rgb", (1, 3, 224, 224), 1),
    ("two_stream_flow", (1, 20, 224, 224), 1), ("hidden_two_stream", (1, 33, 224, 224), 1)])
def test_specs_give_valid_manifests_with_the_contract_shapes(name, shape, rows):
    spec = archs.get(name)
    m = validate(ex.spec_manifest(spec))
    assert input_shape(m, m["inputs"][0]) == shape and output_rows(m) == rows
    assert ex.input_shapes(spec) == [shape[1:]]
    assert m["clip"]["sampling"] == "segments" and m["inputs"][0]["layout"] == "NCHW"
    if name != "tsn_r50":
        assert m["clip"]["duration"] == 0.44 and m["clip"]["reference_fps"] == 25.0
    assert meta_forward(spec.build(), shape).shape == (rows, 400)


# ---- export ----------------------------------------------------------------------------------

def small_spec(name, **kw):
    """A registered 2D arch at a small crop, registered under a test name (cheap export)."""
    spec = archs.get(name)
    test_name = f"test_small_{name}"
    if test_name not in archs.ARCHS:
        from dataclasses import replace
        archs.register(replace(spec, name=test_name, builder=f"modelkit.tests.test_twod:build_{name}", **kw))
    return test_name


def build_two_stream_flow(num_classes=400):
    return twod.two_stream_flow(num_classes=num_classes, crop=64)


def build_hidden_two_stream(num_classes=400):
    return twod.hidden_two_stream(num_classes=num_classes, crop=64)


def build_two_stream_rgb(num_classes=400):
    return twod.two_stream_rgb(num_classes=num_classes, crop=64)


class TinyTSN(torch.nn.Module):
    def __init__(self, num_classes=400):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2)
        self.fc = torch.nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


def build_tsn_r50(num_classes=400):
    return TinyTSN(num_classes)


def read(gdir, entry):
    return np.fromfile(os.path.join(gdir, entry["file"]), "<" + np.dtype(entry["dtype"]).str[1:]).reshape(entry["shape"])


@pytest.fixture(scope="module")
def flow_export(tmp_path_factory):
    import cv2
    video = str(tmp_path_factory.mktemp("video") / "clip.avi")
    w = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 25, (160, 120))
    for i in range(ex.REAL_START + 12):
        frame = np.full((120, 160, 3), 60, np.uint8)
        cv2.rectangle(frame, (5 + 3 * i, 40), (35 + 3 * i, 80), (40, 200, 90), -1)
        cv2.circle(frame, (120, 20 + 2 * i), 10, (200, 30, 30), -1)
        w.write(frame)
    w.release()
    name = small_spec("two_stream_flow", short_side=72, crop=64)
    out = str(tmp_path_factory.mktemp("export") / name)
    return ex.export(name, out, seed=1, real_frames=video)


def test_flow_export_golden_inputs_are_the_flow_preprocessing(flow_export):
    out = flow_export["out"]
    assert flow_export["graph"] == {"inputs": {"input": ["batch", 20, 64, 64]}, "output": ["batch", 400]}
    with open(os.path.join(out, "golden", "golden.yaml")) as f:
        g = yaml.safe_load(f)
    m = load_manifest(os.path.join(out, "manifest.yaml"))
    assert m["modality"] == "flow" and m["flow"]["encoding"] == "quantized"
    gdir = os.path.join(out, "golden")
    frames = read(gdir, g["frames"])
    assert frames.shape == (11, 240, 320, 3)
    entry = g["inputs"][0]
    assert entry["layout"] == "NCHW" and entry["shape"] == [1, 20, 64, 64] and entry["modality"] == "flow"
    x = read(gdir, entry)
    np.testing.assert_array_equal(x, frames_to_inputs(frames, m)[0].numpy())
    # quantized values: (q - 128) / 128 with q whole, within [0, 255]
    q = x * 128 + 128
    np.testing.assert_array_equal(q, np.rint(q))
    assert q.min() >= 0 and q.max() <= 255 and len(np.unique(q)) > 3
    y = read(gdir, g["output"])
    assert y.shape == (1, 400) and y.max() - y.min() > 1e-2


def test_flow_real_golden_uses_the_jpeg_frames_and_stores_the_flow_inputs(flow_export):
    """ONNX Runtime's side of this is the Java parity tests (RealFramesParityTest): they run the
    ONNX file on the engine's own flow and compare with output.f32 and input-input.f32."""
    import cv2
    out = flow_export["out"]
    real = os.path.join(out, "golden", "real")
    with open(os.path.join(real, "real.yaml")) as f:
        doc = yaml.safe_load(f)
    decoded = np.fromfile(os.path.join(real, "decoded.u8"), np.uint8).reshape(doc["decoded"]["shape"])
    assert decoded.shape == (11, 120, 160, 3)
    for t, name in enumerate(doc["jpeg"]):
        bgr = cv2.imdecode(np.fromfile(os.path.join(real, name), np.uint8), cv2.IMREAD_COLOR)
        assert np.array_equal(decoded[t], cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    m = load_manifest(os.path.join(out, "manifest.yaml"))
    (x,) = frames_to_inputs(decoded, m)
    (entry,) = doc["inputs"]
    assert entry["name"] == "input" and entry["shape"] == [1, 20, 64, 64]
    np.testing.assert_array_equal(read(real, entry), x.numpy())
    with torch.no_grad():
        expected = flow_export["model"](x).numpy()
    np.testing.assert_array_equal(np.fromfile(os.path.join(real, "output.f32"), "<f4").reshape(1, -1), expected)


def test_tsn_export_golden_output_is_the_average_of_the_segment_rows(tmp_path):
    name = small_spec("tsn_r50", short_side=40, crop=32)
    out = str(tmp_path / name)
    r = ex.export(name, out, seed=2)
    assert r["graph"] == {"inputs": {"input": ["batch", 3, 32, 32]}, "output": ["batch", 400]}
    assert r["graph_output"].shape == (8, 400)
    with open(os.path.join(out, "golden", "golden.yaml")) as f:
        g = yaml.safe_load(f)
    gdir = os.path.join(out, "golden")
    assert g["inputs"][0]["shape"] == [8, 3, 32, 32] and g["inputs"][0]["layout"] == "NCHW"
    assert g["output"]["shape"] == [1, 400] and g["output"]["consensus"] == "average"
    x = torch.from_numpy(read(gdir, g["inputs"][0]).copy())
    with torch.no_grad():
        rows = r["model"](x)
    y = read(gdir, g["output"])
    np.testing.assert_array_equal(y, rows.mean(dim=0, keepdim=True).numpy())
    assert not np.allclose(rows[0].numpy(), y[0]), "segments should differ"
    m = load_manifest(os.path.join(out, "manifest.yaml"))
    assert m["output"]["consensus"] == "average" and m["clip"]["segments"] == 8


@pytest.mark.parametrize("arch,crop,channels", [("two_stream_rgb", 64, 3), ("hidden_two_stream", 64, 33)])
def test_small_rgb_nchw_exports(tmp_path, arch, crop, channels):
    name = small_spec(arch, short_side=72, crop=crop)
    r = ex.export(name, str(tmp_path / name), seed=0)
    assert r["graph"] == {"inputs": {"input": ["batch", channels, crop, crop]}, "output": ["batch", 400]}
    assert r["output"].shape == (1, 400)


def test_evaluate_samples_segments_and_reduces_the_rows():
    from modelkit import evaluate
    m = validate(manifest(consensus="average"))          # T 6, K 3, D 1.5 s, spacing 1/15 s
    fps = 25.0
    frames = np.zeros((61, 48, 64, 3), np.uint8)
    for i in range(61):
        frames[i] = i                                   # the frame index as its grey level
    clip = evaluate.DecodedClip(frames=frames, times=np.arange(61) / fps)
    (x,) = evaluate.clip_inputs(clip, m)                # window [0.9, 2.4]
    assert x.shape == (3, 6, 32, 32)
    # segment centres at 1.15, 1.65, 2.15 s, samples at -+ 1/30 s, nearest of frames i / 25:
    # 1.1167 -> 28, 1.1833 -> 30, 1.6167 -> 40, 1.6833 -> 42, 2.1167 -> 53, 2.1833 -> 55
    picked = [int(round(float(x[g, j * 3, 0, 0]) * 0.25 * 255 + 0.5 * 255)) for g in range(3) for j in range(2)]
    assert picked == [28, 30, 40, 42, 53, 55]
    rows = torch.randn(6, 5)
    assert torch.equal(consensus(rows, m)[1], rows[3:].mean(0))
