"""Train the demo models on synthetic actions, evaluate them, and export them for the engine.

    cd tools && /usr/bin/python3 -m modelkit.train --out ../models/demo

renders a seeded training and held-out set per model (modelkit.synth), trains tiny_x3d and
tiny_slowfast on CPU, evaluates on the held-out clips (and, with --ffmpeg-clips DIR, on clips
rendered by ffmpeg, see modelkit.ffclips), and writes for each model DIR/<name>/ with
model.onnx, manifest.yaml, labels.txt, weights.pt, golden/ and metrics.json, plus DIR/TRAINING.md.
The same seed gives the same data, the same weights and the same numbers on the same machine.

    cd tools && /usr/bin/python3 -m modelkit.train --out ../models/demo --arch demo_two_stream_rgb demo_two_stream_flow

trains the demo Two-stream pair instead (report DIR/TRAINING-two-stream.md). Both streams see the
same held-out clips (same seeds, so the same scenes), which gives their late fusion's accuracy too.
Segment-sampled models are trained on frames taken at the engine's sample times
(modelkit.manifest.clip_sample_times); a flow model's inputs are computed from the full-size
rendered frames by the reference preprocessing (modelkit.preprocess.flow_inputs, the function the
golden files use), and stored losslessly as their 8-bit quantized values.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import archs, manifest as manifest_mod, synth
from .manifest import clip_sample_times, segment_count
from .preprocess import build_inputs, flow_inputs, resize_crop_uint8

# Output directory name under --out for each demo architecture.
DEMO_DIRS = {"demo_x3d": "x3d", "demo_slowfast": "slowfast",
             "demo_two_stream_rgb": "two-stream-rgb", "demo_two_stream_flow": "two-stream-flow"}
DEFAULT_ARCHS = ["demo_x3d", "demo_slowfast"]      # what a run without --arch trains
TWO_STREAM = ("demo_two_stream_rgb", "demo_two_stream_flow")  # (spatial, temporal)
# Late fusion of the two streams' softmax probabilities: weights (rgb, flow), each pair evaluated.
FUSION_WEIGHTS = ((1.0, 1.5), (1.0, 1.0))
# Mirroring a clip left-right turns move_left into move_right and back; other classes keep.
FLIP_LABEL = [0, 2, 1, 3, 4, 5, 6, 7]
# Playing a clip backwards swaps the direction classes (left/right, up/down, approach/recede);
# a fall played backwards is an object standing up, which is no class, so falls never reverse.
REVERSE_LABEL = [0, 2, 1, 4, 3, 6, 5, 7]
REVERSIBLE = np.array([True] * 7 + [False])
SPLITS = {"train": 1, "val": 2}
# The SlowFast-style model learns more slowly (its fast pathway is very thin).
# Budgets that fit both models' training into an hour on a 2-core machine.
# Clips are cheap to render and the models overfit a fixed set (train 99.6 % vs held-out 97.8 %
# at 1,000 clips per class and 12 epochs), so the budget buys more clips and fewer epochs.
# SlowFast has 7 (it had 9: the command took 64 min with other builds beside it); with 7 it took
# 47 min on the idle machine, held-out 99.17 % (was 99.08), ffmpeg clips 96.25 % (was 97.50).
# The Two-stream pair: small 2D CNNs, a few minutes each on 2 cores (rendering included).
DEFAULT_EPOCHS = {"demo_x3d": 8, "demo_slowfast": 7, "demo_two_stream_rgb": 10, "demo_two_stream_flow": 10}
DEFAULT_PER_CLASS = {"demo_x3d": 1600, "demo_slowfast": 1600, "demo_two_stream_rgb": 1000,
                     "demo_two_stream_flow": 1000}
# Time reversal as augmentation. Measured for the X3D: +1.6 points at 300 clips per class and 8
# epochs, but -0.33 at the full budget (12 epochs: it fits the harder task less), so it is off there.
# Time reversal needs frames to reverse: not for one frame, nor for flow fields already computed.
DEFAULT_REVERSE = {"demo_x3d": False, "demo_slowfast": True, "demo_two_stream_rgb": False,
                   "demo_two_stream_flow": False}


def spec_manifest(spec: archs.ArchSpec) -> Dict:
    """The manifest the model is exported with (modelkit.export.spec_manifest)."""
    from .export import spec_manifest as build
    return build(spec)


def clip_duration(spec: archs.ArchSpec) -> float:
    """The window a clip covers: D for segment sampling, else T * tau / reference_fps."""
    if spec.sampling == "segments":
        return float(spec.duration)
    return spec.frames * spec.sampling_rate / spec.reference_fps


def clip_times(spec: archs.ArchSpec) -> Optional[List[float]]:
    """Clip-relative sample times for segment sampling (the engine's, for a window ending at D);
    None for uniform sampling (synth.camera_times' own uniform times, the same ones)."""
    if spec.sampling != "segments":
        return None
    return clip_sample_times(clip_duration(spec), spec_manifest(spec)["clip"])


def stored_shape(spec: archs.ArchSpec) -> Tuple[int, ...]:
    """Shape of one stored training clip: T x crop x crop x 3 (uint8 RGB, resized and cropped), or
    for flow K x 2(L-1) x crop x crop (uint8: the quantized flow values, see flow_to_u8)."""
    if spec.modality == "flow":
        k = segment_count(spec_manifest(spec)["clip"])
        return (k, 2 * (spec.frames // k - 1), spec.crop, spec.crop)
    return (spec.frames, spec.crop, spec.crop, 3)


def _flow_constants(pre: Dict, channels: int):
    """float32 scale, and mean / std per stacked flow channel (x for even channels, y for odd)."""
    mean = np.asarray(pre["mean"], dtype=np.float32)[np.arange(channels) % 2].reshape(channels, 1, 1)
    std = np.asarray(pre["std"], dtype=np.float32)[np.arange(channels) % 2].reshape(channels, 1, 1)
    return np.float32(pre["scale"]), mean, std


def flow_to_u8(x: np.ndarray, manifest: Dict) -> np.ndarray:
    """The reference flow inputs (K x C x H x W float32, modelkit.preprocess.flow_inputs) -> their
    quantized 8-bit values, checked to decode (flow_from_u8) to exactly the same floats."""
    if manifest["flow"]["encoding"] != "quantized":
        raise ValueError("compact flow storage needs flow.encoding quantized")
    scale, mean, std = _flow_constants(manifest["preprocessing"], x.shape[-3])
    u = np.clip(np.rint((x * std + mean) / scale), 0, 255).astype(np.uint8)
    if not np.array_equal(flow_from_u8(torch.from_numpy(u), manifest).numpy(), x):
        raise ValueError("flow inputs do not round-trip through 8-bit values (scale/mean/std)")
    return u


def flow_from_u8(u: torch.Tensor, manifest: Dict) -> torch.Tensor:
    """Quantized flow values (... x C x H x W uint8) -> the normalised float32 inputs, with
    modelkit.preprocess.encode_flow's float32 arithmetic: (value * scale - mean[k]) / std[k]."""
    scale, mean, std = _flow_constants(manifest["preprocessing"], u.shape[-3])
    dev = u.device
    return ((u.float() * torch.from_numpy(np.array(scale)).to(dev) - torch.from_numpy(mean).to(dev))
            / torch.from_numpy(std).to(dev))


def mirror_flow_u8(u: np.ndarray) -> np.ndarray:
    """Left-right mirror of stored flow (... x C x H x W uint8): the fields flipped along W and their
    x components negated, 255 - value (exact up to one quantisation step at half-way values;
    Farneback on mirrored frames gives the mirrored flow up to its own rounding)."""
    out = u[..., ::-1].copy()
    out[..., 0::2, :, :] = 255 - out[..., 0::2, :, :]
    return out


def _render_one(args) -> np.ndarray:
    label_idx, index, seed, split, frames, duration, short_side, crop = args[:8]
    times, flow_manifest = args[8:] if len(args) > 8 else (None, None)
    rng = np.random.default_rng([seed, SPLITS[split], label_idx, index])
    clip, _ = synth.render_clip(synth.LABELS[label_idx], frames, duration, rng, sample_times=times)
    if flow_manifest is not None:
        return flow_to_u8(flow_inputs(clip, flow_manifest)[0].numpy(), flow_manifest)
    return resize_crop_uint8(clip, short_side, crop)


def _worker_init():
    torch.set_num_threads(1)
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass


def render_dataset(spec: archs.ArchSpec, split: str, per_class: int, seed: int,
                   workers: int) -> Tuple[np.ndarray, np.ndarray]:
    """per_class clips of every class: (N x T x crop x crop x 3 uint8, N labels); for a flow
    model N x K x 2(L-1) x crop x crop uint8 quantized flow (stored_shape).

    Each clip's generator is seeded by (seed, split, class, index), so the data does not
    depend on the number of workers or their scheduling; models with the same window (the
    Two-stream pair) see the same scenes.
    """
    duration = clip_duration(spec)
    extra: tuple = ()
    if spec.sampling == "segments" or spec.modality == "flow":
        extra = (clip_times(spec), spec_manifest(spec) if spec.modality == "flow" else None)
    jobs = [(c, i, seed, split, spec.frames, duration, spec.short_side, spec.crop) + extra
            for i in range(per_class) for c in range(len(synth.LABELS))]
    x = np.empty((len(jobs),) + stored_shape(spec), dtype=np.uint8)
    y = np.array([j[0] for j in jobs], dtype=np.int64)
    if workers > 1:
        with mp.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
            for k, clip in enumerate(pool.imap(_render_one, jobs, chunksize=16)):
                x[k] = clip
    else:
        for k, job in enumerate(jobs):
            x[k] = _render_one(job)
    return x, y


def to_inputs(batch_u8: np.ndarray, spec: archs.ArchSpec, manifest: Dict, device: str = "cpu") -> List[torch.Tensor]:
    """uint8 N x T x H x W x 3 (already resized and cropped) -> normalised model inputs; for flow
    models uint8 N x K x C x H x W quantized flow -> N*K x C x H x W (flow_from_u8)."""
    if spec.modality == "flow":
        u = torch.from_numpy(np.ascontiguousarray(batch_u8)).to(device)
        x = flow_from_u8(u.reshape(-1, *u.shape[2:]), manifest)
        return [x for _ in manifest["inputs"]]
    x = torch.from_numpy(np.ascontiguousarray(batch_u8)).to(device).float().permute(0, 4, 1, 2, 3)  # N,C,T,H,W
    mean = torch.tensor(spec.mean, device=device).view(1, 3, 1, 1, 1)
    std = torch.tensor(spec.std, device=device).view(1, 3, 1, 1, 1)
    x = (x / 255.0 - mean) / std
    return build_inputs(x, manifest)


def predict_proba(model, x: np.ndarray, spec, manifest, batch: int = 64, device: str = "cpu") -> np.ndarray:
    """Softmax class probabilities, N x classes (segment rows averaged first, as the engine does)."""
    from .preprocess import consensus
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            scores = consensus(model(*to_inputs(x[i:i + batch], spec, manifest, device)), manifest)
            out.append((scores.softmax(1) if spec.output_type == "logits" else scores).cpu().numpy())
    return np.concatenate(out)


def accuracy_confusion(probs: np.ndarray, y: np.ndarray):
    p = probs.argmax(1)
    n = len(synth.LABELS)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (y, p), 1)
    return float((p == y).mean()), confusion


def evaluate(model, x: np.ndarray, y: np.ndarray, spec, manifest, batch: int = 64, device: str = "cpu"):
    return accuracy_confusion(predict_proba(model, x, spec, manifest, batch, device), y)


def late_fusion(probs: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted average of the streams' softmax probabilities (Two-stream late fusion)."""
    w = np.asarray(weights, dtype=np.float64)
    return sum(wi * p for wi, p in zip(w / w.sum(), probs))


def train_model(spec, manifest, x, y, *, epochs: int, batch: int, lr: float, seed: int, log,
                device: str = "cpu", reverse: bool = True) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = spec.build().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    steps = epochs * math.ceil(len(x) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    rng = np.random.default_rng(seed)
    if reverse and (spec.modality == "flow" or spec.frames < 2):
        raise ValueError(f"{spec.name}: time reversal needs a clip of frames (not one frame, not flow)")
    flip = torch.tensor(FLIP_LABEL, device=device)
    backwards = torch.tensor(REVERSE_LABEL, device=device)
    step = 0
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        t0, seen, correct, total_loss = time.time(), 0, 0, 0.0
        for i in range(0, len(order), batch):
            idx = np.sort(order[i:i + batch])
            xb, yb = x[idx], torch.from_numpy(y[idx]).to(device)
            mirror = rng.random(len(idx)) < 0.5
            if mirror.any():
                xb = xb.copy()
                if spec.modality == "flow":
                    xb[mirror] = mirror_flow_u8(xb[mirror])
                else:
                    xb[mirror] = xb[mirror][:, :, :, ::-1]
                yb = torch.where(torch.from_numpy(mirror).to(device), flip[yb], yb)
            if reverse:
                rev = (rng.random(len(idx)) < 0.5) & REVERSIBLE[yb.cpu().numpy()]
                if rev.any():
                    xb = xb.copy()
                    xb[rev] = xb[rev][:, ::-1]
                    yb = torch.where(torch.from_numpy(rev).to(device), backwards[yb], yb)
            logits = model(*to_inputs(xb, spec, manifest, device))
            loss = F.cross_entropy(logits, yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            seen += len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            total_loss += float(loss) * len(idx)
        log(f"{spec.name} epoch {epoch + 1}/{epochs}: loss {total_loss / seen:.4f} "
            f"train acc {correct / seen:.4f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model.cpu()


def confusion_table(confusion: np.ndarray) -> str:
    short = [l[:9] for l in synth.LABELS]
    lines = ["| true \\ predicted | " + " | ".join(short) + " |",
             "|---" * (len(short) + 1) + "|"]
    for i, row in enumerate(confusion):
        lines.append(f"| {synth.LABELS[i]} | " + " | ".join(str(int(v)) for v in row) + " |")
    return "\n".join(lines)


def run(args) -> Dict[str, Dict]:
    torch.set_num_threads(args.threads)
    # Flat synthetic backgrounds drive activations and gradients into denormal floats, which x86
    # computes in microcode: training steps on rendered clips took 2.2-2.4x as long as on noise
    # until denormals were flushed to zero (measured side by side; it changes no result that
    # matters, values below 1.2e-38 become 0).
    torch.set_flush_denormal(True)
    os.makedirs(args.out, exist_ok=True)
    from . import export as export_mod  # imported late: pulls in onnx

    results = {}
    log_lines: List[str] = []

    def log(msg: str):
        print(msg, flush=True)
        log_lines.append(msg)

    val_probs: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
    for name in args.arch:
        spec = archs.get(name)
        manifest = spec_manifest(spec)
        t0 = time.time()
        per_class = args.train_per_class or DEFAULT_PER_CLASS[name]
        xtr, ytr = render_dataset(spec, "train", per_class, args.seed, args.workers)
        xva, yva = render_dataset(spec, "val", args.val_per_class, args.seed, args.workers)
        t_data = time.time() - t0
        log(f"{name}: rendered {len(xtr)} training and {len(xva)} held-out clips in {t_data:.0f} s")
        t1 = time.time()
        epochs = args.epochs or DEFAULT_EPOCHS[name]
        reverse = DEFAULT_REVERSE[name] if args.reverse is None else args.reverse
        model = train_model(spec, manifest, xtr, ytr, epochs=epochs, batch=args.batch, lr=args.lr,
                            seed=args.seed, log=log, reverse=reverse)
        t_train = time.time() - t1
        probs = predict_proba(model, xva, spec, manifest)
        val_probs[name] = (probs, yva)
        acc, confusion = accuracy_confusion(probs, yva)
        log(f"{name}: held-out accuracy {acc:.4f} ({len(xva)} clips)")
        out_dir = os.path.join(args.out, DEMO_DIRS.get(name, name))
        os.makedirs(out_dir, exist_ok=True)
        torch.save({"model_state": model.state_dict()}, os.path.join(out_dir, "weights.pt"))
        export_mod.export(name, out_dir, model=model, seed=args.seed,
                          weights=f"weights.pt (modelkit.train, seed {args.seed})")
        del xtr, ytr
        r = {
            "arch": name, "seed": args.seed, "epochs": epochs, "batch": args.batch, "lr": args.lr,
            "reverse": reverse,
            "train_clips": int(per_class * len(synth.LABELS)),
            "heldout_clips": int(len(xva)), "heldout_accuracy": acc,
            "heldout_confusion": confusion.tolist(), "data_seconds": round(t_data, 1),
            "train_seconds": round(t_train, 1),
            "parameters": int(sum(p.numel() for p in model.parameters())),
            "onnx_bytes": os.path.getsize(os.path.join(out_dir, "model.onnx")),
            "torch": torch.__version__, "threads": args.threads,
        }
        with open(os.path.join(out_dir, "metrics.json"), "w") as f:
            json.dump(r, f, indent=1)
        results[name] = r
        if not args.smoke:
            write_config_manifest(out_dir, args.config_dir)
    if all(n in val_probs for n in TWO_STREAM):
        fusion = two_stream_fusion(val_probs, log)
        for name in TWO_STREAM:
            results[name]["fusion"] = fusion
            with open(os.path.join(args.out, DEMO_DIRS[name], "metrics.json"), "w") as f:
                json.dump(results[name], f, indent=1)
    if args.ffmpeg_clips:
        evaluate_ffmpeg(args, results, log)
    if not args.smoke:
        write_report(args, results, log_lines)
    return results


def two_stream_fusion(val_probs: Dict[str, Tuple[np.ndarray, np.ndarray]], log) -> Dict:
    """Held-out accuracy of each stream and of their late fusion (FUSION_WEIGHTS), on the same clips."""
    (p_rgb, y_rgb), (p_flow, y_flow) = (val_probs[n] for n in TWO_STREAM)
    if not np.array_equal(y_rgb, y_flow):
        raise ValueError("the two streams' held-out sets differ")
    out = {"clips": int(len(y_rgb)), "rgb": accuracy_confusion(p_rgb, y_rgb)[0],
           "flow": accuracy_confusion(p_flow, y_rgb)[0], "late_fusion": []}
    for w in FUSION_WEIGHTS:
        acc, confusion = accuracy_confusion(late_fusion([p_rgb, p_flow], w), y_rgb)
        out["late_fusion"].append({"weights_rgb_flow": list(w), "accuracy": acc, "confusion": confusion.tolist()})
    log(f"two-stream held-out ({out['clips']} clips): rgb {out['rgb']:.4f}, flow {out['flow']:.4f}, "
        + ", ".join(f"fusion {f['weights_rgb_flow'][0]:g}:{f['weights_rgb_flow'][1]:g} {f['accuracy']:.4f}"
                    for f in out["late_fusion"]))
    return out


def report_name(arch_names: Sequence[str]) -> str:
    """TRAINING.md for the 3D demo models; the Two-stream pair has its own report beside it."""
    return "TRAINING-two-stream.md" if any(n in TWO_STREAM for n in arch_names) else "TRAINING.md"


def write_config_manifest(model_dir: str, config_dir: str) -> str:
    """config/models/<name>.yaml: the model's manifest with paths relative to config_dir."""
    return manifest_mod.write_config_manifest(model_dir, config_dir,
                                              header="Written by modelkit.train: the demo model in {rel}.")


def evaluate_ffmpeg(args, results: Dict[str, Dict], log) -> None:
    """Accuracy on clips rendered by ffmpeg (modelkit.ffclips), rendering them first if needed."""
    from . import evaluate as ev, ffclips

    clips = args.ffmpeg_clips
    if not os.path.isfile(os.path.join(clips, "labels.csv")):
        t0 = time.time()
        ffclips.main(["--out", clips, "--per-class", str(args.ffmpeg_per_class), "--seed",
                      str(args.ffmpeg_seed), "--jobs", str(args.workers)])
        log(f"rendered {args.ffmpeg_per_class} ffmpeg clips per class into {clips} in {time.time() - t0:.0f} s")
    dirs = {name: os.path.join(args.out, DEMO_DIRS.get(name, name)) for name in results}
    res = ev.evaluate(list(dirs.values()), clips, log=None)
    for name, d in dirs.items():
        m = next(v for v in res["models"].values() if v["arch"] == name)
        summary = {g: {k: m[g][k] for k in ("clips", "accuracy", "confusion")} for g in ("all", "vtest", "synthetic")}
        summary["errors"] = m["errors"]
        summary["clips_dir"], summary["seed"] = clips, args.ffmpeg_seed
        results[name]["ffmpeg"] = summary
        log(f"{name}: ffmpeg-rendered clips accuracy {summary['all']['accuracy']:.4f} "
            f"(vtest {summary['vtest']['accuracy']:.4f}, synthetic {summary['synthetic']['accuracy']:.4f}, "
            f"{summary['all']['clips']} clips)")
        with open(os.path.join(d, "metrics.json"), "w") as f:
            json.dump(results[name], f, indent=1)


def report_only(args) -> Dict[str, Dict]:
    """Rebuild TRAINING.md from the models' metrics.json, adding the ffmpeg evaluation."""
    results, log_lines = {}, []

    def log(msg: str):
        print(msg, flush=True)
        log_lines.append(msg)

    for name in args.arch:
        with open(os.path.join(args.out, DEMO_DIRS[name], "metrics.json")) as f:
            results[name] = json.load(f)
    old_log = os.path.join(args.out, report_name(args.arch))
    if os.path.isfile(old_log):  # keep the training run's log lines
        text = open(old_log).read()
        if "```\n" in text:
            log_lines.extend(text.split("```\n", 1)[1].split("```")[0].strip().splitlines())
    if args.ffmpeg_clips:
        evaluate_ffmpeg(args, results, log)
    write_report(args, results, log_lines)
    return results


def write_report(args, results: Dict[str, Dict], log_lines: Sequence[str]) -> None:
    lines = ["# Demo models: training report", "",
             "Written by `cd tools && /usr/bin/python3 -m modelkit.train "
             f"--out {args.out}"
             + ("" if list(args.arch) == DEFAULT_ARCHS else " --arch " + " ".join(args.arch))
             + f" --seed {args.seed}"
             + (f" --ffmpeg-clips DIR --ffmpeg-seed {args.ffmpeg_seed}" if args.ffmpeg_clips else "") + "`.",
             f"Data: modelkit.synth, 8 classes, {args.val_per_class} held-out clips per class drawn from a different "
             f"seed stream than the training clips.", ""]
    for name, r in results.items():
        lines += [f"## {name}", "",
                  f"- parameters {r['parameters']:,}; ONNX {r['onnx_bytes'] / 1e6:.2f} MB",
                  f"- {r['train_clips']} training clips, {r['epochs']} epochs, batch {r['batch']}, AdamW one-cycle "
                  f"lr {r['lr']}, left-right mirroring" + (", time reversal" if r.get("reverse") else "")
                  + f"; rendering {r['data_seconds']:.0f} s, training {r['train_seconds']:.0f} s on "
                  f"{r['threads']} CPU threads (torch {r['torch']})",
                  f"- held-out generator clips: accuracy **{100 * r['heldout_accuracy']:.2f} %** "
                  f"({r['heldout_clips']} clips)", "", confusion_table(np.array(r["heldout_confusion"])), ""]
        if "ffmpeg" in r:
            fm = r["ffmpeg"]
            lines += [f"- clips rendered by ffmpeg (modelkit.ffclips, seed {fm['seed']}): accuracy "
                      f"**{100 * fm['all']['accuracy']:.2f} %** ({fm['all']['clips']} clips); over real footage "
                      f"(vtest.avi) {100 * fm['vtest']['accuracy']:.2f} % ({fm['vtest']['clips']} clips), over "
                      f"ffmpeg's own sources {100 * fm['synthetic']['accuracy']:.2f} % ({fm['synthetic']['clips']} clips)",
                      "", confusion_table(np.array(fm["all"]["confusion"])), ""]
            if fm["errors"]:
                lines += ["  errors: " + ", ".join(f"{e['file']} ({e['label']} -> {e['predicted']}, {e['background']})"
                                                   for e in fm["errors"]), ""]
    fusion = next((r["fusion"] for r in results.values() if "fusion" in r), None)
    if fusion:
        lines += ["## Two-stream late fusion", "",
                  f"Both streams on the same {fusion['clips']} held-out clips (same seeds, same scenes); fusion is the "
                  "weighted average of their softmax probabilities.", "",
                  "| model | accuracy |", "|---|---|",
                  f"| spatial stream (rgb, one frame) | {100 * fusion['rgb']:.2f} % |",
                  f"| temporal stream (flow) | {100 * fusion['flow']:.2f} % |"]
        lines += [f"| late fusion rgb : flow = {f['weights_rgb_flow'][0]:g} : {f['weights_rgb_flow'][1]:g} | "
                  f"{100 * f['accuracy']:.2f} % |" for f in fusion["late_fusion"]]
        lines += [""]
        for f in fusion["late_fusion"]:
            lines += [f"Fusion {f['weights_rgb_flow'][0]:g} : {f['weights_rgb_flow'][1]:g}:", "",
                      confusion_table(np.array(f["confusion"])), ""]
    lines += ["## Log", "", "```"] + list(log_lines) + ["```", ""]
    with open(os.path.join(args.out, report_name(args.arch)), "w") as f:
        f.write("\n".join(lines))


def main(argv: Optional[Sequence[str]] = None):
    p = argparse.ArgumentParser(prog="modelkit.train", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="directory for the trained models (models/demo)")
    p.add_argument("--arch", nargs="+", default=list(DEFAULT_ARCHS), choices=list(DEMO_DIRS),
                   help="default: %s" % " ".join(DEFAULT_ARCHS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-per-class", type=int, help="training clips per class; default: %s" % DEFAULT_PER_CLASS)
    p.add_argument("--val-per-class", type=int, default=150)
    p.add_argument("--epochs", type=int, help="default: %s" % DEFAULT_EPOCHS)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--reverse", action=argparse.BooleanOptionalAction, default=None,
                   help="time-reversal augmentation (swaps direction labels); default: %s" % DEFAULT_REVERSE)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--threads", type=int, default=max(1, min(8, os.cpu_count() or 1)))
    p.add_argument("--workers", type=int, default=max(1, min(8, os.cpu_count() or 1)),
                   help="processes rendering clips")
    p.add_argument("--ffmpeg-clips", metavar="DIR",
                   help="also evaluate on clips rendered by ffmpeg in DIR (rendered there first when DIR has "
                        "no labels.csv)")
    p.add_argument("--ffmpeg-per-class", type=int, default=40, help="clips per class when rendering them")
    p.add_argument("--ffmpeg-seed", type=int, default=2026)
    p.add_argument("--report-only", action="store_true",
                   help="train nothing: rebuild TRAINING.md from metrics.json (with --ffmpeg-clips, evaluate too)")
    p.add_argument("--config-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "config", "models"),
                   help="where the engine-facing manifests go (default: the repo's config/models)")
    p.add_argument("--smoke", action="store_true", help="tiny run for tests: no report, no config manifests")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    report_only(args) if args.report_only else run(args)


if __name__ == "__main__":
    main()
