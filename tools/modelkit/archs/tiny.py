"""Tiny demo networks for the synthetic actions: an X3D-style and a SlowFast-style model.

Both are scaled down so that one clip costs a few milliseconds in ONNX Runtime on two CPU
cores while keeping the defining parts of their families:
  * tiny_x3d: (2+1)D stem, bottlenecks with channel-wise 3x3x3 convolutions, squeeze-excitation
    and swish, temporal resolution kept through the network; input N x 3 x 8 x 112 x 112.
  * tiny_slowfast: a slow pathway (few frames, many channels) and a fast pathway (alpha times more
    frames, beta times fewer channels) with time-strided lateral connections fast -> slow;
    inputs slow N x 3 x 4 x 112 x 112 and fast N x 3 x 16 x 112 x 112.
Shapes are independent of the clip content, so only the batch axis is dynamic after export.
"""
from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F
from torch import nn


def _swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


class Swish(nn.Module):
    def forward(self, x):
        return _swish(x)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, ratio: float = 0.0625 * 4):
        super().__init__()
        hidden = max(8, int(round(channels * ratio)))
        self.reduce = nn.Conv3d(channels, hidden, 1)
        self.expand = nn.Conv3d(hidden, channels, 1)

    def forward(self, x):
        s = x.mean(dim=(2, 3, 4), keepdim=True)
        s = torch.relu(self.reduce(s))
        return x * torch.sigmoid(self.expand(s))


class ChannelwiseConv3d(nn.Conv3d):
    """Channel-wise (depthwise) 3x3x3 convolution, stride 1 in time.

    Exported as one grouped Conv3d. In eager training it runs as three depthwise 2D
    convolutions, one per temporal tap, summed: the same arithmetic, about twice as fast as
    PyTorch's CPU grouped Conv3d, which keeps the demo training within its CPU budget.
    """

    def __init__(self, channels: int, spatial_stride: int):
        super().__init__(channels, channels, 3, stride=(1, spatial_stride, spatial_stride),
                         padding=1, groups=channels, bias=False)

    def forward(self, x):
        if not self.training or torch.onnx.is_in_onnx_export():
            return super().forward(x)
        n, c, t, h, w = x.shape
        xp = F.pad(x, (0, 0, 0, 0, 1, 1)).transpose(1, 2)  # N, T+2, C, H, W
        out = None
        for dt in range(3):
            y = F.conv2d(xp[:, dt:dt + t].reshape(n * t, c, h, w), self.weight[:, :, dt],
                         stride=self.stride[1:], padding=1, groups=c)
            out = y if out is None else out + y
        return out.reshape(n, t, c, *out.shape[-2:]).transpose(1, 2)


class X3DBottleneck(nn.Module):
    """1x1x1 expand -> channel-wise 3x3x3 -> SE -> swish -> 1x1x1 project.

    Unlike X3D, the spatial stride sits on the 1x1x1 expansion: the channel-wise convolution then
    runs at the lower resolution, which makes CPU training about twice as fast for the same
    accuracy on the synthetic actions.
    """

    def __init__(self, cin: int, cout: int, expand: float, stride: int, use_se: bool):
        super().__init__()
        mid = int(round(cout * expand))
        self.conv_a = nn.Conv3d(cin, mid, 1, stride=(1, stride, stride), bias=False)
        self.norm_a = nn.BatchNorm3d(mid)
        self.conv_b = ChannelwiseConv3d(mid, 1)
        self.norm_b = nn.BatchNorm3d(mid)
        self.se = SqueezeExcite(mid) if use_se else nn.Identity()
        self.conv_c = nn.Conv3d(mid, cout, 1, bias=False)
        self.norm_c = nn.BatchNorm3d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False), nn.BatchNorm3d(cout))

    def forward(self, x):
        y = torch.relu(self.norm_a(self.conv_a(x)))
        y = _swish(self.se(self.norm_b(self.conv_b(y))))
        y = self.norm_c(self.conv_c(y))
        return torch.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class TinyX3D(nn.Module):
    def __init__(self, num_classes: int = 8, width=(12, 24, 48, 96), depth=(1, 2, 2),
                 expand: float = 2.25, head_width: int = 192, dropout: float = 0.2):
        super().__init__()
        w0 = width[0]
        # (2+1)D stem as in X3D: spatial 3x3 stride 2, then a channel-wise temporal 5x1x1.
        self.stem = nn.Sequential(
            nn.Conv3d(3, w0, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
            nn.Conv3d(w0, w0, (5, 1, 1), padding=(2, 0, 0), groups=w0, bias=False),
            nn.BatchNorm3d(w0), nn.ReLU(inplace=True))
        blocks: List[nn.Module] = []
        cin = w0
        for stage, (cout, n) in enumerate(zip(width[1:], depth)):
            for i in range(n):
                # SE on every other block, as X3D does.
                blocks.append(X3DBottleneck(cin, cout, expand, 2 if i == 0 else 1, use_se=(i % 2 == 0)))
                cin = cout
        self.stages = nn.Sequential(*blocks)
        self.head_conv = nn.Sequential(nn.Conv3d(cin, head_width, 1, bias=False),
                                       nn.BatchNorm3d(head_width), Swish())
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(head_width, num_classes)

    def forward(self, x):
        x = self.head_conv(self.stages(self.stem(x)))
        x = x.mean(dim=(2, 3, 4))
        return self.proj(self.dropout(x))


class ResBlock3d(nn.Module):
    """Bottleneck with a temporal kernel tk on the first 1x1 (as SlowFast's res stages)."""

    def __init__(self, cin: int, cout: int, tk: int, stride: int):
        super().__init__()
        mid = max(8, cout // 2)
        self.a = nn.Sequential(nn.Conv3d(cin, mid, (tk, 1, 1), padding=(tk // 2, 0, 0), bias=False),
                               nn.BatchNorm3d(mid), nn.ReLU(inplace=True))
        self.b = nn.Sequential(nn.Conv3d(mid, mid, (1, 3, 3), stride=(1, stride, stride), padding=(0, 1, 1),
                                         bias=False), nn.BatchNorm3d(mid), nn.ReLU(inplace=True))
        self.c = nn.Sequential(nn.Conv3d(mid, cout, 1, bias=False), nn.BatchNorm3d(cout))
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False),
                                          nn.BatchNorm3d(cout))

    def forward(self, x):
        y = self.c(self.b(self.a(x)))
        return torch.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class Fuse(nn.Module):
    """Lateral connection: fast features, strided in time by alpha, concatenated to slow."""

    def __init__(self, fast_c: int, alpha: int, ratio: int = 2, tk: int = 5):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv3d(fast_c, fast_c * ratio, (tk, 1, 1), stride=(alpha, 1, 1), padding=(tk // 2, 0, 0), bias=False),
            nn.BatchNorm3d(fast_c * ratio), nn.ReLU(inplace=True))
        self.out_channels = fast_c * ratio

    def forward(self, slow, fast):
        return torch.cat([slow, self.conv(fast)], dim=1)


class TinySlowFast(nn.Module):
    def __init__(self, num_classes: int = 8, alpha: int = 4, slow_width=(32, 64, 128),
                 fast_width=(12, 24, 48), depth=(2, 2), dropout: float = 0.2):
        super().__init__()
        s0, f0 = slow_width[0], fast_width[0]
        # Stems: the slow one sees no temporal context, the fast one does (kernel 5 in time).
        self.slow_stem = nn.Sequential(
            nn.Conv3d(3, s0, (1, 5, 5), stride=(1, 2, 2), padding=(0, 2, 2), bias=False),
            nn.BatchNorm3d(s0), nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)))
        self.fast_stem = nn.Sequential(
            nn.Conv3d(3, f0, (5, 5, 5), stride=(1, 2, 2), padding=(2, 2, 2), bias=False),
            nn.BatchNorm3d(f0), nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)))
        self.fuse = nn.ModuleList()
        self.slow_stages = nn.ModuleList()
        self.fast_stages = nn.ModuleList()
        s_in, f_in = s0, f0
        for i, (s_out, f_out, n) in enumerate(zip(slow_width[1:], fast_width[1:], depth)):
            fuse = Fuse(f_in, alpha)
            self.fuse.append(fuse)
            # Slow pathway uses temporal kernels only in its later stage, as SlowFast's res4/res5.
            tk = 3 if i > 0 else 1
            self.slow_stages.append(nn.Sequential(
                ResBlock3d(s_in + fuse.out_channels, s_out, tk, 2),
                *[ResBlock3d(s_out, s_out, tk, 1) for _ in range(n - 1)]))
            self.fast_stages.append(nn.Sequential(
                ResBlock3d(f_in, f_out, 3, 2), *[ResBlock3d(f_out, f_out, 3, 1) for _ in range(n - 1)]))
            s_in, f_in = s_out, f_out
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(s_in + f_in, num_classes)

    def forward(self, slow, fast):
        s, f = self.slow_stem(slow), self.fast_stem(fast)
        for fuse, slow_stage, fast_stage in zip(self.fuse, self.slow_stages, self.fast_stages):
            s = slow_stage(fuse(s, f))
            f = fast_stage(f)
        x = torch.cat([s.mean(dim=(2, 3, 4)), f.mean(dim=(2, 3, 4))], dim=1)
        return self.proj(self.dropout(x))


def tiny_x3d(num_classes: int = 8) -> TinyX3D:
    return TinyX3D(num_classes=num_classes)


def tiny_slowfast(num_classes: int = 8) -> TinySlowFast:
    return TinySlowFast(num_classes=num_classes)
