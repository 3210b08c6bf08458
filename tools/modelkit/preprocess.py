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
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .manifest import slow_indices


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


def build_inputs(clip: torch.Tensor, manifest: Dict) -> List[torch.Tensor]:
    """A preprocessed clip (C x T x H x W, or N x C x T x H x W) -> one tensor per manifest input."""
    batched = clip.dim() == 5
    x = clip if batched else clip.unsqueeze(0)
    t = manifest["clip"]["frames"]
    if x.shape[2] != t:
        raise ValueError(f"clip has {x.shape[2]} frames, manifest clip.frames is {t}")
    out = []
    for inp in manifest["inputs"]:
        if inp["pathway"] == "slow":
            idx = torch.tensor(slow_indices(t, int(inp["alpha"])), dtype=torch.long, device=x.device)
            out.append(x.index_select(2, idx).contiguous())
        else:
            out.append(x)
    return out if batched else [o.squeeze(0) for o in out]


def frames_to_inputs(frames: np.ndarray, manifest: Dict) -> List[torch.Tensor]:
    """T decoded frames -> the model's batch-1 inputs, in manifest order."""
    clip = preprocess_frames(frames, manifest["preprocessing"])
    return [i.unsqueeze(0) for i in build_inputs(clip, manifest)]


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
