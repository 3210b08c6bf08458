"""Synthetic action clips: one main object whose motion over the clip defines the class.

Classes (index = output index of the demo models; see SYNTH.md for the full scene parameters):
  0 idle        the main object stays put (or there is none); only distractors may move
  1 move_left   its centre moves left at a steady speed, 15-60 % of the frame width per clip
  2 move_right  likewise to the right
  3 move_up     its centre moves up, 15-60 % of the frame height per clip
  4 move_down   likewise down
  5 approach    it grows steadily, size end/start 1.4-2.5 over the clip, centre nearly fixed
  6 recede      it shrinks steadily, size end/start 0.4-0.7
  7 fall        an upright object (height >= 1.8 x width) tips 90 degrees about a bottom corner
                and ends lying flat lower down, within 0.3-0.6 s, the whole fall inside the clip

The main object is the largest salient thing in view (height 18-45 % of the frame's short
side); distractors are at most half its size. Classes are defined by motion, not by look: the
Java synthetic cameras render the same classes with their own renderer.
Rendering is plain numpy with analytic, antialiased shapes; everything is drawn from one seeded
numpy Generator so that a seed reproduces a clip exactly.
"""
from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

LABELS = ["idle", "move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall"]
SHAPES = ("rect", "ellipse", "triangle", "rounded", "diamond", "cross")
FPS_CHOICES = (10.0, 12.5, 15.0, 20.0, 25.0, 30.0)


# ----------------------------------------------------------------------------------------------
# Objects: a shape with a texture, placed by centre, half-size and rotation at each time.
# ----------------------------------------------------------------------------------------------
@dataclass
class Look:
    shape: str
    colors: np.ndarray            # 2 x 3 in [0, 1]: main and secondary colour
    texture: str                  # flat | stripes | checker | gradient | noise
    freq: float                   # texture frequency (cycles across the object)
    tex_angle: float
    noise: Optional[np.ndarray]   # small random texture for "noise"
    outline: float                # outline width in normalised units (0 = none)
    outline_color: np.ndarray


def random_look(rng: np.random.Generator, bg_lum: float, shape: Optional[str] = None) -> Look:
    """A colour/texture whose luminance differs clearly from the background's."""
    for _ in range(20):
        c = rng.uniform(0, 1, size=3)
        if rng.random() < 0.5:  # saturated colours half of the time
            c[rng.integers(3)] = rng.uniform(0.0, 0.2)
            c[rng.integers(3)] = rng.uniform(0.8, 1.0)
        if abs(_lum(c) - bg_lum) > 0.28:
            break
    c2 = np.clip(c + rng.uniform(-0.35, 0.35, size=3), 0, 1)
    texture = rng.choice(["flat", "flat", "stripes", "checker", "gradient", "noise"])
    outline = rng.uniform(0.06, 0.15) if rng.random() < 0.4 else 0.0
    return Look(
        shape=shape or str(rng.choice(SHAPES)), colors=np.stack([c, c2]), texture=str(texture),
        freq=float(rng.uniform(1.5, 5)), tex_angle=float(rng.uniform(0, math.pi)),
        noise=rng.uniform(0, 1, size=(6, 6)) if texture == "noise" else None,
        outline=float(outline), outline_color=np.full(3, 0.05 if _lum(c) > 0.5 else 0.95))


def _lum(c: np.ndarray) -> float:
    return float(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2])


def _shape_distance(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance-like value in normalised object coords (|u|,|v| <= 1 inside the box)."""
    au, av = np.abs(u), np.abs(v)
    if shape == "rect":
        return np.maximum(au, av) - 1
    if shape == "ellipse":
        return np.sqrt(u * u + v * v) - 1
    if shape == "triangle":  # apex up (v = -1 is the top)
        return np.maximum(av, 2 * au - v) - 1
    if shape == "rounded":
        r = 0.45
        qu, qv = np.maximum(au - (1 - r), 0), np.maximum(av - (1 - r), 0)
        return np.sqrt(qu * qu + qv * qv) - r
    if shape == "diamond":
        return au + av - 1
    if shape == "cross":
        return np.minimum(np.maximum(au, av * 2.8), np.maximum(au * 2.8, av)) - 1
    if shape == "person":  # a pedestrian silhouette: head over a body, in a tall box
        head = np.sqrt((u / 0.55) ** 2 + ((v + 0.78) / 0.22) ** 2) - 1
        body = np.maximum(au, np.abs(v - 0.22) / 0.78) - 1
        return np.minimum(head, body)
    raise ValueError(shape)


def _texture(look: Look, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if look.texture == "flat":
        w = np.zeros_like(u)
    else:
        p = u * math.cos(look.tex_angle) + v * math.sin(look.tex_angle)
        if look.texture == "stripes":
            w = (np.sin(p * look.freq * math.pi) > 0).astype(np.float32)
        elif look.texture == "checker":
            w = ((np.floor((u + 1) * look.freq) + np.floor((v + 1) * look.freq)) % 2).astype(np.float32)
        elif look.texture == "gradient":
            w = np.clip((p + 1) / 2, 0, 1)
        else:  # noise: bilinear lookup in a small random grid fixed to the object
            g = look.noise
            x = np.clip((u + 1) / 2 * (g.shape[1] - 1), 0, g.shape[1] - 1.001)
            y = np.clip((v + 1) / 2 * (g.shape[0] - 1), 0, g.shape[0] - 1.001)
            x0, y0 = x.astype(int), y.astype(int)
            fx, fy = x - x0, y - y0
            w = (g[y0, x0] * (1 - fx) * (1 - fy) + g[y0, x0 + 1] * fx * (1 - fy)
                 + g[y0 + 1, x0] * (1 - fx) * fy + g[y0 + 1, x0 + 1] * fx * fy)
    w = w[..., None]
    return look.colors[0] * (1 - w) + look.colors[1] * w


def draw_object(img: np.ndarray, look: Look, cx: float, cy: float, hw: float, hh: float, angle: float) -> None:
    """Composite one object onto img (H x W x 3 float) in place; angle in radians, clockwise."""
    h, w = img.shape[:2]
    reach = math.hypot(hw, hh) + 2
    x0, x1 = max(0, int(cx - reach)), min(w, int(cx + reach) + 1)
    y0, y1 = max(0, int(cy - reach)), min(h, int(cy + reach) + 1)
    if x0 >= x1 or y0 >= y1 or hw < 0.5 or hh < 0.5:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = xs + 0.5 - cx, ys + 0.5 - cy
    ca, sa = math.cos(angle), math.sin(angle)
    u = (dx * ca + dy * sa) / hw          # inverse rotation into object coordinates
    v = (-dx * sa + dy * ca) / hh
    d = _shape_distance(look.shape, u, v)
    px = 1.0 / min(hw, hh)                # one pixel in normalised units: antialiasing width
    alpha = np.clip(0.5 - d / px, 0, 1)[..., None]
    color = _texture(look, u, v)
    if look.outline > 0:
        inner = np.clip(0.5 - (d + look.outline) / px, 0, 1)[..., None]
        color = color * inner + look.outline_color * (1 - inner)
    region = img[y0:y1, x0:x1]
    region *= 1 - alpha
    region += alpha * color


# ----------------------------------------------------------------------------------------------
# Backgrounds
# ----------------------------------------------------------------------------------------------
def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    g = rng.uniform(0, 1, size=(cells + 1, cells + 1, 3)).astype(np.float32)
    img = Image.fromarray((g * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


# Real photographs for backgrounds, from Debian's opencv-doc (the real footage used to *test* the
# models, vtest.avi, is deliberately not among them).
PHOTO_DIR = os.environ.get("ACTIONSTREAM_PHOTO_DIR", "/usr/share/doc/opencv-doc/examples/data")
PHOTOS = ("aero1.jpg", "aero3.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg", "basketball1.png", "board.jpg",
          "box_in_scene.png", "building.jpg", "butterfly.jpg", "ela_original.jpg", "fruits.jpg", "graf1.png",
          "home.jpg", "left.jpg", "leuvenA.jpg", "licenseplate_motion.jpg", "messi5.jpg", "orange.jpg",
          "pca_test1.jpg", "pic2.png", "pic4.png", "right.jpg")
_photo_cache: Optional[List[np.ndarray]] = None


def photos() -> List[np.ndarray]:
    """The background photographs that exist on this machine, as float RGB (loaded once)."""
    global _photo_cache
    if _photo_cache is None:
        _photo_cache = []
        for name in PHOTOS:
            path = os.path.join(PHOTO_DIR, name)
            if os.path.isfile(path):
                img = Image.open(path).convert("RGB")
                img.thumbnail((480, 480))
                _photo_cache.append(np.asarray(img, dtype=np.float32) / 255.0)
    return _photo_cache


def _photo_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    photo = photos()[int(rng.integers(len(photos())))]
    ph, pw = photo.shape[:2]
    scale = rng.uniform(0.4, 1.0) * min(ph / h, pw / w)
    ch, cw = max(8, int(h * scale)), max(8, int(w * scale))
    y0, x0 = int(rng.integers(0, ph - ch + 1)), int(rng.integers(0, pw - cw + 1))
    crop = (photo[y0:y0 + ch, x0:x0 + cw] * 255).astype(np.uint8)
    bg = np.asarray(Image.fromarray(crop).resize((w, h), Image.BILINEAR), dtype=np.float32) / 255.0
    if rng.random() < 0.5:  # mute it a little, as a dim or washed-out camera would
        gray = bg.mean(axis=2, keepdims=True)
        bg = gray + (bg - gray) * rng.uniform(0.3, 1.0)
    return bg


def random_background(rng: np.random.Generator, h: int, w: int) -> Tuple[np.ndarray, str]:
    kinds = ["flat", "gradient", "textured", "noisy", "stripes"]
    if photos() and rng.random() < 0.35:
        kinds = ["photo"]
    kind = str(rng.choice(kinds))
    c1, c2 = rng.uniform(0, 1, size=3), rng.uniform(0, 1, size=3)
    if kind == "photo":
        bg = _photo_background(rng, h, w)
    elif kind == "flat":
        bg = np.broadcast_to(c1, (h, w, 3)).copy()
    elif kind == "gradient":
        a = rng.uniform(0, 2 * math.pi)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        p = (xs * math.cos(a) + ys * math.sin(a))
        p = (p - p.min()) / max(1e-6, p.max() - p.min())
        bg = c1 * (1 - p[..., None]) + c2 * p[..., None]
    elif kind == "textured":
        bg = _smooth_noise(rng, h, w, int(rng.integers(3, 12))) * rng.uniform(0.4, 1) + rng.uniform(-0.2, 0.3)
    elif kind == "noisy":
        bg = c1 + rng.normal(0, rng.uniform(0.08, 0.25), size=(h, w, 3))
    else:
        a = rng.uniform(0, math.pi)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        p = np.sin((xs * math.cos(a) + ys * math.sin(a)) * rng.uniform(0.05, 0.4))
        bg = c1 * (p[..., None] > 0) + c2 * (p[..., None] <= 0)
    return np.clip(bg, 0, 1).astype(np.float32), kind


# ----------------------------------------------------------------------------------------------
# Motions: main object's (cx, cy, hw, hh, angle, visible) at time t in [0, D]
# ----------------------------------------------------------------------------------------------
@dataclass
class Motion:
    label: str
    cx: float
    cy: float
    hw: float
    hh: float
    vx: float = 0.0               # px/s
    vy: float = 0.0
    ratio: float = 1.0            # size end/start over the duration
    duration: float = 1.6
    linear_growth: bool = False
    fall_start: float = 0.0
    fall_time: float = 0.5
    pivot_side: int = 1           # +1: tips to the right about the bottom-right corner
    wrap: Optional[Tuple[float, float, float, float]] = None  # x0, x1, y0, y1 of a wrap region
    # A conveyor wrap along one axis of the view square (origin, side, horizontal): what leaves
    # one side is at once back on the other, so two clipped copies can show at one instant. The
    # engine's synthetic cameras move objects this way through long segments.
    conveyor: Optional[Tuple[float, float, bool]] = None
    reset_at: Optional[float] = None   # approach/recede: size jumps back to the start here
    respawn_before: Optional[float] = None  # fall: a lying object is replaced by this one then
    respawn_prev: Optional[Tuple[float, float, float, float]] = None

    def state(self, t: float):
        """(cx, cy, hw, hh, angle, visible) at clip time t."""
        if self.label == "fall":
            if self.respawn_before is not None and t < self.respawn_before:
                px, py, pw, ph = self.respawn_prev  # the previous object, already lying
                return px, py, ph, pw, 0.0, True
            k = min(1.0, max(0.0, (t - self.fall_start) / self.fall_time))
            theta = 0.5 * math.pi * k * k  # accelerating, as a real fall
            s = self.pivot_side
            # Pivot = bottom corner on the falling side; centre rotates around it.
            px, py = self.cx + s * self.hw, self.cy + self.hh
            rx, ry = -s * self.hw, -self.hh
            ca, sa = math.cos(s * theta), math.sin(s * theta)
            cx = px + rx * ca - ry * sa
            cy = py + rx * sa + ry * ca
            return cx, cy, self.hw, self.hh, s * theta, True
        f = t / self.duration
        if self.reset_at is not None and t >= self.reset_at:
            f = (t - self.reset_at) / self.duration
        if self.linear_growth:
            scale = 1 + (self.ratio - 1) * f
        else:
            scale = self.ratio ** f
        cx, cy = self.cx + self.vx * t, self.cy + self.vy * t
        if self.wrap is not None:
            x0, x1, y0, y1 = self.wrap
            cx = x0 + (cx - x0) % (x1 - x0)
            cy = y0 + (cy - y0) % (y1 - y0)
        if self.conveyor is not None:
            o, side, horizontal = self.conveyor
            if horizontal:
                cx = o + (cx - o) % side
            else:
                cy = o + (cy - o) % side
        return cx, cy, self.hw * scale, self.hh * scale, 0.0, True


def random_motion(rng: np.random.Generator, label: str, h: int, w: int, duration: float) -> Motion:
    """Main-object motion of one class, placed in the centre square that the models see."""
    side = min(h, w)
    ox, oy = (w - side) / 2, (h - side) / 2           # centre square's origin
    height = rng.uniform(0.18, 0.45) * side
    aspect = rng.uniform(0.5, 1.8)                     # width / height
    hh, hw = height / 2, height * aspect / 2
    margin = 0.1 * side

    def place(ext_x: float, ext_y: float, hw=hw, hh=hh):
        """A centre keeping the whole object, and a path of ext_x, ext_y, inside the view."""
        lo_x, hi_x = ox + margin * 0.5 + hw, ox + side - margin * 0.5 - hw - ext_x
        lo_y, hi_y = oy + margin * 0.5 + hh, oy + side - margin * 0.5 - hh - ext_y
        cx = rng.uniform(min(lo_x, hi_x), max(lo_x, hi_x))
        cy = rng.uniform(min(lo_y, hi_y), max(lo_y, hi_y))
        return cx, cy

    if label == "idle":
        cx, cy = place(0, 0)
        return Motion(label, cx, cy, hw, hh, duration=duration)
    if label in ("move_left", "move_right", "move_up", "move_down"):
        horizontal = label in ("move_left", "move_right")
        sign = -1 if label in ("move_left", "move_up") else 1
        # Displacement relative to the view (what the model sees): 15-75 % of its side.
        dist = rng.uniform(0.15, 0.75) * side
        drift = rng.uniform(-0.15, 0.15) * dist
        vx, vy = (sign * dist, drift) if horizontal else (drift, sign * dist)
        vx, vy = vx / duration, vy / duration
        # Start so that the path stays inside the view where it fits; long paths may start
        # or end partly outside, as a real object entering or leaving does.
        cx, cy = place(dist if horizontal else 0, 0 if horizontal else dist)
        if horizontal and sign < 0:
            cx += dist
        if not horizontal and sign < 0:
            cy += dist
        m = Motion(label, cx, cy, hw, hh, vx=vx, vy=vy, duration=duration)
        r = rng.random()
        if r < 0.3:  # long segments as the engine's cameras play them: a conveyor round the view
            if horizontal:
                m.cx = ox + rng.uniform(0, side)
            else:
                m.cy = oy + rng.uniform(0, side)
            m.conveyor = (ox, side, True) if horizontal else (oy, side, False)
        elif r < 0.36:  # or leave one side wholly, then enter on the other
            m.wrap = (ox - hw, ox + side + hw, oy - hh, oy + side + hh)
        return m
    if label in ("approach", "recede"):
        ratio = rng.uniform(1.4, 2.5) if label == "approach" else rng.uniform(0.4, 0.7)
        # Size over the clip: the small end is at least 16 % of the side (a change of size must
        # stay visible at the models' 64 px: 10 px and more), the large end at most 75 %.
        small = rng.uniform(0.16, max(0.17, 0.75 / (ratio if ratio > 1 else 1 / ratio)))
        start = small if label == "approach" else small / ratio
        hw, hh = start * side * aspect / 2, start * side / 2
        big = max(1.0, ratio)
        cx, cy = place(0, 0, hw * big, hh * big)
        drift = rng.uniform(-0.04, 0.04, size=2) * side / duration
        m = Motion(label, cx, cy, hw, hh, vx=float(drift[0]), vy=float(drift[1]), ratio=ratio,
                   duration=duration, linear_growth=bool(rng.random() < 0.5))
        if rng.random() < 0.1:  # a long segment restarts its growth: size jumps back once,
            # late enough that the growth before the jump is itself plain (at least 1.4^0.75)
            m.reset_at = float(rng.uniform(0.75, 0.9) * duration)
            m.duration = duration
        return m
    if label == "fall":
        height = rng.uniform(0.28, 0.5) * side
        hh = height / 2
        hw = height / rng.uniform(1.8, 3.5) / 2
        fall_time = rng.uniform(0.3, 0.6)
        slack = max(0.0, duration - fall_time - 0.1)
        fall_start = 0.05 + rng.uniform(0, slack)
        pivot_side = 1 if rng.random() < 0.5 else -1
        # Keep the lying object inside the square: room of one height on the falling side.
        lo = ox + margin + hw + (height if pivot_side < 0 else 0)
        hi = ox + side - margin - hw - (height if pivot_side > 0 else 0)
        cx = rng.uniform(min(lo, hi), max(lo, hi))
        cy = rng.uniform(oy + margin + hh, oy + side - margin * 0.5 - hh)
        m = Motion(label, cx, cy, hw, hh, duration=duration, fall_start=fall_start,
                   fall_time=fall_time, pivot_side=pivot_side)
        if fall_start > 0.35 and rng.random() < 0.3:
            # A repeating fall segment: the previously fallen object vanishes, a new one stands.
            m.respawn_before = float(rng.uniform(0.05, fall_start - 0.2))
            m.respawn_prev = (float(rng.uniform(ox + side * 0.3, ox + side * 0.7)),
                              float(oy + side - margin - hw), hw, hh)
        return m
    raise ValueError(f"unknown label {label!r}")


@dataclass
class Distractor:
    look: Look
    cx: float
    cy: float
    hw: float
    hh: float
    vx: float
    vy: float
    walker: bool  # pedestrian-like: bobs up and down a little while moving


@dataclass
class Scene:
    label: str
    height: int
    width: int
    background: np.ndarray
    bg_kind: str
    bg_drift: Tuple[float, float]        # px/s scroll of a textured background (0 = fixed)
    main: Optional[Motion]
    main_look: Optional[Look]
    distractors: List[Distractor]
    statics: List[Tuple[Look, float, float, float, float, float]]
    brightness: Tuple[float, float, float]  # gain at start, gain slope per s, flicker amplitude
    noise_sigma: float
    jpeg_quality: int
    fps: float
    params: dict = field(default_factory=dict)


def random_scene(rng: np.random.Generator, label: str, duration: float,
                 size: Optional[Tuple[int, int]] = None, fps: Optional[float] = None) -> Scene:
    if size is None:
        short = int(rng.choice([96, 112, 128, 144, 180]))
        aspect = float(rng.choice([4 / 3, 4 / 3, 16 / 9, 1.0, 3 / 2]))
        size = (short, int(round(short * aspect)))
    h, w = size
    bg, kind = random_background(rng, h, w)
    bg_lum = float(bg.mean(axis=(0, 1)) @ np.array([0.299, 0.587, 0.114]))
    main, look = None, None
    if not (label == "idle" and rng.random() < 0.08):  # idle also covers "nothing there"
        main = random_motion(rng, label, h, w, duration)
        look = random_look(rng, bg_lum, shape="rect" if label == "fall" and rng.random() < 0.4 else None)
    side = min(h, w)
    # Distractors and clutter stay clearly smaller than the main object (at most 0.4 of its
    # smaller dimension), so that "the main object" is never ambiguous.
    main_size = 2 * min(main.hw, main.hh) if main else 0.25 * side
    distractors = []
    for _ in range(int(rng.choice([0, 0, 1, 2, 3, 4]))):
        s = rng.uniform(0.12, 0.4) * main_size / 2
        walker = bool(rng.random() < 0.5)
        hw, hh = (s * 0.4, s) if walker else (s * rng.uniform(0.6, 1.4), s)
        speed = rng.uniform(0.05, 0.5) * side
        a = rng.uniform(0, 2 * math.pi)
        distractors.append(Distractor(random_look(rng, bg_lum), rng.uniform(0, w), rng.uniform(0, h),
                                      hw, hh, speed * math.cos(a), speed * math.sin(a), walker))
    if rng.random() < 0.35:
        # A crowd of pedestrians, as real street footage has: taller than the other distractors
        # (up to 0.7 of the main object's larger side) but thin, so still far smaller in area.
        main_long = 2 * max(main.hw, main.hh) if main else 0.35 * side
        ground = rng.uniform(0.3, 0.9) * h
        for _ in range(int(rng.integers(1, 9))):
            hh = rng.uniform(0.3, 0.7) * main_long / 2
            hw = hh * rng.uniform(0.3, 0.45)
            speed = rng.uniform(0.03, 0.25) * side
            a = rng.normal(0, 0.35) + (math.pi if rng.random() < 0.5 else 0.0)
            look = random_look(rng, bg_lum, shape="person")
            look.colors[:] = look.colors * rng.uniform(0.3, 0.8)  # clothes: mostly dark, muted
            look.texture = "flat" if rng.random() < 0.6 else "gradient"
            distractors.append(Distractor(look, rng.uniform(0, w), ground + rng.normal(0, 0.15 * h),
                                          hw, hh, speed * math.cos(a), speed * math.sin(a), True))
    statics = []
    for _ in range(int(rng.choice([0, 0, 1, 2]))):
        s = rng.uniform(0.1, 0.45) * main_size / 2
        statics.append((random_look(rng, bg_lum), rng.uniform(0, w), rng.uniform(0, h),
                        s * rng.uniform(0.5, 1.5), s, rng.uniform(0, math.pi)))
    gain0 = rng.uniform(0.7, 1.25)
    slope = rng.uniform(-0.25, 0.25) if rng.random() < 0.4 else 0.0
    flicker = rng.uniform(0, 0.06) if rng.random() < 0.3 else 0.0
    drift = tuple(rng.uniform(-0.02, 0.02, size=2) * side) if kind == "textured" and rng.random() < 0.2 else (0.0, 0.0)
    return Scene(label, h, w, bg, kind, (float(drift[0]), float(drift[1])), main, look, distractors, statics,
                 (float(gain0), float(slope), float(flicker)), float(rng.uniform(0.0, 0.05)),
                 int(rng.integers(25, 96)), float(fps or rng.choice(FPS_CHOICES)))


def square_of(scene: Scene) -> Tuple[int, int, int, int]:
    """Pixel bounds x0, y0, x1, y1 of the centre square the models see."""
    side = min(scene.width, scene.height)
    x0, y0 = (scene.width - side) // 2, (scene.height - side) // 2
    return x0, y0, x0 + side, y0 + side


def render_frame(scene: Scene, t: float, rng: np.random.Generator) -> np.ndarray:
    """The scene at clip time t as uint8 RGB after camera noise, gain and JPEG."""
    img = scene.background
    if scene.bg_drift != (0.0, 0.0):
        img = np.roll(img, (int(round(scene.bg_drift[1] * t)), int(round(scene.bg_drift[0] * t))), axis=(0, 1))
    img = img.copy()
    for look, cx, cy, hw, hh, a in scene.statics:
        draw_object(img, look, cx, cy, hw, hh, a)
    for d in scene.distractors:
        bob = 0.15 * d.hh * math.sin(t * 12.0) if d.walker else 0.0
        cx = (d.cx + d.vx * t) % (scene.width + 2 * d.hw) - d.hw
        cy = (d.cy + d.vy * t + bob) % (scene.height + 2 * d.hh) - d.hh
        draw_object(img, d.look, cx, cy, d.hw, d.hh, 0.0)
    if scene.main is not None:
        cx, cy, hw, hh, a, visible = scene.main.state(t)
        if visible:
            conveyor = scene.main.conveyor
            if conveyor is None:
                draw_object(img, scene.main_look, cx, cy, hw, hh, a)
            else:  # the object and its copies one side away, clipped to the view square
                o, side, horizontal = conveyor
                sq = square_of(scene)
                layer = img.copy()
                for k in (-1, 0, 1):
                    dx, dy = (k * side, 0.0) if horizontal else (0.0, k * side)
                    draw_object(layer, scene.main_look, cx + dx, cy + dy, hw, hh, a)
                x0, y0, x1, y1 = sq
                img[y0:y1, x0:x1] = layer[y0:y1, x0:x1]
    g0, slope, flicker = scene.brightness
    gain = g0 + slope * t + flicker * math.sin(t * 2 * math.pi * 3.1)
    img = img * gain
    if scene.noise_sigma > 0:
        img = img + rng.normal(0, scene.noise_sigma, size=img.shape).astype(np.float32)
    u8 = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    return jpeg_roundtrip(u8, scene.jpeg_quality)


def jpeg_roundtrip(frame: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def camera_times(duration: float, frames: int, fps: float, rng: np.random.Generator,
                 sample_times: Optional[Sequence[float]] = None) -> List[float]:
    """Clip-relative times of the camera frames nearest to the T uniform sample times
    (or to the given clip-relative `sample_times`, e.g. a segment-sampled model's, see
    modelkit.manifest.clip_sample_times).

    Models are fed the nearest real frame to each sample time; a camera at `fps` with a
    random phase gives the same timing jitter here.
    """
    phase = rng.uniform(0, 1.0 / fps)
    if sample_times is None:
        sample_times = [i * duration / (frames - 1) if frames > 1 else duration for i in range(frames)]
    elif len(sample_times) != frames:
        raise ValueError(f"{len(sample_times)} sample times for {frames} frames")
    out = []
    for t in sample_times:
        k = round((t - phase) * fps)
        out.append(min(duration, max(0.0, phase + k / fps)))
    return out


def render_clip(label: str, frames: int, duration: float, rng: np.random.Generator,
                size: Optional[Tuple[int, int]] = None, fps: Optional[float] = None,
                sample_times: Optional[Sequence[float]] = None):
    """One clip of a class: (T x H x W x 3 uint8, Scene). sample_times: clip-relative times in
    [0, duration] to take the T frames at (default: uniform over the clip, see camera_times)."""
    scene = random_scene(rng, label, duration, size=size, fps=fps)
    times = camera_times(duration, frames, scene.fps, rng, sample_times)
    return np.stack([render_frame(scene, t, rng) for t in times]), scene


def render_stream(scene: Scene, times: Sequence[float], rng: np.random.Generator) -> np.ndarray:
    return np.stack([render_frame(scene, t, rng) for t in times])
