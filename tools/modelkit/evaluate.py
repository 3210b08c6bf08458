"""Evaluate trained demo models on a directory of labelled video clips (e.g. modelkit.ffclips output).

    cd tools && /usr/bin/python3 -m modelkit.evaluate --model DIR [--model DIR2 ...] --clips CLIPDIR [--json OUT]

For each clip in CLIPDIR/labels.csv: decode every frame with ffmpeg (rawvideo rgb24 on a pipe, the
frame timestamps from showinfo, i.e. pts x time base), take the window of the model's clip
duration D ending at the LAST frame, sample the manifest's T frames at
t_i = end - D + i D / (T - 1) (nearest frame by timestamp; modelkit.manifest.sample_times and
modelkit.preprocess.nearest_frames), build the inputs with modelkit.preprocess.frames_to_inputs and
run the PyTorch model. Reports accuracy, per-class accuracy and the confusion matrix (rows = true
class), overall and split by background (vtest = real footage, synthetic = ffmpeg sources).

Model directory contract (as modelkit.train writes it): manifest.yaml (source.arch names the
architecture in modelkit.archs), the labels file it names, weights.pt = {'model_state': state_dict}.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from . import archs
from .manifest import load_manifest, read_labels, sample_times, segment_count
from .preprocess import consensus, frames_to_inputs, nearest_frames


# ---- models ----------------------------------------------------------------------------------

def load_model(model_dir: str) -> Tuple[torch.nn.Module, Dict]:
    """(module in eval mode, manifest) from a model directory written by the training."""
    manifest = load_manifest(os.path.join(model_dir, "manifest.yaml"))
    source = manifest.get("source") or {}
    arch = source.get("arch")
    if not arch:
        raise ValueError(f"{model_dir}/manifest.yaml: source.arch missing (which modelkit.archs entry built it?)")
    module = archs.build(arch, num_classes=int(manifest["output"]["classes"]))
    state = torch.load(os.path.join(model_dir, "weights.pt"), map_location="cpu")
    module.load_state_dict(state["model_state"])
    module.eval()
    return module, manifest


def model_labels(model_dir: str, manifest: Dict) -> List[str]:
    return read_labels(os.path.join(model_dir, manifest["labels"]))


# ---- clips -----------------------------------------------------------------------------------

@dataclass
class DecodedClip:
    frames: np.ndarray        # N x H x W x 3 uint8 RGB
    times: np.ndarray         # N capture times in seconds (stream timestamps, first frame = 0)

    @property
    def end(self) -> float:
        return float(self.times[-1])


_TB = re.compile(r"config in time_base:\s*(\d+)/(\d+)")
_RATE = re.compile(r"config in time_base:\s*\d+/\d+, frame_rate:\s*(\d+)/(\d+)")
_SIZE = re.compile(r"\bn:\s*0\s.*?\ss:(\d+)x(\d+)\s")
_PTS = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)")


def decode_clip(path: str) -> DecodedClip:
    """All frames of the first video stream, as decoded (no frame rate conversion), with times."""
    # one ffmpeg run: raw frames on stdout, showinfo's per-frame lines (size, pts) on stderr
    p = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "info", "-i", path, "-map", "0:v:0",
         "-vf", "showinfo", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"ffmpeg decode {path}: {log[-1000:]}")
    size = _SIZE.search(log)
    if not size or not p.stdout:
        raise RuntimeError(f"{path}: no frames decoded")
    w, h = int(size.group(1)), int(size.group(2))
    n = len(p.stdout) // (w * h * 3)
    frames = np.frombuffer(p.stdout, dtype=np.uint8, count=n * w * h * 3).reshape(n, h, w, 3)
    tb = _TB.search(log)
    pts: Dict[int, Optional[int]] = {}
    for m in _PTS.finditer(log):
        pts[int(m.group(1))] = None if m.group(2) == "NOPTS" else int(m.group(2))
    times: Optional[np.ndarray] = None
    if tb and len(pts) == n and all(pts.get(i) is not None for i in range(n)):
        base = Fraction(int(tb.group(1)), int(tb.group(2)))
        times = np.array([float(pts[i] * base) for i in range(n)], dtype=np.float64)
        if n > 1 and not np.all(np.diff(times) > 0):
            times = None
    if times is None:      # no usable timestamps: constant frame rate of the stream
        fr = _RATE.search(log)
        fps = Fraction(int(fr.group(1)), int(fr.group(2))) if fr and int(fr.group(2)) else Fraction(0)
        if not fps:
            raise RuntimeError(f"{path}: neither frame timestamps nor a frame rate")
        times = np.arange(n, dtype=np.float64) / float(fps)
    return DecodedClip(frames=frames, times=times - times[0])


def sample_window(clip: DecodedClip, duration: float, frames: int,
                  end: Optional[float] = None, segments: Optional[int] = None,
                  spacing: Optional[float] = None) -> Tuple[np.ndarray, List[int], List[float]]:
    """The T frames of the window [end - D, end] (end = last frame by default):
    (T x H x W x 3 frames, their indices in the clip, the sample times). segments/spacing:
    segment sampling (manifest.sample_times), spacing = sampling_rate / reference_fps seconds."""
    e = clip.end if end is None else float(end)
    times = sample_times(e, duration, frames, segments, spacing)
    idx = nearest_frames(times, clip.times)
    return clip.frames[idx], idx, times


def sample_clip_file(path: str, duration: float, frames: int) -> Tuple[np.ndarray, List[int], List[float]]:
    """decode_clip + sample_window for a file: the T frames of the window ending at its last frame."""
    return sample_window(decode_clip(path), duration, frames)


def clip_inputs(clip: DecodedClip, manifest: Dict, end: Optional[float] = None) -> List[torch.Tensor]:
    """Batch-1 model inputs (manifest order) for the window ending at `end` (default: last frame)."""
    c = manifest["clip"]
    segments = spacing = None
    if c.get("sampling", "uniform") == "segments":
        segments, spacing = segment_count(c), float(c["sampling_rate"]) / float(c["reference_fps"])
    sampled, _, _ = sample_window(clip, float(c["duration"]), int(c["frames"]), end, segments, spacing)
    return frames_to_inputs(sampled, manifest)


def read_clip_list(clips_dir: str) -> List[Dict]:
    path = os.path.join(clips_dir, "labels.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if "file" not in r or "label" not in r:
            raise ValueError(f"{path}: needs 'file' and 'label' columns")
    return rows


def background_group(row: Dict) -> str:
    return "vtest" if row.get("background", "") == "vtest" else "synthetic"


# ---- metrics ---------------------------------------------------------------------------------

def summarize(true: Sequence[int], pred: Sequence[int], labels: Sequence[str]) -> Dict:
    k = len(labels)
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(true, pred):
        cm[t, p] += 1
    n = int(cm.sum())
    per_class = {}
    for i, name in enumerate(labels):
        support = int(cm[i].sum())
        per_class[name] = {"support": support, "accuracy": (float(cm[i, i]) / support) if support else None}
    return {"clips": n, "accuracy": (float(np.trace(cm)) / n) if n else None,
            "per_class": per_class, "confusion": cm.tolist()}


def format_summary(title: str, s: Dict, labels: Sequence[str]) -> str:
    if not s["clips"]:
        return f"{title}: no clips"
    lines = [f"{title}: accuracy {s['accuracy'] * 100:.1f}% ({s['clips']} clips)"]
    short = [l[:7] for l in labels]
    width = max(len(l) for l in labels)
    lines.append(" " * (width + 8) + " ".join(f"{x:>7}" for x in short) + "   <- predicted")
    for i, name in enumerate(labels):
        pc = s["per_class"][name]
        acc = "   -  " if pc["accuracy"] is None else f"{pc['accuracy'] * 100:5.1f}%"
        lines.append(f"{name:>{width}} {acc} " + " ".join(f"{v:>7d}" for v in s["confusion"][i]))
    return "\n".join(lines)


# ---- evaluation ------------------------------------------------------------------------------

def evaluate(model_dirs: Sequence[str], clips_dir: str, batch: int = 16, log=print) -> Dict:
    models = []
    for d in model_dirs:
        module, manifest = load_model(d)
        models.append({"dir": d, "name": manifest.get("name", os.path.basename(d.rstrip("/"))),
                       "module": module, "manifest": manifest, "labels": model_labels(d, manifest),
                       "pred": [], "scores": [], "infer_s": 0.0})
    rows = read_clip_list(clips_dir)
    windows = {float(r["window"]) for r in rows if r.get("window")}
    for m in models:
        d = float(m["manifest"]["clip"]["duration"])
        if log and windows and any(abs(w - d) > 1e-6 for w in windows):
            log(f"warning: model {m['name']} clip duration {d}s but the clips were made for windows "
                f"{sorted(windows)}s (a fall may not lie inside its window)")
        missing = sorted({r["label"] for r in rows} - set(m["labels"]))
        if missing:
            raise ValueError(f"model {m['name']}: clip labels {missing} not in its labels {m['labels']}")
    decode_s = 0.0
    per_clip: List[Dict] = []
    pending: List[Tuple[Dict, List[List[torch.Tensor]]]] = []

    def flush():
        # batching matters: the tiny X3D costs ~10x more per clip at batch 1 in eager PyTorch
        if not pending:
            return
        for j, m in enumerate(models):
            t0 = time.monotonic()
            xs = [torch.cat([p[1][j][k] for p in pending]) for k in range(len(pending[0][1][j]))]
            out = m["module"](*xs)
            if isinstance(out, (list, tuple)):
                out = out[0]
            out = consensus(out, m["manifest"]).reshape(len(pending), -1).float()
            probs = out if m["manifest"]["output"]["type"] == "probabilities" else torch.softmax(out, 1)
            m["infer_s"] += time.monotonic() - t0
            for (rec, _), pr in zip(pending, probs):
                p = int(torch.argmax(pr))
                m["pred"].append(p)
                rec["predictions"][m["name"]] = {"label": m["labels"][p], "score": round(float(pr[p]), 4)}
        per_clip.extend(rec for rec, _ in pending)
        pending.clear()

    with torch.no_grad():
        for n, row in enumerate(rows, 1):
            t0 = time.monotonic()
            clip = decode_clip(os.path.join(clips_dir, row["file"]))
            decode_s += time.monotonic() - t0
            rec = {"file": row["file"], "label": row["label"], "background": row.get("background", ""),
                   "frames": int(len(clip.times)), "predictions": {}}
            pending.append((rec, [clip_inputs(clip, m["manifest"]) for m in models]))
            if len(pending) >= batch:
                flush()
            if log and (n % 50 == 0 or n == len(rows)):
                log(f"{n}/{len(rows)} clips")
        flush()
    result: Dict = {"clips_dir": clips_dir, "clips": len(rows), "decode_s": round(decode_s, 2), "models": {}}
    groups = {"all": list(range(len(rows)))}
    for g in ("vtest", "synthetic"):
        groups[g] = [i for i, r in enumerate(rows) if background_group(r) == g]
    for m in models:
        labels = m["labels"]
        true = [labels.index(r["label"]) for r in rows]
        res = {"dir": m["dir"], "arch": m["manifest"]["source"]["arch"], "labels": labels,
               "infer_s": round(m["infer_s"], 2)}
        for g, idx in groups.items():
            res[g] = summarize([true[i] for i in idx], [m["pred"][i] for i in idx], labels)
        res["errors"] = [{"file": rows[i]["file"], "label": rows[i]["label"], "predicted": labels[m["pred"][i]],
                          "background": rows[i].get("background", "")}
                         for i in range(len(rows)) if m["pred"][i] != true[i]]
        result["models"][m["name"]] = res
    result["per_clip"] = per_clip
    return result


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="modelkit.evaluate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", required=True, help="model directory (repeatable)")
    ap.add_argument("--clips", required=True, help="directory with labels.csv and the clips")
    ap.add_argument("--json", help="write the full result (metrics, confusion, per-clip predictions) here")
    ap.add_argument("--batch", type=int, default=16, help="clips per forward pass")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, a.threads))
    t0 = time.monotonic()
    res = evaluate(a.model, a.clips, batch=max(1, a.batch), log=lambda s: print(s, file=sys.stderr))
    for name, r in res["models"].items():
        print(f"== {name} ({r['arch']}, {r['dir']})")
        for g in ("all", "vtest", "synthetic"):
            print(format_summary(g, r[g], r["labels"]))
        if r["errors"]:
            print("errors: " + ", ".join(f"{e['file']}->{e['predicted']}" for e in r["errors"][:40])
                  + (" ..." if len(r["errors"]) > 40 else ""))
        print()
    print(f"{res['clips']} clips, decode {res['decode_s']:.1f}s, total {time.monotonic() - t0:.1f}s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
