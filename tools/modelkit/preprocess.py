"""Reference preprocessing: decoded frames -> the model's input tensors, per a manifest.

This is the definition the Java engine must match (parity tests compare against it):
  1. each frame (H x W x 3, uint8, RGB) becomes float32 and is multiplied by `scale`;
  2. bilinear resize (half-pixel centres, no antialiasing: OpenCV INTER_LINEAR on float
     data, torch interpolate(align_corners=False)) so that the short side equals
     `short_side`; the long side is floor(long * short_side / short), as PyTorchVideo's
     ShortSideScale;
  3. centre crop `crop` x `crop` at offset floor((size - crop) / 2) on each axis;
  4. (x - mean[c]) / std[c] per channel, channels in `channel_order`;
  5. frames stacked as C x T x H x W; a slow pathway takes the clip frames at
     manifest.slow_indices(T, alpha).
NCHW inputs (2D networks, K segments of L = T / K frames): the same C x T x H x W clip becomes
K x L*C x H x W, row g (segment g), channel j*C + c = channel c of clip frame g*L + j; a batch of
N clips gives N*K rows, clip n's segment g in row n*K + g.

Optical flow (`modality: flow`, flow_inputs): per frame RGB uint8 -> cv2.cvtColor RGB2GRAY ->
cv2.resize INTER_LINEAR on the uint8 image to resized_size -> centre crop; per pair of
consecutive frames of a segment the flow of modelkit.flow.gray_flow; then, in float32,
v = clip(d, -bound, bound); raw: value = v; quantized: value = rint((v + bound) * q) with
q = float32(255 / (2 * bound)) (rounded half to even); x = (value * scale - mean[k]) / std[k],
k 0 for x and 1 for y. Field j of segment g is channels 2j (x) and 2j + 1 (y) of row g.
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .manifest import output_rows, segment_count, slow_indices


def resized_size(h: int, w: int, short_side: int):
    if w < h:
        return int(math.floor(h / w * short_side)), short_side
    return short_side, int(math.floor(w / h * short_side))


def preprocess_frames(frames: np.ndarray, pre: Dict) -> torch.Tensor:
    """frames: T x H x W x 3 uint8 RGB -> float32 C x T x crop x crop."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be T x H x W x 3, got {frames.shape}")
    x = torch.from_numpy(np.ascontiguousarray(frames)).float() * float(pre["scale"])
    x = x.permute(0, 3, 1, 2)  # T, C, H, W
    if pre.get("channel_order", "RGB") == "BGR":
        x = x.flip(1)
    h, w = x.shape[-2:]
    nh, nw = resized_size(h, w, int(pre["short_side"]))
    if (nh, nw) != (h, w):
        x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False)
    c = int(pre["crop"])
    top, left = (nh - c) // 2, (nw - c) // 2
    x = x[:, :, top:top + c, left:left + c]
    mean = torch.tensor(pre["mean"], dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(pre["std"], dtype=torch.float32).view(1, 3, 1, 1)
    x = (x - mean) / std
    return x.permute(1, 0, 2, 3).contiguous()  # C, T, H, W


def to_nchw(x: torch.Tensor, segments: int) -> torch.Tensor:
    """N x C x T x H x W -> N*K x L*C x H x W (L = T / K): row n*K + g holds segment g of clip n,
    channel j*C + c is channel c of the segment's frame j (clip frame g*L + j)."""
    n, c, t, h, w = x.shape
    if t % segments:
        raise ValueError(f"{t} frames do not split into {segments} segments")
    length = t // segments
    return (x.reshape(n, c, segments, length, h, w).permute(0, 2, 3, 1, 4, 5)
            .reshape(n * segments, length * c, h, w).contiguous())


def build_inputs(clip: torch.Tensor, manifest: Dict) -> List[torch.Tensor]:
    """A preprocessed clip (C x T x H x W, or N x C x T x H x W) -> one tensor per manifest input.

    NCTHW inputs keep the clip's batch axis (none for an unbatched clip). NCHW inputs have
    segments as rows, so they always have a first axis: K rows for one clip, N*K for N clips.
    Flow inputs are computed from frames, not from a preprocessed clip: see frames_to_inputs."""
    if manifest.get("modality", "rgb") == "flow":
        raise ValueError("modality flow: the inputs come from the frames (frames_to_inputs / flow_inputs)")
    batched = clip.dim() == 5
    x = clip if batched else clip.unsqueeze(0)
    t = manifest["clip"]["frames"]
    if x.shape[2] != t:
        raise ValueError(f"clip has {x.shape[2]} frames, manifest clip.frames is {t}")
    out = []
    for inp in manifest["inputs"]:
        if inp["layout"] == "NCHW":
            out.append(to_nchw(x, segment_count(manifest["clip"])))
        elif inp["pathway"] == "slow":
            idx = torch.tensor(slow_indices(t, int(inp["alpha"])), dtype=torch.long, device=x.device)
            o = x.index_select(2, idx).contiguous()
            out.append(o if batched else o.squeeze(0))
        else:
            out.append(x if batched else x.squeeze(0))
    return out


def gray_frames(frames: np.ndarray, pre: Dict) -> np.ndarray:
    """T x H x W x 3 uint8 RGB -> T x crop x crop uint8 grayscale: cv2.cvtColor RGB2GRAY, cv2.resize
    INTER_LINEAR on the 8-bit image to resized_size (short side `short_side`), centre crop."""
    import cv2
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be T x H x W x 3 uint8, got {frames.dtype} {frames.shape}")
    h, w = frames.shape[1:3]
    nh, nw = resized_size(h, w, int(pre["short_side"]))
    c = int(pre["crop"])
    top, left = (nh - c) // 2, (nw - c) // 2
    out = np.empty((frames.shape[0], c, c), dtype=np.uint8)
    for i, rgb in enumerate(frames):
        g = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        if (nh, nw) != (h, w):
            g = cv2.resize(g, (nw, nh), interpolation=cv2.INTER_LINEAR)
        out[i] = g[top:top + c, left:left + c]
    return out


def encode_flow(d: np.ndarray, flow_cfg: Dict, pre: Dict) -> np.ndarray:
    """Raw flow (float32, any shape with x/y on axis -3: ... x 2 x H x W) -> the model's values,
    all in float32: v = clip(d, -b, b) with b = float32(bound); raw: value = v; quantized:
    value = rint((v + b) * q), q = float32(255 / (2 * bound)) (bound as given, the division in
    float64, then rounded to float32), half to even; x = (value * scale - mean[k]) / std[k] with
    scale, mean and std as float32, k = 0 for x and 1 for y."""
    d = np.asarray(d, dtype=np.float32)
    bound = float(flow_cfg["bound"])
    b = np.float32(bound)
    v = np.clip(d, -b, b)
    if flow_cfg["encoding"] == "quantized":
        q = np.float32(255.0 / (2.0 * bound))
        value = np.rint((v + b) * q)
    elif flow_cfg["encoding"] == "raw":
        value = v
    else:
        raise ValueError(f"flow.encoding: {flow_cfg['encoding']!r}")
    shape = [1] * d.ndim
    shape[-3] = 2
    mean = np.asarray(pre["mean"], dtype=np.float32).reshape(shape)
    std = np.asarray(pre["std"], dtype=np.float32).reshape(shape)
    x = (value * np.float32(pre["scale"]) - mean) / std
    assert x.dtype == np.float32
    return x


def raw_flow(frames: np.ndarray, manifest: Dict) -> np.ndarray:
    """T frames (RGB uint8) -> K x (L-1) x 2 x crop x crop float32: the flow of each pair of
    consecutive frames within each segment (gray_frames, then modelkit.flow.gray_flow)."""
    from .flow import gray_flow
    clip = manifest["clip"]
    t, k = int(clip["frames"]), segment_count(clip)
    if frames.shape[0] != t:
        raise ValueError(f"{frames.shape[0]} frames, manifest clip.frames is {t}")
    length = t // k
    gray = gray_frames(frames, manifest["preprocessing"])
    method = manifest["flow"]["method"]
    c = gray.shape[-1]
    out = np.empty((k, length - 1, 2, c, c), dtype=np.float32)
    for g in range(k):
        for j in range(length - 1):
            out[g, j] = gray_flow(gray[g * length + j], gray[g * length + j + 1], method)
    return out


def flow_inputs(frames: np.ndarray, manifest: Dict) -> List[torch.Tensor]:
    """T frames -> the flow model's batch-1 inputs: K x 2(L-1) x crop x crop each, row g channel
    2j + k = component k (x, y) of segment g's field j, encoded and normalised (encode_flow)."""
    d = raw_flow(frames, manifest)
    x = encode_flow(d, manifest["flow"], manifest["preprocessing"])
    k, s, _, h, w = x.shape
    t = torch.from_numpy(np.ascontiguousarray(x.reshape(k, s * 2, h, w)))
    return [t for _ in manifest["inputs"]]


def frames_to_inputs(frames: np.ndarray, manifest: Dict) -> List[torch.Tensor]:
    """T decoded frames -> the model's batch-1 inputs, in manifest order (NCTHW: 1 x C x T x H x W;
    NCHW: K x C*S x H x W)."""
    if manifest.get("modality", "rgb") == "flow":
        return flow_inputs(frames, manifest)
    clip = preprocess_frames(frames, manifest["preprocessing"])
    return build_inputs(clip.unsqueeze(0), manifest)


def consensus(output: torch.Tensor, manifest: Dict) -> torch.Tensor:
    """The graph's output (N*rows x classes) -> one row per clip (N x classes): with
    `output.consensus: average` the mean of each clip's K rows (before any softmax)."""
    rows = output_rows(manifest)
    if rows == 1:
        return output
    if output.shape[0] % rows:
        raise ValueError(f"output has {output.shape[0]} rows, not a multiple of {rows} segments")
    return output.reshape(output.shape[0] // rows, rows, *output.shape[1:]).mean(dim=1)


def nearest_frames(times: Sequence[float], frame_times: Sequence[float]) -> List[int]:
    """Index of the frame nearest each sample time (ties go to the earlier frame)."""
    ft = np.asarray(frame_times, dtype=np.float64)
    out = []
    for t in times:
        j = int(np.searchsorted(ft, t))
        if j == 0:
            out.append(0)
        elif j >= len(ft):
            out.append(len(ft) - 1)
        else:
            out.append(j if ft[j] - t < t - ft[j - 1] else j - 1)
    return out


def resize_crop_uint8(frames: np.ndarray, short_side: int, crop: int) -> np.ndarray:
    """Steps 2-3 above on uint8 frames, rounded back to uint8 (compact training storage)."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).float().permute(0, 3, 1, 2)
    h, w = x.shape[-2:]
    nh, nw = resized_size(h, w, short_side)
    if (nh, nw) != (h, w):
        x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False)
    top, left = (nh - crop) // 2, (nw - crop) // 2
    x = x[:, :, top:top + crop, left:left + crop]
    return x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
