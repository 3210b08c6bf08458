"""modelkit.reference: the PyTorch pipeline a user would write, checked against modelkit's own path.

The clip is 3 s of vtest.avi (10 fps) re-encoded losslessly (FFV1, RGB) at 320 x 240, so OpenCV
(the reference) and the ffmpeg command line (modelkit.evaluate, the independent path) decode the
same pixels and, with --preprocess torch, the probabilities can be compared at float precision.
"""
import json
import os
import subprocess

import numpy as np
import pytest
import torch

from modelkit import evaluate, export, reference
from modelkit.manifest import sample_times
from modelkit.preprocess import frames_to_inputs, nearest_frames

VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DEMO = {name: os.path.join(REPO, "models", "demo", name) for name in ("x3d", "slowfast")}
HOP = 0.25
ENDS_MS = [1750, 2000, 2250, 2500, 2750]   # first full 1.6 s window on the 0.25 s grid; last frame 2.9 s


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ref") / "vtest3s.mkv")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", VTEST, "-t", "3", "-vf", "scale=320:240",
                    "-c:v", "ffv1", "-pix_fmt", "bgr0", path], check=True)
    return path


@pytest.fixture(scope="module")
def decoded(video):
    return evaluate.decode_clip(video)


def modelkit_probabilities(model_dir, decoded, end_ms):
    """modelkit's own path: ffmpeg-decoded frames, the window's nearest frames, frames_to_inputs
    on the whole clip, the PyTorch model of modelkit.evaluate, softmax."""
    module, manifest = evaluate.load_model(model_dir)
    clip = manifest["clip"]
    times_ms = np.rint(decoded.times * 1000)
    picks = nearest_frames(sample_times(end_ms, clip["duration"] * 1000, clip["frames"]), times_ms)
    with torch.no_grad():
        out = module(*frames_to_inputs(decoded.frames[picks], manifest))
    return picks, torch.softmax(out, dim=1)[0].numpy()


@pytest.mark.parametrize("name", ["x3d", "slowfast"])
def test_probabilities_equal_modelkits_own_path_for_every_window_and_camera(name, video, decoded):
    model = reference.load_model(DEMO[name])
    assert model.weights.endswith("weights.pt")
    assert model.golden_max_abs_diff is not None and model.golden_max_abs_diff <= 1e-4
    r = reference.run(model, video, cameras=2, hop=HOP, threads=1, preprocess="torch", collect=True)

    assert decoded.frames.shape[0] == 30
    assert (r["clips"], r["frames"], r["batches"]) == (10, 60, 5)
    res = r["results"]
    assert [(c.camera, c.end_ms) for c in res] == [(cam, e) for e in ENDS_MS for cam in (0, 1)]
    for cam0, cam1 in zip(res[0::2], res[1::2]):
        assert cam0.frame_indices == cam1.frame_indices
        # same clip, another row of the batch: equal up to the order of float sums
        np.testing.assert_allclose(cam0.probabilities, cam1.probabilities, rtol=0, atol=1e-6)
        picks, expected = modelkit_probabilities(DEMO[name], decoded, cam0.end_ms)
        assert cam0.frame_indices == picks
        np.testing.assert_allclose(cam0.probabilities, expected, rtol=0, atol=1e-5)
        assert int(np.argmax(cam0.probabilities)) == int(np.argmax(expected))
        assert float(cam0.probabilities.sum()) == pytest.approx(1.0, abs=1e-5)
    # the window ending at 2.0 s: samples at 0.4 + i * 1.6 / 7 s, nearest frames at 10 fps
    assert res[2].end_ms == 2000 and res[2].frame_indices[:16] == (
        [4, 6, 9, 11, 13, 15, 18, 20] if name == "x3d" else [4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20])


@pytest.mark.parametrize("name", ["x3d", "slowfast"])
def test_opencv_preprocessing_keeps_every_top_label_of_the_exact_path(name, video):
    model = reference.load_model(DEMO[name])
    fast = reference.run(model, video, hop=HOP, collect=True)["results"]
    exact = reference.run(model, video, hop=HOP, preprocess="torch", collect=True)["results"]
    assert len(fast) == len(exact) == 5
    for f, e in zip(fast, exact):
        assert f.frame_indices == e.frame_indices
        assert int(np.argmax(f.probabilities)) == int(np.argmax(e.probabilities))
        assert np.abs(f.probabilities - e.probabilities).max() < 0.02


def test_opencv_frame_preprocessing_is_within_one_grey_level_of_the_reference(decoded):
    pre = reference.load_model(DEMO["x3d"]).manifest["preprocessing"]
    fast, exact = reference.frame_preprocessor(pre, "opencv"), reference.frame_preprocessor(pre, "torch")
    one_level = pre["scale"] / min(pre["std"])
    for rgb in decoded.frames[::7].copy():
        a, b = fast(rgb), exact(rgb)
        assert a.shape == b.shape == (3, 64, 64) and a.dtype == b.dtype == torch.float32
        assert float((a - b).abs().max()) <= 1.01 * one_level
        assert float((a - b).abs().mean()) < 0.5 * one_level      # rounding to uint8: about 1/4 on average


def test_same_input_gives_the_same_output(video):
    model = reference.load_model(DEMO["x3d"])
    a = reference.run(model, video, hop=HOP, collect=True)["results"]
    b = reference.run(model, video, hop=HOP, threads=2, collect=True)["results"]
    assert [c.frame_indices for c in a] == [c.frame_indices for c in b]
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.probabilities, y.probabilities, rtol=0, atol=1e-6)
    # the windows do not all look alike: the model sees different clips
    assert np.abs(a[0].probabilities - a[-1].probabilities).max() > 1e-3


def test_clip_limit_loops_the_video_with_camera_time_going_on(video):
    model = reference.load_model(DEMO["x3d"])
    r = reference.run(model, video, cameras=1, hop=HOP, clips=12, collect=True)
    assert r["clips"] == 12
    ends = [c.end_ms for c in r["results"]]
    assert ends == list(range(1750, 1750 + 12 * 250, 250))
    assert r["frames"] > 30, "the 3 s clip was read more than once"
    assert r["results"][-1].frame_indices[-1] == 45      # the window ending at 4.5 s: frame 45 of the stream
    assert sum(r["stages"].values()) <= r["seconds"]


def test_cli_writes_the_documented_json(video, tmp_path, capsys):
    out = tmp_path / "ref.json"
    rc = reference.main(["--model-dir", DEMO["x3d"], "--video", video, "--cameras", "3", "--clips", "6",
                         "--threads", "1", "--hop", "0.5", "--json", str(out)])
    assert rc == 0
    r = json.loads(out.read_text())
    assert {"clips", "frames", "seconds", "clips_per_s", "frames_per_s", "ms_per_clip", "stages", "model",
            "threads", "cameras", "torch", "batches", "hop", "clip", "video", "video_fps"} <= set(r)
    assert set(r["stages"]) == {"decode", "preprocess", "assemble", "infer"}
    assert r["preprocess"] == "opencv"
    assert (r["model"], r["cameras"], r["threads"], r["clips"], r["batches"]) == ("demo_x3d", 3, 1, 6, 2)
    assert r["clip"] == {"frames": 8, "duration": 1.6} and r["video_fps"] == 10.0
    assert r["clips_per_s"] == pytest.approx(r["clips"] / r["seconds"])
    assert r["frames_per_s"] == pytest.approx(r["frames"] / r["seconds"])
    assert "clips/s" in capsys.readouterr().out


def test_cli_errors_name_the_problem(video, tmp_path, capsys):
    assert reference.main(["--model-dir", DEMO["x3d"], "--video", str(tmp_path / "none.avi")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert reference.main(["--model-dir", str(tmp_path), "--video", video]) == 2
    assert "manifest.yaml" in capsys.readouterr().err


def test_export_dir_gets_its_seeded_weights_rebuilt_and_checked_against_golden(tmp_path):
    out = str(tmp_path / "trivial")
    export.export("trivial", out, seed=4)
    model = reference.load_model(out)
    assert model.weights == "random (seed 4), rebuilt"
    assert model.golden_max_abs_diff is not None and model.golden_max_abs_diff <= 1e-6
    # another seed's weights do not reproduce the golden output: the check can fail
    manifest = os.path.join(out, "manifest.yaml")
    with open(manifest) as f:
        text = f.read()
    with open(manifest, "w") as f:
        f.write(text.replace("random (seed 4", "random (seed 5"))
    with pytest.raises(reference.ReferenceError, match="does not reproduce golden"):
        reference.load_model(out)
