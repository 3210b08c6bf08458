"""The demo Two-stream pair (demo_two_stream_rgb / demo_two_stream_flow): specs and shapes, the
training data (sample times, flow inputs built by the reference preprocessing and stored
losslessly), mirroring of flow, late fusion and a tiny training run of both streams."""
import json
import os

import numpy as np
import pytest
import torch

from modelkit import archs, manifest, synth, train
from modelkit import export as ex
from modelkit.preprocess import flow_inputs, frames_to_inputs

RGB, FLOW = train.TWO_STREAM


def test_specs_follow_the_demo_x3d_window_and_preprocessing():
    x3d = archs.get("demo_x3d")
    for name in (RGB, FLOW):
        spec = archs.get(name)
        m = manifest.validate(ex.spec_manifest(spec))
        assert (spec.short_side, spec.crop, spec.reference_fps, spec.sampling_rate) == (64, 64, 30.0, 6)
        assert m["clip"]["sampling"] == "segments" and m["clip"]["segments"] == 1
        assert m["clip"]["duration"] == pytest.approx(x3d.frames * x3d.sampling_rate / x3d.reference_fps)
        assert spec.num_classes == 8 and spec.labels == "demo"
        assert m["output"] == {"name": "logits", "type": "logits", "classes": 8}
    rgb, flow = archs.get(RGB), archs.get(FLOW)
    assert (tuple(rgb.mean), tuple(rgb.std), rgb.scale) == (tuple(x3d.mean), tuple(x3d.std), x3d.scale)
    assert rgb.modality == "rgb" and rgb.frames == 1
    assert flow.modality == "flow" and flow.frames == 8 and flow.flow["method"] == "farneback"
    assert flow.flow["encoding"] == "quantized" and flow.scale == 1.0


def test_sample_times_centre_frame_and_eight_frames_at_tau_6():
    assert train.clip_times(archs.get(RGB)) == pytest.approx([0.8])
    assert train.clip_times(archs.get(FLOW)) == pytest.approx([0.1 + 0.2 * j for j in range(8)])
    assert train.clip_times(archs.get("demo_x3d")) is None


def test_shapes_and_parameter_counts():
    for name, shape in ((RGB, (1, 3, 64, 64)), (FLOW, (1, 14, 64, 64))):
        spec = archs.get(name)
        assert ex.batch1_shapes(spec) == [shape]
        torch.manual_seed(0)
        model = spec.build().eval()
        with torch.no_grad():
            assert model(torch.randn(5, *shape[1:])).shape == (5, 8)
        assert ex.parameter_count(model) < 1_000_000          # ONNX well under 5 MB
    assert train.stored_shape(archs.get(FLOW)) == (1, 14, 64, 64)
    assert train.stored_shape(archs.get(RGB)) == (1, 64, 64, 3)


def test_camera_times_take_given_sample_times_and_keep_the_uniform_default():
    a = synth.camera_times(1.6, 8, 25.0, np.random.default_rng(1))
    b = synth.camera_times(1.6, 8, 25.0, np.random.default_rng(1), [i * 1.6 / 7 for i in range(8)])
    assert a == b
    t = synth.camera_times(1.6, 2, 10.0, np.random.default_rng(2), [0.8, 1.5])
    assert all(abs(x - s) <= 0.05 + 1e-9 for x, s in zip(t, [0.8, 1.5]))
    with pytest.raises(ValueError):
        synth.camera_times(1.6, 3, 10.0, np.random.default_rng(2), [0.8])


def test_flow_training_inputs_are_exactly_the_reference_flow_inputs():
    spec = archs.get(FLOW)
    m = train.spec_manifest(spec)
    x, y = train.render_dataset(spec, "val", 1, seed=4, workers=1)
    assert x.shape == (8, 1, 14, 64, 64) and x.dtype == np.uint8
    got = train.to_inputs(x, spec, m)
    assert len(got) == 1 and got[0].shape == (8, 14, 64, 64)
    for k in (0, 1, 5):   # re-render clip k and run the reference on its full-size frames
        rng = np.random.default_rng([4, train.SPLITS["val"], int(y[k]), 0])
        frames, _ = synth.render_clip(synth.LABELS[y[k]], 8, 1.6, rng, sample_times=train.clip_times(spec))
        assert frames.shape[1] >= 96      # full size, resized to 64 by the reference itself
        ref = frames_to_inputs(frames, m)[0]
        assert torch.equal(got[0][k:k + 1], ref)
        assert torch.equal(ref, flow_inputs(frames, m)[0])


def test_flow_u8_storage_round_trips_and_refuses_lossy_settings():
    spec = archs.get(FLOW)
    m = train.spec_manifest(spec)
    u = np.random.default_rng(0).integers(0, 256, size=(2, 14, 5, 5), dtype=np.uint8)
    x = train.flow_from_u8(torch.from_numpy(u), m).numpy()
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, (u.astype(np.float32) - 128) / 128)
    np.testing.assert_array_equal(train.flow_to_u8(x, m), u)
    with pytest.raises(ValueError):
        train.flow_to_u8(x + np.float32(1e-3), m)


def test_mirroring_flow_flips_the_fields_and_negates_x():
    u = np.random.default_rng(1).integers(0, 256, size=(3, 1, 4, 2, 6), dtype=np.uint8)
    mu = train.mirror_flow_u8(u)
    np.testing.assert_array_equal(mu[..., 0::2, :, :], 255 - u[..., 0::2, :, ::-1])   # x: negated
    np.testing.assert_array_equal(mu[..., 1::2, :, :], u[..., 1::2, :, ::-1])         # y: kept
    np.testing.assert_array_equal(train.mirror_flow_u8(mu), u)


def test_late_fusion_weights_the_softmax_probabilities():
    a = np.array([[0.6, 0.4], [0.5, 0.5]])
    b = np.array([[0.2, 0.8], [0.9, 0.1]])
    np.testing.assert_allclose(train.late_fusion([a, b], (1.0, 1.0)), (a + b) / 2)
    np.testing.assert_allclose(train.late_fusion([a, b], (1.0, 1.5)), (a + 1.5 * b) / 2.5)
    assert train.FUSION_WEIGHTS == ((1.0, 1.5), (1.0, 1.0))


def test_time_reversal_is_refused_for_one_frame_and_for_flow():
    for name in (RGB, FLOW):
        spec = archs.get(name)
        x = np.zeros((2,) + train.stored_shape(spec), dtype=np.uint8)
        with pytest.raises(ValueError, match="time reversal"):
            train.train_model(spec, train.spec_manifest(spec), x, np.zeros(2, dtype=np.int64), epochs=1, batch=2,
                              lr=1e-3, seed=0, log=lambda s: None, reverse=True)


def test_one_training_step_changes_the_flow_stream():
    spec = archs.get(FLOW)
    x = np.random.default_rng(0).integers(100, 156, size=(4,) + train.stored_shape(spec), dtype=np.uint8)
    torch.manual_seed(0)
    before = spec.build().state_dict()
    model = train.train_model(spec, train.spec_manifest(spec), x, np.array([0, 1, 2, 3]), epochs=1, batch=4,
                              lr=1e-3, seed=0, log=lambda s: None, reverse=False)
    after = model.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before if after[k].is_floating_point())


def test_smoke_training_of_the_pair_exports_both_and_reports_the_fusion(tmp_path):
    train.main(["--out", str(tmp_path), "--arch", RGB, FLOW, "--seed", "3", "--train-per-class", "2",
                "--val-per-class", "1", "--epochs", "1", "--batch", "8", "--threads", "2", "--workers", "1",
                "--smoke"])
    for name, sub, shape in ((RGB, "two-stream-rgb", (1, 3, 64, 64)), (FLOW, "two-stream-flow", (1, 14, 64, 64))):
        d = tmp_path / sub
        for f in ("model.onnx", "manifest.yaml", "labels.txt", "weights.pt", "metrics.json",
                  "golden/golden.yaml", "golden/output.f32", "golden/input-input.f32", "golden/frames.u8"):
            assert (d / f).is_file(), f
        assert os.path.getsize(d / "model.onnx") < 5_000_000
        m = manifest.load_manifest(str(d / "manifest.yaml"))
        assert m["name"] == name and m["source"]["arch"] == name
        assert manifest.read_labels(str(d / "labels.txt")) == list(synth.LABELS)
        metrics = json.load(open(d / "metrics.json"))
        fusion = metrics["fusion"]
        assert fusion["clips"] == 8 and [f["weights_rgb_flow"] for f in fusion["late_fusion"]] == [[1.0, 1.5], [1.0, 1.0]]
        # the saved weights reproduce the golden output from the golden inputs
        model = archs.get(name).build()
        model.load_state_dict(torch.load(str(d / "weights.pt"))["model_state"])
        model.eval()
        x = np.fromfile(str(d / "golden" / "input-input.f32"), dtype="<f4").reshape(shape)
        expected = np.fromfile(str(d / "golden" / "output.f32"), dtype="<f4").reshape(1, 8)
        with torch.no_grad():
            assert np.abs(model(torch.from_numpy(x)).numpy() - expected).max() < 1e-4
    assert not (tmp_path / "TRAINING.md").exists() and not (tmp_path / "TRAINING-two-stream.md").exists()
    assert train.report_name([RGB, FLOW]) == "TRAINING-two-stream.md"
    assert train.report_name(train.DEFAULT_ARCHS) == "TRAINING.md"
