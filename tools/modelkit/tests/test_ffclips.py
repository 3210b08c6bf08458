"""The ffmpeg-rendered test clips show the action their label names, and the evaluator samples
the frames the manifest defines.

Two measurements per clip:
  * geometry: ffclips.main_object_masks renders the main object alone (white on black, same
    sprite shape and motion expressions, no codec); its per-frame area, bounding box, centroid
    and orientation must follow the class definition over the evaluated window;
  * visibility: the clip is rendered a second time without the main object (same background,
    distractors, brightness and noise); in the DECODED clips the difference must cover most of
    the exact mask and little else, so the object the geometry describes is what the clip shows.
"""
import math
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from modelkit import archs, evaluate, ffclips
from modelkit.manifest import build_manifest, sample_times, write_labels, write_manifest

SEED = 11
WINDOW = 1.6
# one clip per class (two for fall: both sides), over real footage and several ffmpeg sources
BACKGROUNDS = {"idle": "vtest", "move_left": "gradients", "move_right": "vtest", "move_up": "life",
               "move_down": "cellauto", "approach": "mandelbrot", "recede": "vtest", "fall": "testsrc2"}


def _specs():
    specs = [ffclips.make_spec(label, 0, SEED, 2.0, WINDOW, background=bg) for label, bg in BACKGROUNDS.items()]
    other = "left" if specs[-1]["main"]["motion"]["side"] == "right" else "right"
    for i in range(1, 50):   # a fall to the other side, over vtest
        s = ffclips.make_spec("fall", i, SEED, 2.0, WINDOW, background="vtest")
        if s["main"]["motion"]["side"] == other:
            specs.append(s)
            break
    return specs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """({file: (spec, decoded clip, decoded clip without the main object, main object masks)}, clip dir)."""
    d = tmp_path_factory.mktemp("ffclips")
    nomain = d / "nomain"
    nomain.mkdir()
    specs = _specs()
    jobs = [(s, str(d / s["file"]), True) for s in specs] + [(s, str(nomain / s["file"]), False) for s in specs]
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda j: ffclips.render(*j), jobs))
    ffclips.write_labels(specs, str(d / "labels.csv"))
    out = {s["file"]: (s, evaluate.decode_clip(str(d / s["file"])), evaluate.decode_clip(str(nomain / s["file"])),
                       ffclips.main_object_masks(s)) for s in specs}
    return out, str(d)


# ---- measurements ----------------------------------------------------------------------------

def _open3(m):
    """3x3 binary opening of N x H x W masks (removes compression specks)."""
    x = torch.from_numpy(np.ascontiguousarray(m)).float().unsqueeze(1)
    x = -torch.nn.functional.max_pool2d(-x, 3, 1, 1)
    return torch.nn.functional.max_pool2d(x, 3, 1, 1).squeeze(1).numpy() > 0.5


def _dilate(m, r):
    x = torch.from_numpy(np.ascontiguousarray(m)).float().unsqueeze(1)
    return torch.nn.functional.max_pool2d(x, 2 * r + 1, 1, r).squeeze(1).numpy() > 0.5


def _shape_stats(m):
    """Area, bounding box, centroid and major-axis angle (degrees from horizontal) of a mask."""
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return None
    cx, cy = xs.mean(), ys.mean()
    mu20, mu02, mu11 = ((xs - cx) ** 2).mean(), ((ys - cy) ** 2).mean(), ((xs - cx) * (ys - cy)).mean()
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    return dict(area=len(xs), x0=x0, x1=x1, y0=y0, y1=y1, w=x1 - x0, h=y1 - y0, cx=cx, cy=cy,
                angle=math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02)))


def _window_frames(times):
    """Indices of the frames the evaluator takes as the window's first and last sample."""
    idx = evaluate.nearest_frames(sample_times(float(times[-1]), WINDOW, 16), times)
    return idx[0], idx[-1]


def check_visible(spec, full, bare, masks, thr=40):
    """In the decoded clip the main object shows (differs from the clip rendered without it)
    over most of its exact mask and hardly anywhere else, in every frame of the window."""
    i0, i1 = _window_frames(full.times)
    sl = slice(i0, i1 + 1)
    diff = np.abs(full.frames[sl].astype(np.int16) - bare.frames[sl].astype(np.int16)).max(-1) > thr
    diff = _open3(diff)
    exact = masks[sl] >= 128
    area = exact.sum((1, 2))
    recall = (diff & exact).sum((1, 2)) / area
    stray = (diff & ~_dilate(exact, 3)).sum((1, 2)) / area
    assert recall.min() >= 0.5 and np.median(recall) >= 0.7, f"{spec['file']}: object shows {recall.round(2)}"
    assert stray.max() <= 0.1, f"{spec['file']}: differences away from the object {stray.round(2)}"


def check_motion(spec, masks, times):
    """The main object's exact masks do what the class definition says over the window."""
    name, label, w, h, fps = spec["file"], spec["label"], spec["width"], spec["height"], spec["fps"]
    side = min(w, h)
    assert len(masks) == spec["frames"] == len(times)
    tr = [_shape_stats(m >= 128) for m in masks]
    i0, i1 = _window_frames(times)
    win = tr[i0:i1 + 1]
    tw = np.asarray(times[i0:i1 + 1], dtype=float)
    assert all(t is not None for t in win), f"{name}: main object missing in the window"
    a, b = win[0], win[-1]
    # inside the centre square the model sees, and of the stated size
    x_lo, y_lo = (w - side) // 2, (h - side) // 2
    for t in win:
        assert x_lo <= t["x0"] and t["x1"] <= x_lo + side, f"{name}: leaves the model's view {t}"
        assert y_lo <= t["y0"] and t["y1"] <= y_lo + side, f"{name}: leaves the model's view {t}"
    hs = [t["h"] for t in win] if label != "fall" else [a["h"]]
    assert 0.18 * side - 1 <= min(hs) and max(hs) <= 0.45 * side + 1, f"{name}: height {min(hs)}..{max(hs)}/{side}"
    dx, dy = b["cx"] - a["cx"], b["cy"] - a["cy"]
    msg = f"{name}: dx={dx:.1f} dy={dy:.1f} h {a['h']}->{b['h']}"
    if label == "idle":
        assert all((t["x0"], t["x1"], t["y0"], t["y1"]) == (a["x0"], a["x1"], a["y0"], a["y1"]) for t in tr), msg
    elif label in ("move_left", "move_right", "move_up", "move_down"):
        horizontal = label in ("move_left", "move_right")
        along, across = (dx, dy) if horizontal else (dy, dx)
        sign = -1 if label in ("move_left", "move_up") else 1
        assert sign * along > 0, msg
        assert 0.15 * (w if horizontal else h) <= abs(along) <= 0.6 * (w if horizontal else h), msg
        assert abs(across) <= 0.1 * abs(along) + 1, msg
        # steady: the centre follows a straight line in time (overlay positions are whole pixels)
        for key in ("cx", "cy"):
            c_ = np.array([t[key] for t in win])
            assert np.abs(c_ - np.polyval(np.polyfit(tw, c_, 1), tw)).max() < 1.0, f"{name}: not steady"
        assert all(abs(t["area"] - a["area"]) <= 0.02 * a["area"] for t in win), msg
    elif label in ("approach", "recede"):
        sizes = np.sqrt([t["area"] for t in win])
        lo, hi = (1.4, 2.5) if label == "approach" else (0.4, 0.7)
        assert lo <= sizes[-1] / sizes[0] <= hi, f"{msg} ratio {sizes[-1] / sizes[0]:.2f}"
        assert lo <= b["h"] / a["h"] <= hi and lo <= b["w"] / a["w"] <= hi, msg
        assert abs(dx) < 0.06 * side and abs(dy) < 0.06 * side, msg
        # monotonic (sizes are whole pixels: a step may be 0 at 30 fps)
        assert (np.diff(sizes) * (1 if label == "approach" else -1) >= -0.5).all(), f"{name}: {sizes.round(1)}"
        # steady: log size is a straight line in time
        ls = np.log(sizes)
        assert np.abs(ls - np.polyval(np.polyfit(tw, ls, 1), tw)).max() < 0.03, f"{name}: not steady"
    elif label == "fall":
        # upright at the window start, lying at its end, on the same ground line
        assert a["h"] >= 1.8 * a["w"] and abs(abs(a["angle"]) - 90) < 1, f"{msg} start {a}"
        assert b["w"] >= 1.8 * b["h"] and abs(b["angle"]) < 1, f"{msg} end {b}"
        assert abs(b["y1"] - a["y1"]) <= 1, f"{name}: ground line moved {a['y1']} -> {b['y1']}"
        assert b["cy"] - a["cy"] >= 0.45 * (a["h"] - a["w"]), f"{name}: does not end lower"   # ideal: 0.5
        # turns about the bottom corner on the falling side: that corner stays put
        if spec["main"]["motion"]["side"] == "right":
            assert abs(b["x0"] - a["x1"]) <= 1 and dx > 0, f"{name}: pivot {a['x1']} -> {b['x0']}"
        else:
            assert abs(b["x1"] - a["x0"]) <= 1 and dx < 0, f"{name}: pivot {a['x0']} -> {b['x1']}"
        # still before, still after, the turn itself 0.3-0.6 s, all inside the window
        key = [(t["x0"], t["x1"], t["y0"], t["y1"], t["area"]) for t in win]
        changing = [j for j in range(1, len(win)) if key[j] != key[j - 1]]
        assert changing, f"{name}: never moves"
        t_start, t_end = tw[changing[0] - 1], tw[changing[-1]]   # last still frame .. first lying frame
        assert 0.3 - 1e-6 <= t_end - t_start <= 0.6 + 2.0 / fps + 1e-6, f"{name}: turn {t_start:.2f}..{t_end:.2f}"
        assert t_start >= tw[0] + 0.15 and t_end <= tw[-1] - 0.15, f"{name}: turn {t_start:.2f}..{t_end:.2f}"
        tilt = np.array([90 - abs(t["angle"]) for t in win[changing[0] - 1:changing[-1] + 1]])
        assert (np.diff(tilt) > 0).all(), f"{name}: tilt not increasing {tilt.round(1)}"


# ---- tests -----------------------------------------------------------------------------------

def test_clips_decode_with_the_declared_frame_count_size_and_rate(rendered):
    clips, _ = rendered
    for name, (spec, clip, _, _) in clips.items():
        assert clip.frames.shape == (spec["frames"], spec["height"], spec["width"], 3), name
        assert np.allclose(np.diff(clip.times), 1.0 / spec["fps"], atol=1e-3), name
        assert clip.times[0] == 0.0


def test_main_object_geometry_follows_the_class_definition(rendered):
    clips, _ = rendered
    for spec, full, _, masks in clips.values():
        check_motion(spec, masks, full.times)


def test_main_object_shows_in_the_decoded_clip_where_its_mask_is(rendered):
    clips, _ = rendered
    for spec, full, bare, masks in clips.values():
        check_visible(spec, full, bare, masks)


def test_same_seed_gives_the_same_clips_and_distractors_stay_small():
    a = ffclips.make_specs(3, 5)
    assert a == ffclips.make_specs(3, 5)
    assert [ffclips.filter_graph(s) for s in a] == [ffclips.filter_graph(s) for s in ffclips.make_specs(3, 5)]
    assert a != ffclips.make_specs(3, 6)
    assert {s["label"] for s in a} == set(ffclips.CLASSES)
    assert sum(s["background"]["kind"] == "vtest" for s in a) == len(a) // 3
    for s in ffclips.make_specs(6, 1):
        m = s["main"]
        main_lin = math.sqrt(m["w"] * m["h"]) * ffclips._scale_min_factor(m, (s["frames"] - 1) / s["fps"])
        for d in s["distractors"]:
            assert max(d["w"], d["h"]) <= 0.5 * main_lin + 1, s["file"]


def _counter_clip(path, fps, frames):
    """A clip whose grey level rises with the frame index (so a decoded frame tells its index)."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=black:s=64x48:r={fps},format=gray,geq=lum='16+3*N'",
                    "-frames:v", str(frames), "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", path],
                   check=True)


@pytest.mark.parametrize("fps,frames,t", [(10, 20, 8), (25, 50, 16), (30, 47, 8), (15, 30, 16)])
def test_evaluator_samples_the_window_ending_at_the_last_frame(tmp_path, fps, frames, t):
    path = str(tmp_path / f"count_{fps}.mp4")
    _counter_clip(path, fps, frames)
    clip = evaluate.decode_clip(path)
    assert len(clip.frames) == frames and abs(clip.end - (frames - 1) / fps) < 1e-6
    sampled, idx, times = evaluate.sample_window(clip, WINDOW, t)
    assert times == sample_times((frames - 1) / fps, WINDOW, t)
    # nearest frame by timestamp, ties to the earlier one, computed independently
    expect = [min(frames - 1, max(0, int(math.ceil(s * fps - 0.5 - 1e-9)))) for s in times]
    assert idx == expect and idx[-1] == frames - 1
    # the frames returned are those frames: decoded grey levels rise with the frame index
    level = clip.frames.reshape(frames, -1).mean(1)
    assert np.all(np.diff(level) > 1.5)
    assert np.allclose(sampled.reshape(t, -1).mean(1), level[expect])


def test_evaluate_reports_accuracy_and_confusion_by_background(rendered, tmp_path):
    _, clip_dir = rendered
    torch.manual_seed(0)
    name = "demo_slowfast"
    spec = archs.get(name)
    mdir = tmp_path / name
    mdir.mkdir()
    m = build_manifest(name=name, family=spec.family, frames=spec.frames, sampling_rate=spec.sampling_rate,
                       reference_fps=spec.reference_fps, inputs=spec.inputs, short_side=spec.short_side,
                       crop=spec.crop, mean=spec.mean, std=spec.std, labels_file="labels.txt",
                       num_classes=len(ffclips.CLASSES), source={"arch": name})
    write_manifest(m, str(mdir / "manifest.yaml"))
    write_labels(ffclips.CLASSES, str(mdir / "labels.txt"))
    torch.save({"model_state": spec.build().state_dict()}, str(mdir / "weights.pt"))
    module, manifest = evaluate.load_model(str(mdir))
    assert not module.training and manifest["clip"]["duration"] == WINDOW
    res = evaluate.evaluate([str(mdir)], clip_dir, batch=4, log=None)
    r = res["models"][name]
    n = len(_specs())
    assert r["all"]["clips"] == n == len(res["per_clip"])
    assert r["vtest"]["clips"] + r["synthetic"]["clips"] == n and r["vtest"]["clips"] == 4
    cm = np.array(r["all"]["confusion"])
    assert cm.shape == (8, 8) and cm.sum() == n
    assert cm.sum(1)[ffclips.CLASSES.index("fall")] == 2
    assert r["all"]["accuracy"] == pytest.approx(np.trace(cm) / n)
    assert len(r["errors"]) == n - np.trace(cm)
