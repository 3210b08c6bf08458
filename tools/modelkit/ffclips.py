"""An independent test set for the demo action models, rendered by ffmpeg.

The demo models are trained on clips from our own numpy generator (modelkit.synth). To show that
they learned the actions rather than the generator's look, this module renders clips with a
different tool: ffmpeg filter graphs whose object motion is written as time expressions.

    cd tools && /usr/bin/python3 -m modelkit.ffclips --out DIR --per-class N --seed S [--duration 2.0]

writes DIR/<label>_<i>.mp4 (some .avi, MJPEG) and DIR/labels.csv. The same seed gives the same
clip list and parameters (each clip's parameters come from its own seeded generator).

Scene = background + small distractors + the MAIN object (largest salient shape) + camera effects:
  * background: vtest.avi (real footage, people walking; random start, random crop) for every
    third clip, otherwise one of ffmpeg's sources: flat colour, slowly turning gradients, a frozen
    mandelbrot or cellauto texture, an evolving game of life, testsrc2 (busy ones toned down),
    a frozen noise texture;
  * distractors: 0-3 shapes no larger than 0.45x the main object's smallest linear size, moving
    on lines or sinusoids in any direction (they never decide the class);
  * main object: a sprite drawn once by geq (colour + alpha mask of an ellipse, rectangle,
    rounded rectangle, triangle or diamond; optionally a tinted testsrc2/mandelbrot/cellauto/life
    texture and a border), then looped and animated per frame:
      move_*      overlay x/y = linear functions of t (the whole clip),
      approach /  scale=eval=frame with w/h = base * exp(k (t - t_max)), centre fixed by the
      recede      overlay position (x = cx - overlay_w/2),
      fall        the sprite sits in a square canvas whose centre is its bottom corner, so rotate
                  (angle = +-pi/2 * ease((t - t0) / dur), transparent fill) turns it about that
                  corner; the canvas overlay position puts the corner on the ground point;
  * camera: optional brightness change (eq, brightness expression of t) and temporal noise.

Geometry: the models see the centre square of a frame (short-side resize, centre crop), so
during the window the main object stays inside that square; its sizes (18-45% height) and the
vertical amounts are fractions of the square's side (= the frame height for landscape sizes),
horizontal displacement is 20-50% of the side and at least 15% of the frame width.

main_object_masks(spec) renders the main object alone (white on black, same expressions) for
checking a clip's geometry; render(spec, path, with_main=False) renders the clip without it.

Timing: the evaluator takes the window of the model's clip duration D ending at the LAST frame
(t_last = (N-1)/fps). Continuous actions run over the whole clip, with their amounts (15-60% of
the frame, scale ratio 1.5-2.3 / 0.45-0.67) defined over D; a fall starts >= 0.2 s after the
window start and ends >= 0.2 s before t_last.
"""
from __future__ import annotations

import argparse
import colorsys
import concurrent.futures
import csv
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

from .labels import DEMO_LABELS

CLASSES = tuple(DEMO_LABELS)   # idle, move_left, move_right, move_up, move_down, approach, recede, fall
VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
VTEST_SIZE = (768, 576)
VTEST_LENGTH = 79.5          # seconds
SIZES = ((320, 240), (480, 270), (384, 288))
FPS_CHOICES = (10, 15, 25, 30)
SYNTH_BACKGROUNDS = ("flat", "gradients", "mandelbrot", "cellauto", "life", "testsrc2", "noise")
SHAPES = ("ellipse", "rect", "roundrect", "triangle", "diamond")
FALL_SHAPES = ("rect", "roundrect")
TEXTURES = ("testsrc2", "mandelbrot", "cellauto", "life")
MANDEL_POINTS = ((-0.7436, 0.1318), (-0.745, 0.113), (-1.2507, 0.0201), (-0.1011, 0.9563),
                 (0.2850, 0.0100), (-0.7500, 0.0500), (-1.7490, 0.0000), (0.3602, -0.6413))
MARGIN = 3                   # px kept between the main object and the frame edge in the window

Color = Tuple[int, int, int]


# ---- small helpers ---------------------------------------------------------------------------

def _hex(c: Color) -> str:
    return "0x%02X%02X%02X" % tuple(int(v) for v in c)


def _f(v: float) -> str:
    """A number for a filter expression (no exponent notation, no locale)."""
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def _hsv(h: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))


def _dist(a: Color, b: Color) -> float:
    return math.sqrt(sum((float(x) - float(y)) ** 2 for x, y in zip(a, b)))


def _contrasting_color(rng: random.Random, refs: Sequence[Color], min_dist: float = 130.0) -> Color:
    """A saturated (or near black/white) colour far from every reference background colour."""
    best, best_d = (255, 0, 0), -1.0
    for _ in range(300):
        u = rng.random()
        if u < 0.08:
            c = _hsv(rng.random(), rng.uniform(0, 0.2), rng.uniform(0.04, 0.12))
        elif u < 0.16:
            c = _hsv(rng.random(), rng.uniform(0, 0.15), rng.uniform(0.92, 1.0))
        else:
            c = _hsv(rng.random(), rng.uniform(0.65, 1.0), rng.uniform(0.72, 1.0))
        d = min(_dist(c, r) for r in refs) if refs else 999.0
        if d >= min_dist:
            return c
        if d > best_d:
            best, best_d = c, d
    return best


def _muted_color(rng: random.Random, v_lo: float = 0.2, v_hi: float = 0.8, s_hi: float = 0.4) -> Color:
    return _hsv(rng.random(), rng.uniform(0.0, s_hi), rng.uniform(v_lo, v_hi))


# ---- scene parameters (pure data, seeded) ------------------------------------------------------

def _window(spec_frames: int, fps: float, window: float) -> Tuple[float, float]:
    t_last = (spec_frames - 1) / fps
    return t_last - window, t_last


def _background(rng: random.Random, kind: str, w: int, h: int, duration: float) -> Dict:
    bg: Dict = {"kind": kind, "seed": rng.randrange(1, 2 ** 31)}
    if kind == "vtest":
        bg["start"] = round(rng.uniform(0.0, VTEST_LENGTH - duration - 1.5), 2)
        # a crop of vtest with the clip's aspect ratio, 75-100% of the largest such crop
        vw, vh = VTEST_SIZE
        cw_max = min(vw, vh * w / h)
        f = rng.uniform(0.75, 1.0)
        cw = int(cw_max * f) // 2 * 2
        ch = int(round(cw * h / w)) // 2 * 2
        bg["crop"] = [cw, ch, rng.randint(0, vw - cw), rng.randint(0, vh - ch)]
        bg["refs"] = [(96, 140, 60), (150, 150, 146), (125, 105, 85), (200, 200, 195)]
    elif kind == "flat":
        c = _muted_color(rng, 0.15, 0.85, 0.45)
        bg["color"] = c
        bg["refs"] = [c]
    elif kind == "gradients":
        n = rng.choice((2, 2, 3))
        cols = [_muted_color(rng, 0.15, 0.85, 0.5) for _ in range(n)]
        bg.update(colors=cols, type=rng.choice(("linear", "radial", "circular")),
                  speed=round(rng.uniform(0.002, 0.015), 4))
        bg["refs"] = cols
    elif kind == "mandelbrot":
        x, y = rng.choice(MANDEL_POINTS)
        bg.update(x=x + rng.uniform(-0.002, 0.002), y=y + rng.uniform(-0.002, 0.002),
                  scale=round(10 ** rng.uniform(-2.3, -0.3), 5),
                  contrast=round(rng.uniform(0.35, 0.6), 2), saturation=round(rng.uniform(0.2, 0.5), 2))
        bg["refs"] = [(128, 128, 128), (60, 60, 60), (190, 190, 190)]
    elif kind == "cellauto":
        c0, c1 = _muted_color(rng, 0.2, 0.5, 0.35), _muted_color(rng, 0.5, 0.8, 0.35)
        bg.update(rule=rng.choice((30, 18, 90, 110, 150, 73, 105)), cell=rng.choice((2, 3, 4)),
                  fill=round(rng.uniform(0.3, 0.7), 2), colors=[c0, c1])
        bg["refs"] = [c0, c1]
    elif kind == "life":
        cols = [_muted_color(rng, 0.2, 0.7, 0.4) for _ in range(3)]
        bg.update(cell=rng.choice((2, 3, 4)), ratio=round(rng.uniform(0.1, 0.4), 2),
                  gens_per_s=rng.choice((3, 5, 8)), mold=rng.choice((0, 10, 30)), colors=cols)
        bg["refs"] = cols
    elif kind == "testsrc2":
        bg.update(contrast=round(rng.uniform(0.3, 0.5), 2), saturation=round(rng.uniform(0.2, 0.5), 2),
                  start_frame=rng.randrange(0, 200))
        bg["refs"] = [(128, 128, 128), (90, 90, 90), (170, 170, 170)]
    elif kind == "noise":
        c = _muted_color(rng, 0.25, 0.75, 0.4)
        bg.update(color=c, strength=rng.randint(20, 60))
        bg["refs"] = [c]
    else:
        raise ValueError(f"unknown background {kind!r}")
    return bg


def _fill(rng: random.Random, refs: Sequence[Color], busy: bool) -> Dict:
    color = _contrasting_color(rng, refs)
    fill: Dict = {"color": color}
    tw = round(rng.uniform(0.25, 0.45), 2)
    dark = tuple(v * (1 - tw) for v in color)     # the texture's darkest tint must contrast too
    if rng.random() < 0.35 and min(_dist(dark, r) for r in refs) >= 100:
        tex = rng.choice(TEXTURES)
        fill["texture"] = {"kind": tex, "seed": rng.randrange(1, 2 ** 31), "weight": tw}
        if tex == "mandelbrot":
            x, y = rng.choice(MANDEL_POINTS)
            fill["texture"].update(x=x, y=y, scale=round(10 ** rng.uniform(-2, -0.5), 4))
        elif tex == "cellauto":
            fill["texture"].update(rule=rng.choice((30, 90, 110, 150)), cell=rng.choice((1, 2, 3)))
        elif tex == "life":
            fill["texture"].update(cell=rng.choice((1, 2, 3)), gen=rng.randrange(3, 40))
        else:
            fill["texture"].update(frame=rng.randrange(0, 100))
    if busy or rng.random() < 0.3:
        lum = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
        fill["border"] = {"color": (20, 20, 20) if lum > 110 else (235, 235, 235), "width": rng.choice((2, 2, 3))}
    return fill


def view_square(w: int, h: int) -> Tuple[float, float, float]:
    """(x0, y0, side) of the centre square the models see (short-side resize + centre crop)."""
    side = float(min(w, h))
    return (w - side) / 2.0, (h - side) / 2.0, side


def _main_object(rng: random.Random, label: str, w: int, h: int, fps: float, frames: int,
                 window: float, refs: Sequence[Color], busy: bool, vtest: bool) -> Dict:
    """Main object shape, fill and motion. Sizes and amounts are fractions of the centre square
    (what the model sees: its side is the frame height for landscape clips); during the window the
    object stays inside that square, MARGIN px from its edges. Horizontal displacement is also at
    least 15% of the full frame width."""
    ws, tl = _window(frames, fps, window)
    x0, y0, side = view_square(w, h)
    h_lo = 0.24 if vtest else 0.2            # people in vtest are ~15% of the frame height
    obj: Dict = {"fill": _fill(rng, refs, busy or vtest)}

    def pos(lo_ext: float, hi_ext: float, axis: int) -> Optional[float]:
        """A coordinate on an axis so that [c - lo_ext, c + hi_ext] lies inside the square."""
        o = x0 if axis == 0 else y0
        lo, hi = o + lo_ext + MARGIN, o + side - hi_ext - MARGIN
        return rng.uniform(lo, hi) if hi > lo else None

    for _ in range(1000):
        if label == "fall":
            oh = rng.uniform(max(h_lo, 0.25), 0.42) * side
            ow = oh * rng.uniform(0.28, 0.5)
            if ow < 10:
                continue
            sd = rng.choice(("left", "right"))
            # pivot = the bottom corner on the falling side; standing it spans ow on the other
            # side of the pivot, lying it spans oh on the falling side, height ow
            px = pos(ow, oh, 0) if sd == "right" else pos(oh, ow, 0)
            py = pos(oh, 0, 1)
            if px is None or py is None:
                continue
            dur = rng.uniform(0.3, 0.6)
            t0 = rng.uniform(ws + 0.2, tl - 0.2 - dur)
            obj.update(shape=rng.choice(FALL_SHAPES), w=round(ow), h=round(oh),
                       motion={"type": "fall", "side": sd, "pivot": [round(px, 2), round(py, 2)],
                               "t0": round(t0, 4), "dur": round(dur, 4),
                               "ease": rng.choice(("linear", "accelerate", "smooth"))})
            return obj
        shape = rng.choice(SHAPES)
        aspect = rng.uniform(0.6, 1.6)            # width / height
        if label in ("approach", "recede"):
            lo = max(h_lo, 0.19)
            if label == "approach":
                r = rng.uniform(1.5, 2.3)          # size ratio over the window
                if 0.44 / r <= lo:
                    continue
                h0 = rng.uniform(lo, 0.44 / r)
            else:
                r = rng.uniform(0.45, 0.67)
                if lo / r >= 0.44:
                    continue
                h0 = rng.uniform(lo / r, 0.44)
            k = math.log(r) / window               # size(t) = size(ws) * exp(k (t - ws))
            t_max = tl if label == "approach" else 0.0
            oh_max = h0 * math.exp(k * (t_max - ws)) * side
            hwin = max(h0, h0 * r) * side          # largest height inside the window
            wwin = hwin * aspect
            drift = 0.03 * side if rng.random() < 0.5 else 0.0
            dx, dy = rng.uniform(-drift, drift), rng.uniform(-drift, drift)  # centre drift over the window
            cx = pos(wwin / 2 + max(0.0, -dx), wwin / 2 + max(0.0, dx), 0)
            cy = pos(hwin / 2 + max(0.0, -dy), hwin / 2 + max(0.0, dy), 1)
            if cx is None or cy is None:
                continue
            vx, vy = dx / window, dy / window      # (cx, cy) = centre at the window start
            s_min = h0 * min(math.exp(k * (0 - ws)), math.exp(k * (tl - ws)))
            obj.update(shape=shape, w=max(4, round(oh_max * aspect)), h=max(4, round(oh_max)),
                       motion={"type": "scale", "k": round(k, 6), "t_max": round(t_max, 4),
                               "cx0": round(cx - vx * ws, 3), "cy0": round(cy - vy * ws, 3),
                               "vx": round(vx, 4), "vy": round(vy, 4), "ratio": round(r, 4),
                               "h_window": [round(h0, 4), round(h0 * r, 4)], "h_min": round(s_min, 4)})
            return obj
        oh = rng.uniform(h_lo, 0.42) * side
        ow = oh * aspect
        if label == "idle":
            cx, cy = pos(ow / 2, ow / 2, 0), pos(oh / 2, oh / 2, 1)
            if cx is None or cy is None:
                continue
            obj.update(shape=shape, w=round(ow), h=round(oh),
                       motion={"type": "linear", "cx0": round(cx, 3), "cy0": round(cy, 3), "vx": 0.0, "vy": 0.0})
            return obj
        horizontal = label in ("move_left", "move_right")
        sign = -1.0 if label in ("move_left", "move_up") else 1.0
        lo_d = max(0.2 * side, 0.15 * w) if horizontal else 0.2 * side
        if lo_d >= 0.5 * side:
            continue
        d = rng.uniform(lo_d, 0.5 * side)         # displacement over the window
        drift = rng.uniform(-0.08, 0.08) * d      # perpendicular drift over the window
        ext_m, ext_o = (ow, oh) if horizontal else (oh, ow)
        # window-start centre: the path [c, c + sign d] inside the square
        c_m = pos(ext_m / 2 + (d if sign < 0 else 0), ext_m / 2 + (d if sign > 0 else 0), 0 if horizontal else 1)
        c_o = pos(ext_o / 2 + max(0.0, -drift), ext_o / 2 + max(0.0, drift), 1 if horizontal else 0)
        if c_m is None or c_o is None:
            continue
        v, vd = sign * d / window, drift / window
        if horizontal:
            cx, cy, vx, vy = c_m, c_o, v, vd
        else:
            cx, cy, vx, vy = c_o, c_m, vd, v
        # before the window the object may leave the square or the frame (clip longer than D)
        obj.update(shape=shape, w=round(ow), h=round(oh),
                   motion={"type": "linear", "cx0": round(cx - vx * ws, 3), "cy0": round(cy - vy * ws, 3),
                           "vx": round(vx, 4), "vy": round(vy, 4),
                           "displacement": round(d / (w if horizontal else h), 4)})
        return obj
    raise RuntimeError(f"could not place a {label} object in {w}x{h}")


def _scale_min_factor(obj: Dict, t_last: float) -> float:
    """Smallest size of the main object over the clip [0, t_last], relative to its sprite size."""
    m = obj["motion"]
    if m["type"] != "scale":
        return 1.0
    # size(t) / size_max = exp(k (t - t_max)); smallest at the other end of the clip
    return min(math.exp(m["k"] * (0.0 - m["t_max"])), math.exp(m["k"] * (t_last - m["t_max"])))


def _distractors(rng: random.Random, w: int, h: int, main_lin: float, main_color: Color) -> List[Dict]:
    n = rng.choice((0, 0, 1, 1, 2, 3))
    out = []
    for _ in range(n):
        lin = rng.uniform(0.2, 0.45) * main_lin
        if lin < 5:
            continue
        aspect = rng.uniform(0.6, 1.6)
        dw, dh = lin * min(1.0, aspect), lin / max(1.0, aspect)   # longest side = lin
        dw, dh = max(3, int(dw)), max(3, int(dh))
        c = _hsv(rng.random(), rng.uniform(0.1, 0.8), rng.uniform(0.3, 0.95))
        for _ in range(20):   # not the main object's colour
            if _dist(c, main_color) >= 80:
                break
            c = _hsv(rng.random(), rng.uniform(0.1, 0.8), rng.uniform(0.3, 0.95))
        if rng.random() < 0.5:
            ang = rng.uniform(0, 2 * math.pi)
            sp = rng.uniform(0.05, 0.4) * w
            mot = {"type": "line", "x0": rng.uniform(0, w), "y0": rng.uniform(0, h),
                   "vx": sp * math.cos(ang), "vy": sp * math.sin(ang)}
        else:
            mot = {"type": "sine", "x0": rng.uniform(0.1, 0.9) * w, "y0": rng.uniform(0.1, 0.9) * h,
                   "ax": rng.uniform(0, 0.2) * w, "ay": rng.uniform(0, 0.2) * h,
                   "f": rng.uniform(0.3, 1.2), "px": rng.uniform(0, 6.3), "py": rng.uniform(0, 6.3)}
        mot = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in mot.items()}
        out.append({"shape": rng.choice(SHAPES), "w": dw, "h": dh, "color": c, "motion": mot})
    return out


def make_spec(label: str, index: int, seed: int, duration: float = 2.0, window: float = 1.6,
              background: Optional[str] = None) -> Dict:
    """All parameters of one clip, from its own generator (seed, label, index)."""
    rng = random.Random(f"ffclips:{seed}:{label}:{index}")
    fps = rng.choice(FPS_CHOICES)
    w, h = rng.choice(SIZES)
    frames = int(round(duration * fps))
    if (frames - 1) / fps < window + 1e-9:
        raise ValueError(f"--duration {duration}s leaves less than the window {window}s between the first "
                         f"and last frame at {fps} fps (use at least {window + 0.1:.1f}s)")
    kind = background or ("vtest" if index % 3 == 0 else rng.choice(SYNTH_BACKGROUNDS))
    bg = _background(rng, kind, w, h, duration)
    busy = kind in ("mandelbrot", "cellauto", "life", "testsrc2", "noise")
    main = _main_object(rng, label, w, h, fps, frames, window, bg["refs"], busy, kind == "vtest")
    lin = math.sqrt(main["w"] * main["h"]) * _scale_min_factor(main, (frames - 1) / fps)
    distractors = _distractors(rng, w, h, lin, main["fill"]["color"])
    camera: Dict = {}
    if rng.random() < 0.35:
        if rng.random() < 0.5:
            camera["brightness"] = {"type": "sine", "amp": round(rng.uniform(0.04, 0.12), 3),
                                    "period": round(rng.uniform(0.8, 3.0), 3), "phase": round(rng.uniform(0, 6.3), 3)}
        else:
            camera["brightness"] = {"type": "ramp", "amp": round(rng.uniform(0.04, 0.12), 3) * rng.choice((-1, 1))}
    if rng.random() < 0.4:
        camera["noise"] = rng.randint(4, 14)
    codec = "mjpeg" if rng.random() < 0.15 else "h264"
    return {
        "file": f"{label}_{index:03d}." + ("avi" if codec == "mjpeg" else "mp4"),
        "label": label, "fps": fps, "width": w, "height": h, "frames": frames,
        "duration": duration, "window": window, "seed": rng.randrange(1, 2 ** 31),
        "codec": codec, "quality": rng.randint(18, 26) if codec == "h264" else rng.randint(2, 6),
        "background": bg, "main": main, "distractors": distractors, "camera": camera,
    }


def make_specs(per_class: int, seed: int, duration: float = 2.0, window: float = 1.6,
               classes: Sequence[str] = CLASSES) -> List[Dict]:
    return [make_spec(c, i, seed, duration, window) for c in classes for i in range(per_class)]


# ---- filter graph --------------------------------------------------------------------------

def _mask_expr(shape: str, ox: float, oy: float, w: float, h: float) -> str:
    """geq expression in [0, 1]: coverage of pixel (X, Y) by a shape with top-left (ox, oy)."""
    u = f"(X+0.5-{_f(ox)})"
    v = f"(Y+0.5-{_f(oy)})"
    hw, hh = w / 2.0, h / 2.0
    inside = f"between({u},0,{_f(w)})*between({v},0,{_f(h)})"
    if shape == "rect":
        return inside
    if shape == "ellipse":
        return (f"clip((1-hypot(({u}-{_f(hw)})/{_f(hw)},({v}-{_f(hh)})/{_f(hh)}))*{_f(min(hw, hh))}+0.5,0,1)")
    if shape == "roundrect":
        r = min(w, h) * 0.25
        dx = f"max(abs({u}-{_f(hw)})-{_f(hw - r)},0)"
        dy = f"max(abs({v}-{_f(hh)})-{_f(hh - r)},0)"
        return f"clip({_f(r)}-hypot({dx},{dy})+0.5,0,1)*{inside}"
    if shape == "triangle":   # apex up
        return f"between({v},0,{_f(h)})*clip({_f(hw)}*{v}/{_f(h)}-abs({u}-{_f(hw)})+0.5,0,1)"
    if shape == "diamond":
        return (f"clip((1-abs({u}-{_f(hw)})/{_f(hw)}-abs({v}-{_f(hh)})/{_f(hh)})*{_f(min(hw, hh))}+0.5,0,1)")
    raise ValueError(f"unknown shape {shape!r}")


def _texture_source(tex: Dict, cw: int, ch: int, fps: int) -> str:
    k = tex["kind"]
    seed = tex["seed"] % (2 ** 31)
    if k == "testsrc2":
        return f"testsrc2=s={cw}x{ch}:r={fps},trim=start_frame={tex['frame']}:end_frame={tex['frame'] + 1}"
    if k == "mandelbrot":
        return (f"mandelbrot=s={cw}x{ch}:r={fps}:start_x={_f(tex['x'])}:start_y={_f(tex['y'])}"
                f":start_scale={_f(tex['scale'])}:end_scale={_f(tex['scale'])}:maxiter=1024,trim=end_frame=1")
    c = tex["cell"]
    sw, sh = max(4, -(-cw // c)), max(4, -(-ch // c))
    if k == "cellauto":
        return (f"cellauto=s={sw}x{sh}:r={fps}:rule={tex['rule']}:full=1:seed={seed},trim=end_frame=1,"
                f"scale={cw}:{ch}:flags=neighbor")
    if k == "life":
        g = tex["gen"]
        return (f"life=s={sw}x{sh}:r={fps}:seed={seed}:ratio=0.35:mold=0,trim=start_frame={g}:end_frame={g + 1},"
                f"scale={cw}:{ch}:flags=neighbor")
    raise ValueError(f"unknown texture {k!r}")


def _sprite(shape: str, fill: Dict, cw: int, ch: int, ox: float, oy: float, w: float, h: float,
            fps: int) -> str:
    """Filter chain (no input) producing the looped RGBA sprite: canvas cw x ch, shape at (ox, oy)."""
    mask = _mask_expr(shape, ox, oy, w, h)
    r, g, b = fill["color"]
    tex = fill.get("texture")
    if tex:
        src = _texture_source(tex, cw, ch, fps) + ",format=rgba"
        tw = tex["weight"]
        # tint: the texture's luminance modulates the fill colour
        lum = "(0.299*r(X,Y)+0.587*g(X,Y)+0.114*b(X,Y))/255"
        cols = [f"{_f(c * (1 - tw))}+{_f(c * tw * 1.6)}*{lum}" for c in (r, g, b)]
        cols = [f"min(255,{c})" for c in cols]
    else:
        src = f"color=c=black:s={cw}x{ch}:r={fps},trim=end_frame=1,format=rgba"
        cols = [str(r), str(g), str(b)]
    border = fill.get("border")
    if border:
        bw = border["width"]
        inner = _mask_expr(shape, ox + bw, oy + bw, w - 2 * bw, h - 2 * bw) if min(w, h) > 3 * bw else "0"
        bc = border["color"]
        cols = [f"({c})*gte({inner},0.5)+{bc[i]}*lt({inner},0.5)" for i, c in enumerate(cols)]
    geq = f"geq=r='{cols[0]}':g='{cols[1]}':b='{cols[2]}':a='255*{mask}'"
    return f"{src},{geq},setpts=PTS-STARTPTS,loop=loop=-1:size=1,settb=1/{fps},setpts=N"


def _background_chain(bg: Dict, w: int, h: int, fps: int) -> Tuple[List[str], str]:
    """(extra ffmpeg input args, filter chain producing the rgb24 background)."""
    k = bg["kind"]
    seed = bg["seed"] % (2 ** 31)
    freeze = f"setpts=PTS-STARTPTS,loop=loop=-1:size=1,settb=1/{fps},setpts=N"
    if k == "vtest":
        cw, ch, cx, cy = bg["crop"]
        return (["-ss", _f(bg["start"]), "-i", VTEST],
                f"[0:v]setpts=PTS-STARTPTS,fps={fps},crop={cw}:{ch}:{cx}:{cy},scale={w}:{h}:flags=bilinear")
    if k == "flat":
        return [], f"color=c={_hex(bg['color'])}:s={w}x{h}:r={fps}"
    if k == "gradients":
        cs = ":".join(f"c{i}={_hex(c)}" for i, c in enumerate(bg["colors"]))
        return [], (f"gradients=s={w}x{h}:r={fps}:n={len(bg['colors'])}:{cs}:type={bg['type']}"
                    f":speed={_f(bg['speed'])}:seed={seed}")
    if k == "mandelbrot":
        return [], (f"mandelbrot=s={w}x{h}:r={fps}:start_x={_f(bg['x'])}:start_y={_f(bg['y'])}"
                    f":start_scale={_f(bg['scale'])}:end_scale={_f(bg['scale'])}:maxiter=1024,trim=end_frame=1,"
                    f"eq=contrast={_f(bg['contrast'])}:saturation={_f(bg['saturation'])},{freeze}")
    if k == "cellauto":
        c = bg["cell"]
        (r0, g0, b0), (r1, g1, b1) = bg["colors"]
        return [], (f"cellauto=s={-(-w // c)}x{-(-h // c)}:r={fps}:rule={bg['rule']}:full=1:seed={seed}"
                    f":ratio={_f(bg['fill'])},trim=end_frame=1,scale={w}:{h}:flags=neighbor,format=rgb24,"
                    f"lutrgb=r='if(gt(val,127),{r1},{r0})':g='if(gt(val,127),{g1},{g0})'"
                    f":b='if(gt(val,127),{b1},{b0})',{freeze}")
    if k == "life":
        c = bg["cell"]
        lc, dc, mc = bg["colors"]
        return [], (f"life=s={-(-w // c)}x{-(-h // c)}:r={bg['gens_per_s']}:seed={seed}:ratio={_f(bg['ratio'])}"
                    f":mold={bg['mold']}:life_color={_hex(lc)}:death_color={_hex(dc)}:mold_color={_hex(mc)},"
                    f"trim=start_frame=10,setpts=PTS-STARTPTS,fps={fps},scale={w}:{h}:flags=neighbor")
    if k == "testsrc2":
        # frozen: its moving square is as large as a main object and would be a second actor
        f0 = bg["start_frame"]
        return [], (f"testsrc2=s={w}x{h}:r={fps},trim=start_frame={f0}:end_frame={f0 + 1},"
                    f"eq=contrast={_f(bg['contrast'])}:saturation={_f(bg['saturation'])},{freeze}")
    if k == "noise":
        return [], (f"color=c={_hex(bg['color'])}:s={w}x{h}:r={fps},trim=end_frame=1,"
                    f"noise=alls={bg['strength']}:all_seed={seed},{freeze}")
    raise ValueError(f"unknown background {k!r}")


def _ease(kind: str, u: str) -> str:
    if kind == "linear":
        return u
    if kind == "accelerate":
        return f"{u}*{u}"
    return f"{u}*{u}*(3-2*{u})"


def _main_chain(obj: Dict, fps: int) -> Tuple[str, str, str]:
    """(sprite chain, overlay x expression, overlay y expression) for the main object."""
    m = obj["motion"]
    w, h = obj["w"], obj["h"]
    if m["type"] == "fall":
        L = int(math.ceil(math.hypot(w, h))) + 2
        ox = L - w if m["side"] == "right" else L   # the pivot corner sits at the canvas centre
        chain = _sprite(obj["shape"], obj["fill"], 2 * L, 2 * L, ox, L - h, w, h, fps)
        u = f"clip((t-{_f(m['t0'])})/{_f(m['dur'])},0,1)"
        sign = "" if m["side"] == "right" else "-"  # rotate: positive angle = clockwise
        chain += f",rotate=a='{sign}PI/2*{_ease(m['ease'], u)}':c=none:ow=iw:oh=ih"
        px, py = m["pivot"]
        return chain, f"'{_f(px)}-overlay_w/2'", f"'{_f(py)}-overlay_h/2'"
    chain = _sprite(obj["shape"], obj["fill"], w, h, 0, 0, w, h, fps)
    cx = f"{_f(m['cx0'])}+{_f(m['vx'])}*t"
    cy = f"{_f(m['cy0'])}+{_f(m['vy'])}*t"
    if m["type"] == "scale":
        f = f"exp({_f(m['k'])}*(t-{_f(m['t_max'])}))"
        chain += f",scale=w='max(2,round({w}*{f}))':h='max(2,round({h}*{f}))':eval=frame:flags=bilinear"
    return chain, f"'{cx}-overlay_w/2'", f"'{cy}-overlay_h/2'"


def _distractor_chain(d: Dict, fps: int) -> Tuple[str, str, str]:
    fill = {"color": d["color"]}
    chain = _sprite(d["shape"], fill, d["w"], d["h"], 0, 0, d["w"], d["h"], fps)
    m = d["motion"]
    if m["type"] == "line":
        x = f"{_f(m['x0'])}+{_f(m['vx'])}*t"
        y = f"{_f(m['y0'])}+{_f(m['vy'])}*t"
    else:
        x = f"{_f(m['x0'])}+{_f(m['ax'])}*sin(2*PI*{_f(m['f'])}*t+{_f(m['px'])})"
        y = f"{_f(m['y0'])}+{_f(m['ay'])}*cos(2*PI*{_f(m['f'])}*t+{_f(m['py'])})"
    return chain, f"'{x}-overlay_w/2'", f"'{y}-overlay_h/2'"


def filter_graph(spec: Dict, with_main: bool = True) -> Tuple[List[str], str]:
    """(input args, filter_complex) for a clip; with_main=False leaves the main object out
    (same background, distractors and camera effects: the difference is the main object)."""
    w, h, fps = spec["width"], spec["height"], spec["fps"]
    inputs, bg = _background_chain(spec["background"], w, h, fps)
    parts = [f"{bg},format=rgb24[bg0]"]
    cur = "bg0"
    layers = [_distractor_chain(d, fps) for d in spec["distractors"]]
    if with_main:
        layers.append(_main_chain(spec["main"], fps))
    for i, (chain, x, y) in enumerate(layers):
        parts.append(f"{chain}[s{i}]")
        parts.append(f"[{cur}][s{i}]overlay=x={x}:y={y}:format=rgb:eval=frame[bg{i + 1}]")
        cur = f"bg{i + 1}"
    post = []
    cam = spec["camera"]
    br = cam.get("brightness")
    if br:
        if br["type"] == "sine":
            e = f"{_f(br['amp'])}*sin(2*PI*t/{_f(br['period'])}+{_f(br['phase'])})"
        else:
            e = f"{_f(br['amp'])}*(2*t/{_f(spec['duration'])}-1)"
        post.append(f"eq=brightness='{e}':eval=frame")
    if cam.get("noise"):
        post.append(f"noise=alls={cam['noise']}:allf=t+u:all_seed={spec['seed'] % 100000}")
    post.append("yuvj420p" if spec["codec"] == "mjpeg" else "yuv420p")
    post[-1] = "format=" + post[-1]
    parts.append(f"[{cur}]" + ",".join(post) + "[out]")
    return inputs, ";".join(parts)


def mask_graph(spec: Dict) -> str:
    """filter_complex drawing only the main object, white on black, by the same expressions."""
    w, h, fps = spec["width"], spec["height"], spec["fps"]
    main = dict(spec["main"], fill={"color": (255, 255, 255)})
    chain, x, y = _main_chain(main, fps)
    return (f"color=c=black:s={w}x{h}:r={fps},format=rgb24[bg0];{chain}[s0];"
            f"[bg0][s0]overlay=x={x}:y={y}:format=rgb:eval=frame,format=gray[out]")


def main_object_masks(spec: Dict, timeout: float = 120.0):
    """The main object's coverage per frame (N x H x W uint8 numpy array, 0..255), for checking
    the geometry of a clip: same sprite shape and motion expressions, no background, no codec."""
    import numpy as np   # only here: the renderer itself needs no numpy

    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-filter_complex", mask_graph(spec),
           "-map", "[out]", "-frames:v", str(spec["frames"]), "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"ffmpeg mask failed for {spec['file']}: {p.stderr.decode(errors='replace')[-2000:]}")
    return np.frombuffer(p.stdout, np.uint8).reshape(-1, spec["height"], spec["width"])


def ffmpeg_command(spec: Dict, path: str, with_main: bool = True, threads: int = 1) -> List[str]:
    inputs, graph = filter_graph(spec, with_main)
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-filter_complex_threads", str(threads)]
    if inputs:
        # limit the real-footage input to what the clip needs
        cmd += inputs[:-2] + ["-t", _f(spec["duration"] + 1.0)] + inputs[-2:]
    cmd += ["-filter_complex", graph, "-map", "[out]", "-frames:v", str(spec["frames"]),
            "-r", str(spec["fps"]), "-threads", str(threads)]
    if spec["codec"] == "mjpeg":
        cmd += ["-c:v", "mjpeg", "-q:v", str(spec["quality"]), "-pix_fmt", "yuvj420p"]
    else:
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(spec["quality"]),
                "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    cmd += ["-an", path]
    return cmd


def render(spec: Dict, path: str, with_main: bool = True, timeout: float = 120.0) -> float:
    """Render one clip; returns seconds taken. Raises RuntimeError with ffmpeg's message."""
    t0 = time.monotonic()
    cmd = ffmpeg_command(spec, path, with_main)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0 or not os.path.exists(path):
        raise RuntimeError(f"ffmpeg failed for {spec['file']}: {p.stderr.decode(errors='replace')[-2000:]}")
    return time.monotonic() - t0


# ---- labels.csv ------------------------------------------------------------------------------

LABEL_FIELDS = ("file", "label", "fps", "width", "height", "frames", "duration", "window", "background",
                "object", "distractors", "camera", "codec", "notes", "params")


def _notes(spec: Dict) -> str:
    m = spec["main"]["motion"]
    if m["type"] == "fall":
        return f"fall {m['side']} t0={m['t0']:.2f}s dur={m['dur']:.2f}s ease={m['ease']}"
    if m["type"] == "scale":
        return f"scale ratio over window {m['ratio']:.2f}"
    if spec["label"] == "idle":
        return "still"
    return f"displacement over window {m['displacement']:.2f} of frame"


def label_row(spec: Dict) -> Dict:
    main = spec["main"]
    obj = main["shape"] + ("+" + main["fill"]["texture"]["kind"] if "texture" in main["fill"] else "") \
        + ("+border" if "border" in main["fill"] else "")
    cam = "+".join(k for k in ("brightness", "noise") if spec["camera"].get(k)) or "none"
    params = {k: v for k, v in spec.items() if k not in ("file", "label")}
    params["background"] = {k: v for k, v in spec["background"].items() if k != "refs"}
    return {"file": spec["file"], "label": spec["label"], "fps": spec["fps"], "width": spec["width"],
            "height": spec["height"], "frames": spec["frames"], "duration": spec["duration"],
            "window": spec["window"], "background": spec["background"]["kind"], "object": obj,
            "distractors": len(spec["distractors"]), "camera": cam, "codec": spec["codec"],
            "notes": _notes(spec), "params": json.dumps(params, separators=(",", ":"))}


def write_labels(specs: Sequence[Dict], path: str) -> None:
    with open(path, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=LABEL_FIELDS)
        wr.writeheader()
        for s in specs:
            wr.writerow(label_row(s))


def read_labels(path: str) -> List[Dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- CLI -------------------------------------------------------------------------------------

def render_all(specs: Sequence[Dict], out: str, jobs: int = 2, log=print) -> Dict[str, float]:
    os.makedirs(out, exist_ok=True)
    times: Dict[str, float] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        futs = {ex.submit(render, s, os.path.join(out, s["file"])): s for s in specs}
        for n, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            s = futs[fut]
            times[s["file"]] = fut.result()
            if log and (n % 20 == 0 or n == len(specs)):
                log(f"{n}/{len(specs)} clips rendered")
    return times


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="modelkit.ffclips", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--per-class", type=int, required=True, help="clips per class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--duration", type=float, default=2.0, help="clip length in seconds (default 2.0)")
    ap.add_argument("--window", type=float, default=1.6,
                    help="the models' clip duration D (manifest clip.duration) the actions are sized for")
    ap.add_argument("--classes", default=",".join(CLASSES), help="comma-separated subset of the classes")
    ap.add_argument("--jobs", type=int, default=2, help="parallel ffmpeg processes")
    a = ap.parse_args(argv)
    classes = [c for c in a.classes.split(",") if c]
    bad = [c for c in classes if c not in CLASSES]
    if bad:
        ap.error(f"unknown classes {bad}; known: {', '.join(CLASSES)}")
    try:
        specs = make_specs(a.per_class, a.seed, a.duration, a.window, classes)
    except ValueError as e:
        ap.error(str(e))
    t0 = time.monotonic()
    render_all(specs, a.out, a.jobs)
    write_labels(specs, os.path.join(a.out, "labels.csv"))
    total = sum(os.path.getsize(os.path.join(a.out, s["file"])) for s in specs)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{len(specs)} clips in {time.monotonic() - t0:.1f}s wall, ffmpeg CPU {ru.ru_utime + ru.ru_stime:.1f}s, "
          f"{total / 1e6:.1f} MB, labels: {os.path.join(a.out, 'labels.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
