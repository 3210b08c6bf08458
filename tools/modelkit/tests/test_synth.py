"""The generator's clips show the motion their label names, measured on the rendered pixels."""
import math

import numpy as np
import pytest

from modelkit import synth


def _plain_scene(label: str, seed: int, duration: float = 1.6):
    """A scene of `label` with only the main object on a flat background, no camera effects."""
    rng = np.random.default_rng(seed)
    scene = synth.random_scene(rng, label, duration, size=(120, 160), fps=15.0)
    while scene.main is None:  # idle may have no main object; that case is tested separately
        scene = synth.random_scene(rng, label, duration, size=(120, 160), fps=15.0)
    scene.background = np.full((120, 160, 3), 0.5, dtype=np.float32)
    scene.main_look.colors[:] = (1.0, 0.0, 0.0)
    scene.main_look.outline = 0.0
    scene.distractors, scene.statics = [], []
    scene.brightness, scene.noise_sigma, scene.jpeg_quality = (1.0, 0.0, 0.0), 0.0, 95
    scene.bg_drift = (0.0, 0.0)
    m = scene.main
    m.wrap, m.conveyor, m.reset_at, m.respawn_before = None, None, None, None
    return scene, rng


def _mask(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.int32)
    return (f[..., 0] > 180) & (f[..., 1] < 90) & (f[..., 2] < 90)


def _measure(frame: np.ndarray):
    """(centroid x, centroid y, area, bbox width, bbox height) of the red main object."""
    ys, xs = np.nonzero(_mask(frame))
    assert len(xs) > 20, "main object not visible"
    return xs.mean(), ys.mean(), len(xs), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def _track(label: str, seed: int):
    scene, rng = _plain_scene(label, seed)
    return [_measure(synth.render_frame(scene, t, rng)) for t in (0.0, 1.6)], scene


SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
def test_idle_object_stays_put(seed):
    (x0, y0, a0, _, _), (x1, y1, a1, _, _) = _track("idle", seed)[0]
    assert math.hypot(x1 - x0, y1 - y0) < 1.0
    assert abs(a1 - a0) / a0 < 0.05


@pytest.mark.parametrize("label,axis,sign", [("move_left", 0, -1), ("move_right", 0, 1),
                                             ("move_up", 1, -1), ("move_down", 1, 1)])
@pytest.mark.parametrize("seed", SEEDS)
def test_moving_object_goes_its_way(label, axis, sign, seed):
    (start, end), scene = _track(label, seed)
    side = min(scene.height, scene.width)
    along = (end[axis] - start[axis]) * sign
    across = abs(end[1 - axis] - start[1 - axis])
    # Partial visibility at the view's edge shifts a centroid, so allow some slack.
    assert along > 0.1 * side, f"moved {along:.1f}px along, side {side}"
    assert across < 0.5 * along + 2


@pytest.mark.parametrize("label,lo,hi", [("approach", 1.6, 7.0), ("recede", 0.1, 0.55)])
@pytest.mark.parametrize("seed", SEEDS)
def test_object_grows_or_shrinks(label, lo, hi, seed):
    (start, end), _ = _track(label, seed)
    ratio = end[2] / start[2]
    assert lo < ratio < hi, f"area ratio {ratio:.2f}"
    assert math.hypot(end[0] - start[0], end[1] - start[1]) < 0.1 * 160


@pytest.mark.parametrize("seed", SEEDS)
def test_fall_tips_an_upright_object_flat_and_lower(seed):
    scene, rng = _plain_scene("fall", seed)
    m = scene.main
    before = _measure(synth.render_frame(scene, max(0.0, m.fall_start - 0.01), rng))
    after = _measure(synth.render_frame(scene, m.fall_start + m.fall_time + 0.01, rng))
    end = _measure(synth.render_frame(scene, 1.6, rng))
    assert before[4] > 1.5 * before[3], "starts upright"
    assert after[3] > 1.5 * after[4], "ends lying"
    assert after[1] > before[1] + 0.2 * before[4], "ends lower"
    assert end[:3] == pytest.approx(after[:3], abs=0.5), "lies still after the fall"
    assert 0.3 <= m.fall_time <= 0.6 and m.fall_start + m.fall_time <= 1.6


def test_fall_pivots_on_its_bottom_corner():
    for seed in SEEDS:
        scene, rng = _plain_scene("fall", seed)
        m = scene.main
        corner_x = m.cx + m.pivot_side * m.hw
        corner_y = m.cy + m.hh
        for t in np.linspace(m.fall_start, m.fall_start + m.fall_time, 5):
            cx, cy, hw, hh, angle, _ = m.state(float(t))
            # The corner, rotated with the object, stays where it was.
            c, s = math.cos(angle), math.sin(angle)
            px = cx + m.pivot_side * hw * c - hh * s
            py = cy + m.pivot_side * hw * s + hh * c
            assert (px, py) == pytest.approx((corner_x, corner_y), abs=1e-6)


def test_distractors_stay_smaller_than_the_main_object():
    rng = np.random.default_rng(7)
    people = 0
    for i in range(80):
        scene = synth.random_scene(rng, synth.LABELS[i % 8], 1.6)
        if scene.main is None:
            continue
        m = scene.main
        for d in scene.distractors:
            if d.look.shape == "person":  # tall but thin: at most 0.7 of the main's long side
                people += 1
                assert d.hh <= 0.7 * max(m.hw, m.hh) + 1e-6
                assert d.hw * d.hh < 0.8 * m.hw * m.hh
            else:
                assert 2 * max(d.hw, d.hh) <= 0.56 * 2 * min(m.hw, m.hh) + 1e-6
    assert people > 0


def test_real_photographs_serve_as_backgrounds_but_not_the_test_footage():
    assert synth.photos(), "opencv-doc's example photos are missing (apt-get install opencv-doc)"
    assert not any("vtest" in p for p in synth.PHOTOS)
    rng = np.random.default_rng(1)
    kinds = {synth.random_background(rng, 96, 128)[1] for _ in range(40)}
    assert "photo" in kinds and len(kinds) > 3


def test_same_seed_same_clip_and_different_seed_different_clip():
    a, _ = synth.render_clip("move_left", 8, 1.6, np.random.default_rng(3))
    b, _ = synth.render_clip("move_left", 8, 1.6, np.random.default_rng(3))
    c, _ = synth.render_clip("move_left", 8, 1.6, np.random.default_rng(4))
    assert a.dtype == np.uint8 and a.shape[0] == 8 and a.shape[-1] == 3
    assert np.array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)


def test_camera_times_are_nearest_camera_frames():
    rng = np.random.default_rng(0)
    times = synth.camera_times(1.6, 8, 10.0, rng)
    assert len(times) == 8 and times == sorted(times)
    targets = [i * 1.6 / 7 for i in range(8)]
    assert all(abs(t - g) <= 0.05 + 1e-9 for t, g in zip(times, targets))
