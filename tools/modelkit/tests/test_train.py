"""A fast smoke run of the training command: it renders, trains, evaluates and exports, and a
seed reproduces the same data and weights."""
import json
import os

import numpy as np
import torch

from modelkit import archs, manifest, train


def _smoke(out, arch="demo_x3d", seed=5):
    train.main(["--out", str(out), "--arch", arch, "--seed", str(seed), "--train-per-class", "2",
                "--val-per-class", "1", "--epochs", "1", "--batch", "8", "--threads", "2",
                "--workers", "1", "--smoke"])
    return os.path.join(str(out), train.DEMO_DIRS[arch])


def test_smoke_training_writes_a_complete_model_dir(tmp_path):
    d = _smoke(tmp_path / "a")
    for f in ("model.onnx", "manifest.yaml", "labels.txt", "weights.pt", "metrics.json",
              "golden/golden.yaml", "golden/output.f32", "golden/input-input.f32"):
        assert os.path.isfile(os.path.join(d, f)), f
    m = manifest.load_manifest(os.path.join(d, "manifest.yaml"))
    assert m["source"]["arch"] == "demo_x3d"
    assert manifest.read_labels(os.path.join(d, "labels.txt")) == [
        "idle", "move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall"]
    metrics = json.load(open(os.path.join(d, "metrics.json")))
    assert metrics["train_clips"] == 16 and metrics["heldout_clips"] == 8
    assert np.array(metrics["heldout_confusion"]).sum() == 8
    # The saved weights reproduce the golden output that the export wrote.
    spec = archs.get("demo_x3d")
    model = spec.build()
    model.load_state_dict(torch.load(os.path.join(d, "weights.pt"))["model_state"])
    model.eval()
    x = np.fromfile(os.path.join(d, "golden", "input-input.f32"), dtype="<f4").reshape(1, 3, 8, 64, 64)
    expected = np.fromfile(os.path.join(d, "golden", "output.f32"), dtype="<f4").reshape(1, 8)
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_same_seed_gives_same_weights(tmp_path):
    a = torch.load(os.path.join(_smoke(tmp_path / "a"), "weights.pt"))["model_state"]
    b = torch.load(os.path.join(_smoke(tmp_path / "b"), "weights.pt"))["model_state"]
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_rendered_dataset_is_independent_of_worker_count():
    spec = archs.get("demo_slowfast")
    x1, y1 = train.render_dataset(spec, "val", 1, seed=3, workers=1)
    x2, y2 = train.render_dataset(spec, "val", 1, seed=3, workers=2)
    assert x1.shape == (8, 16, 64, 64, 3)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)


def test_mirroring_swaps_left_and_right_only():
    assert [train.FLIP_LABEL[i] for i in range(8)] == [0, 2, 1, 3, 4, 5, 6, 7]


def test_playing_backwards_swaps_the_direction_classes_and_never_reverses_a_fall():
    names = train.synth.LABELS
    pairs = {names[i]: names[train.REVERSE_LABEL[i]] for i in range(8)}
    assert pairs == {"idle": "idle", "move_left": "move_right", "move_right": "move_left",
                     "move_up": "move_down", "move_down": "move_up", "approach": "recede",
                     "recede": "approach", "fall": "fall"}
    assert [train.REVERSE_LABEL[train.REVERSE_LABEL[i]] for i in range(8)] == list(range(8))
    assert [names[i] for i in range(8) if not train.REVERSIBLE[i]] == ["fall"]

