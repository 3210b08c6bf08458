"""PyTorch reference pipeline: what a user would write instead of the engine, for the bench's ratio.

    cd tools && /usr/bin/python3 -m modelkit.reference --model-dir ../models/demo/x3d \\
        --video /usr/share/doc/opencv-doc/examples/data/vtest.avi --cameras 4 --seconds 20 --threads 2 --json OUT

N cameras are the same video opened N times (one cv2.VideoCapture each), read in lock-step:
  decode      cap.read() and BGR -> RGB; at the end of the file the capture is reopened (with
              --seconds or --clips) and camera time goes on, so a short video serves any run;
  preprocess  each frame once, as it arrives, into the camera's ring of recent frames; short-side
              bilinear resize, centre crop, scale, mean/std, channel order per manifest, done
              as users do it (--preprocess):
                opencv  (default) cv2.resize(INTER_LINEAR) on the uint8 frame, crop, then scale
                        and normalise the crop in float32: the cheap order. OpenCV's fixed-point
                        uint8 interpolation differs from the reference by up to one grey level,
                        so probabilities differ slightly (tests check the top labels agree);
                torch   modelkit.preprocess.preprocess_frames, the engine's exact definition
                        (PyTorchVideo's order: float and scale the whole frame, resize, crop,
                        normalise): same probabilities as modelkit's own path, slower;
  assemble    a window is due when a frame at or after its end arrives. Window ends are multiples
              of --hop in camera time (frame index / fps, whole milliseconds), the first one the
              first full window, as the engine's WindowPlan (grace 0). The manifest's T frames are
              the ring frames nearest t_i = end - D + i D / (T - 1) (manifest.sample_times,
              preprocess.nearest_frames); the windows due in one step, one per camera, are
              stacked into one batch and split into the manifest's inputs (SlowFast pathways);
  infer       the PyTorch model (modelkit.archs, same weights as the ONNX export) under
              torch.inference_mode() with torch.set_num_threads(--threads), then softmax when the
              manifest's output is logits.
It runs as fast as it can (no real-time pacing). One batch of zeros warms the model up before the
clock starts. Without --seconds or --clips it reads the video once.

Weights: --weights FILE, else DIR/weights.pt (modelkit.train), else the seeded random weights an
export without a checkpoint made (manifest source.weights "random (seed N ...)"), rebuilt as the
export built them. When DIR has golden/, the model must reproduce its output within the golden
tolerance before the run starts.

JSON written by --json (keys stable; the Java `bench` reads them):
  model         manifest name                      torch         torch version
  video         the video file                     video_fps     its frame rate
  cameras       N                                  threads       T
  hop           seconds between window ends        clip          {"frames": T, "duration": D seconds}
  preprocess    "opencv" or "torch"
  clips         windows inferred (all cameras)     frames        frames decoded (all cameras)
  batches       model calls                        seconds       wall time of the run (warm-up excluded)
  clips_per_s   clips / seconds                    frames_per_s  frames / seconds
  ms_per_clip   1000 * seconds / clips
  stages        seconds per stage: {"decode", "preprocess", "assemble", "infer"}
  weights       where the weights came from
  golden_max_abs_diff  max |PyTorch - golden output| checked at load, or null without golden/
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from . import archs
from .manifest import clip_sample_times, load_manifest, read_labels, sample_times
from .preprocess import build_inputs, consensus, frames_to_inputs, nearest_frames, preprocess_frames, resized_size

STAGES = ("decode", "preprocess", "assemble", "infer")
PREPROCESS = ("opencv", "torch")
_RANDOM_SEED = re.compile(r"^random \(seed (\d+)")


class ReferenceError(RuntimeError):
    """The reference run cannot start; the message says why."""


# ---- the model -------------------------------------------------------------------------------

@dataclass
class LoadedModel:
    module: torch.nn.Module
    manifest: Dict[str, Any]
    labels: List[str]
    weights: str                       # where the weights came from
    golden_max_abs_diff: Optional[float]


def _read_raw(golden_dir: str, entry: Dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    path = os.path.join(golden_dir, entry["file"])
    return np.fromfile(path, dtype=dtype).reshape(entry["shape"]).astype(entry["dtype"])


def _check_golden(module: torch.nn.Module, model_dir: str) -> Optional[float]:
    """Max |output - golden output| on the golden inputs; raises when over the golden tolerance."""
    import yaml

    golden_dir = os.path.join(model_dir, "golden")
    path = os.path.join(golden_dir, "golden.yaml")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        g = yaml.safe_load(f)
    inputs = [torch.from_numpy(_read_raw(golden_dir, e)) for e in g["inputs"]]
    expected = _read_raw(golden_dir, g["output"])
    with torch.inference_mode():
        got = module(*inputs).numpy()
    diff = np.abs(got - expected)
    tol = float(g["tolerance"])
    if np.any(diff > tol * np.maximum(1.0, np.abs(expected))):
        raise ReferenceError(f"{model_dir}: the PyTorch model does not reproduce golden/output.f32 "
                             f"(max |diff| {diff.max():.3e} > {tol}); wrong weights?")
    return float(diff.max())


def load_model(model_dir: str, weights: Optional[str] = None) -> LoadedModel:
    """The PyTorch model of a model directory (manifest.yaml + weights), in eval mode."""
    from . import export as ex

    path = os.path.join(model_dir, "manifest.yaml")
    if not os.path.isfile(path):
        raise ReferenceError(f"{model_dir}: no manifest.yaml (a model directory as modelkit writes them)")
    manifest = load_manifest(path)
    source = manifest.get("source") or {}
    arch = source.get("arch")
    if not arch:
        raise ReferenceError(f"{model_dir}/manifest.yaml: source.arch missing (which modelkit.archs entry?)")
    try:
        spec = archs.get(arch)
    except KeyError as e:
        raise ReferenceError(e.args[0]) from None
    classes = int(manifest["output"]["classes"])
    if classes != spec.num_classes:
        raise ReferenceError(f"{model_dir}: output.classes {classes} != {arch}'s {spec.num_classes}")
    weights = weights or (os.path.join(model_dir, "weights.pt")
                          if os.path.isfile(os.path.join(model_dir, "weights.pt")) else None)
    if weights:
        try:
            module = ex.build_model(spec, weights)
        except ex.CheckpointError as e:
            raise ReferenceError(str(e)) from None
        origin = weights
    else:
        seed = _RANDOM_SEED.match(str(source.get("weights", "")))
        if not seed:
            raise ReferenceError(f"{model_dir}: no weights.pt and source.weights is "
                                 f"{source.get('weights')!r}; pass --weights (the checkpoint the export used)")
        # As export() built them: seeded init, then BN statistics and class scale from the golden clip.
        n = int(seed.group(1))
        module = ex.build_model(spec, seed=n)
        frames = ex.synthetic_frames(spec.frames, *ex.GOLDEN_SIZE, seed=n)
        ex.spread_random_weights(module, frames_to_inputs(frames, manifest), classes, n)
        origin = f"random (seed {n}), rebuilt"
    module.eval()
    labels = read_labels(os.path.join(model_dir, manifest["labels"]))
    return LoadedModel(module, manifest, labels, origin, _check_golden(module, model_dir))


# ---- cameras ---------------------------------------------------------------------------------

@dataclass
class Ring:
    """One camera's recent preprocessed frames. Invariant: times ascending; the oldest frame is
    still the nearest one to some sample time of the next window (older ones are dropped)."""
    times: Deque[int] = field(default_factory=deque)        # capture time, ms
    indices: Deque[int] = field(default_factory=deque)      # frame number since the camera started
    frames: Deque[torch.Tensor] = field(default_factory=deque)  # C x H x W each

    def add(self, ts: int, index: int, frame: torch.Tensor) -> None:
        self.times.append(ts)
        self.indices.append(index)
        self.frames.append(frame)

    def drop_before(self, start: float) -> None:
        # The oldest frame can go once the next one is at or before the window start: no sample
        # time (all >= start) is then nearer to it.
        while len(self.times) > 1 and self.times[1] <= start:
            self.times.popleft()
            self.indices.popleft()
            self.frames.popleft()


class Camera:
    """One VideoCapture of the video with its camera clock and ring."""

    def __init__(self, video: str, loop: bool):
        import cv2

        self.cv2 = cv2
        self.video = video
        self.loop = loop
        self.cap = self._open()
        self.fps = float(self.cap.get(cv2.CAP_PROP_FPS))
        if not self.fps > 0:
            raise ReferenceError(f"{video}: OpenCV reports no frame rate")
        self.count = 0            # frames decoded
        self.next_end: Optional[int] = None
        self.ring = Ring()

    def _open(self):
        cap = self.cv2.VideoCapture(self.video)
        if not cap.isOpened():
            raise ReferenceError(f"{self.video}: OpenCV cannot open it")
        return cap

    def read(self) -> Optional[Tuple[int, int, np.ndarray]]:
        """(capture time ms, frame number, H x W x 3 RGB frame), or None at the end."""
        ok, bgr = self.cap.read()
        if not ok and self.loop and self.count > 0:
            self.cap.release()
            self.cap = self._open()
            ok, bgr = self.cap.read()
        if not ok:
            return None
        index = self.count
        self.count += 1
        ts = int(round(index * 1000.0 / self.fps))
        return ts, index, self.cv2.cvtColor(bgr, self.cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self.cap.release()


# ---- preprocessing -------------------------------------------------------------------------

def frame_preprocessor(pre: Dict[str, Any], mode: str = "opencv") -> Callable[[np.ndarray], torch.Tensor]:
    """One H x W x 3 uint8 RGB frame -> its C x crop x crop float32 tensor, per --preprocess."""
    if mode == "torch":
        return lambda rgb: preprocess_frames(rgb[None], pre)[:, 0]
    if mode != "opencv":
        raise ReferenceError(f"preprocess: {mode!r} not one of {PREPROCESS}")
    import cv2

    c, short_side = int(pre["crop"]), int(pre["short_side"])
    scale = np.float32(pre["scale"])
    mean = np.asarray(pre["mean"], dtype=np.float32)
    std = np.asarray(pre["std"], dtype=np.float32)
    bgr = pre.get("channel_order", "RGB") == "BGR"

    def run(rgb: np.ndarray) -> torch.Tensor:
        h, w = rgb.shape[:2]
        nh, nw = resized_size(h, w, short_side)
        x = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nh, nw) != (h, w) else rgb
        top, left = (nh - c) // 2, (nw - c) // 2
        x = x[top:top + c, left:left + c]
        if bgr:
            x = x[..., ::-1]
        x = (x.astype(np.float32) * scale - mean) / std
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))

    return run


# ---- the run ---------------------------------------------------------------------------------

@dataclass
class ClipResult:
    camera: int
    end_ms: int
    frame_indices: List[int]     # frame numbers the T samples took
    probabilities: np.ndarray


def run(model: LoadedModel, video: str, cameras: int = 1, hop: float = 1.0, seconds: Optional[float] = None,
        clips: Optional[int] = None, threads: int = 1, preprocess: str = "opencv",
        collect: bool = False) -> Dict[str, Any]:
    """The reference pipeline (module docstring). Returns the JSON report; with collect=True it
    also holds "results": one ClipResult per clip, in inference order."""
    if cameras < 1 or threads < 1 or hop <= 0:
        raise ReferenceError("cameras and threads must be >= 1 and hop > 0")
    m = model.manifest
    if m.get("modality", "rgb") != "rgb":
        raise ReferenceError(f"modality {m['modality']}: the reference pipeline preprocesses RGB frames only")
    segmented = m["clip"].get("sampling", "uniform") == "segments"
    t_frames = int(m["clip"]["frames"])
    duration_ms = int(round(float(m["clip"]["duration"]) * 1000))
    hop_ms = int(round(hop * 1000))
    pre = m["preprocessing"]
    prep = frame_preprocessor(pre, preprocess)
    softmax = m["output"]["type"] == "logits"
    loop = seconds is not None or clips is not None
    cams = [Camera(video, loop) for _ in range(cameras)]
    crop = int(pre["crop"])
    stages = {s: 0.0 for s in STAGES}
    results: List[ClipResult] = []
    n_clips = n_frames = batches = 0
    clock = time.perf_counter

    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            model.module(*build_inputs(torch.zeros(cameras, 3, t_frames, crop, crop), m))  # warm-up
            start = clock()
            done = [False] * cameras
            while not all(done):
                due: List[Tuple[int, int, List[int], torch.Tensor]] = []
                for ci, cam in enumerate(cams):
                    if done[ci]:
                        continue
                    t0 = clock()
                    got = cam.read()
                    t1 = clock()
                    stages["decode"] += t1 - t0
                    if got is None:
                        done[ci] = True
                        continue
                    ts, index, rgb = got
                    n_frames += 1
                    frame = prep(rgb)     # C x crop x crop
                    t2 = clock()
                    stages["preprocess"] += t2 - t1
                    cam.ring.add(ts, index, frame)
                    if cam.next_end is None:   # the first full window: smallest multiple of hop >= ts + D
                        cam.next_end = -(-(ts + duration_ms) // hop_ms) * hop_ms
                    while cam.next_end <= ts:
                        end = cam.next_end
                        times = (clip_sample_times(end, m["clip"], unit=1000.0) if segmented
                                 else sample_times(end, duration_ms, t_frames))
                        picks = nearest_frames(times, cam.ring.times)
                        clip = torch.stack([cam.ring.frames[i] for i in picks], dim=1)   # C x T x H x W
                        due.append((ci, end, [cam.ring.indices[i] for i in picks], clip))
                        cam.next_end = end + hop_ms
                        cam.ring.drop_before(cam.next_end - duration_ms)
                    stages["assemble"] += clock() - t2
                if due:
                    t3 = clock()
                    inputs = build_inputs(torch.stack([d[3] for d in due]), m)   # one batch, all cameras
                    t4 = clock()
                    out = consensus(model.module(*inputs), m)   # one row per clip
                    probs = (torch.softmax(out, dim=1) if softmax else out).numpy()
                    t5 = clock()
                    stages["assemble"] += t4 - t3
                    stages["infer"] += t5 - t4
                    batches += 1
                    n_clips += len(due)
                    if collect:
                        results.extend(ClipResult(c, e, idx, p.copy()) for (c, e, idx, _), p in zip(due, probs))
                if (clips is not None and n_clips >= clips) or (seconds is not None and clock() - start >= seconds):
                    break
            elapsed = clock() - start
    finally:
        torch.set_num_threads(threads_before)
        for cam in cams:
            cam.close()

    report: Dict[str, Any] = {
        "model": m["name"], "torch": str(torch.__version__), "video": video, "video_fps": cams[0].fps,
        "cameras": cameras, "threads": threads, "hop": hop, "preprocess": preprocess,
        "clip": {"frames": t_frames, "duration": duration_ms / 1000.0},
        "clips": n_clips, "frames": n_frames, "batches": batches, "seconds": elapsed,
        "clips_per_s": n_clips / elapsed if elapsed > 0 else 0.0,
        "frames_per_s": n_frames / elapsed if elapsed > 0 else 0.0,
        "ms_per_clip": 1000.0 * elapsed / n_clips if n_clips else None,
        "stages": stages, "weights": model.weights, "golden_max_abs_diff": model.golden_max_abs_diff,
    }
    if collect:
        report["results"] = results
    return report


def summary(r: Dict[str, Any]) -> str:
    st = r["stages"]
    per_clip = (lambda s: f"{1000 * s / r['clips']:.2f} ms/clip") if r["clips"] else (lambda s: "-")
    ms = f"{r['ms_per_clip']:.2f}" if r["ms_per_clip"] is not None else "-"
    lines = [
        f"{r['model']} (PyTorch {r['torch']}, {r['threads']} threads): {r['cameras']} camera(s) of "
        f"{os.path.basename(r['video'])} at {r['video_fps']:g} fps, hop {r['hop']:g} s, "
        f"{r['preprocess']} preprocessing",
        f"  {r['clips']} clips, {r['frames']} frames, {r['batches']} batches in {r['seconds']:.2f} s: "
        f"{r['clips_per_s']:.1f} clips/s, {r['frames_per_s']:.1f} frames/s, {ms} ms per clip",
    ]
    lines += [f"  {s:<10} {st[s]:8.3f} s  {per_clip(st[s])}" for s in STAGES]
    return "\n".join(lines)


# ---- CLI -------------------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m modelkit.reference", description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", required=True, help="model directory: manifest.yaml and weights")
    p.add_argument("--video", required=True, help="video file (OpenCV reads it)")
    p.add_argument("--cameras", type=int, default=1, help="cameras: the video opened this many times (default 1)")
    p.add_argument("--hop", type=float, default=1.0, help="seconds of video time between windows (default 1)")
    limit = p.add_mutually_exclusive_group()
    limit.add_argument("--seconds", type=float, help="run this many wall-clock seconds (the video loops)")
    limit.add_argument("--clips", type=int, help="stop once this many clips are done, all cameras together (the video loops)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--preprocess", choices=PREPROCESS, default="opencv",
                   help="opencv: cv2.resize on uint8 frames (default); torch: modelkit.preprocess, exact")
    p.add_argument("--weights", help="state dict file, instead of DIR/weights.pt or rebuilt seeded weights")
    p.add_argument("--json", help="write the report here as JSON")
    a = p.parse_args(argv)
    try:
        if not os.path.isfile(a.video):
            raise ReferenceError(f"{a.video}: no such file")
        model = load_model(a.model_dir, a.weights)
        r = run(model, a.video, cameras=a.cameras, hop=a.hop, seconds=a.seconds, clips=a.clips, threads=a.threads,
                preprocess=a.preprocess)
    except (ReferenceError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(summary(r))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
