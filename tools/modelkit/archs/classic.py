"""The 3D ConvNets of the action-recognition literature that no library here ships, written from
their papers' descriptions (random weights unless a checkpoint is given):

  * C3D (Tran et al., 2015): eight 3x3x3 convolutions in five groups, max pools (the first one
    spatial only), two 4096-unit fully connected layers; 16 frames at 112x112.
  * I3D (Carreira and Zisserman, 2017): Inception-v1 inflated to 3D (7x7x7 stem, nine Inception
    modules, batch norm after every convolution), averaged over the remaining time steps.
  * T3D (Diba et al., 2017): a 3D DenseNet-121 whose transition layers are Temporal Transition
    Layers: parallel 3D convolutions of several temporal depths, concatenated, then pooled.

Padding is symmetric ("same" for odd kernels) throughout: TensorFlow's asymmetric SAME padding
of the original I3D is not reproduced, so its official weights would need a padding shim.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch
from torch import nn


# ---- C3D ------------------------------------------------------------------------------------

def _c3d_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.ReLU(inplace=True))


class C3D(nn.Module):
    """C3D for 16 x 112 x 112 clips: after the fifth pool 512 x 1 x 4 x 4 = 8192 features."""

    def __init__(self, num_classes: int = 400, dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            _c3d_conv(3, 64), nn.MaxPool3d((1, 2, 2), (1, 2, 2)),
            _c3d_conv(64, 128), nn.MaxPool3d(2, 2),
            _c3d_conv(128, 256), _c3d_conv(256, 256), nn.MaxPool3d(2, 2),
            _c3d_conv(256, 512), _c3d_conv(512, 512), nn.MaxPool3d(2, 2),
            _c3d_conv(512, 512), _c3d_conv(512, 512), nn.MaxPool3d(2, 2, padding=(0, 1, 1)),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(8192, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def c3d(num_classes: int = 400) -> nn.Module:
    return C3D(num_classes)


# ---- I3D ------------------------------------------------------------------------------------

class Unit3D(nn.Sequential):
    """Convolution (no bias) + batch norm + ReLU, padded to keep odd kernels centred."""

    def __init__(self, cin: int, cout: int, kernel=1, stride=1):
        k = (kernel,) * 3 if isinstance(kernel, int) else tuple(kernel)
        super().__init__(
            nn.Conv3d(cin, cout, k, stride, padding=tuple(d // 2 for d in k), bias=False),
            nn.BatchNorm3d(cout, eps=1e-3, momentum=0.01),
            nn.ReLU(inplace=True),
        )


class Inception3D(nn.Module):
    """Four branches: 1x1; 1x1 -> 3x3x3; 1x1 -> 3x3x3; 3x3x3 max pool -> 1x1; concatenated."""

    def __init__(self, cin: int, c: Tuple[int, int, int, int, int, int]):
        super().__init__()
        b0, b1a, b1b, b2a, b2b, b3 = c
        self.branch0 = Unit3D(cin, b0)
        self.branch1 = nn.Sequential(Unit3D(cin, b1a), Unit3D(b1a, b1b, 3))
        self.branch2 = nn.Sequential(Unit3D(cin, b2a), Unit3D(b2a, b2b, 3))
        self.branch3 = nn.Sequential(nn.MaxPool3d(3, 1, 1), Unit3D(cin, b3))
        self.out_channels = b0 + b1b + b2b + b3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


# (b0, b1a, b1b, b2a, b2b, b3) per module, Inception-v1's widths.
I3D_MIXED = {
    "3b": (64, 96, 128, 16, 32, 32), "3c": (128, 128, 192, 32, 96, 64),
    "4b": (192, 96, 208, 16, 48, 64), "4c": (160, 112, 224, 24, 64, 64),
    "4d": (128, 128, 256, 24, 64, 64), "4e": (112, 144, 288, 32, 64, 64),
    "4f": (256, 160, 320, 32, 128, 128),
    "5b": (256, 160, 320, 32, 128, 128), "5c": (384, 192, 384, 48, 128, 128),
}


class I3D(nn.Module):
    def __init__(self, num_classes: int = 400, dropout: float = 0.5):
        super().__init__()
        layers = [
            Unit3D(3, 64, 7, 2),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            Unit3D(64, 64),
            Unit3D(64, 192, 3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
        ]
        cin = 192
        for name in ("3b", "3c", "4b", "4c", "4d", "4e", "4f", "5b", "5c"):
            if name == "4b":
                layers.append(nn.MaxPool3d(3, 2, 1))
            if name == "5b":
                layers.append(nn.MaxPool3d(2, 2))
            block = Inception3D(cin, I3D_MIXED[name])
            layers.append(block)
            cin = block.out_channels
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout)
        self.logits = nn.Conv3d(cin, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.dropout(self.pool(self.features(x)))).flatten(1)


def i3d(num_classes: int = 400) -> nn.Module:
    return I3D(num_classes)


# ---- T3D ------------------------------------------------------------------------------------

class DenseLayer3D(nn.Module):
    """BN-ReLU-1x1x1 (bn_size * growth) then BN-ReLU-3x3x3 (growth); output concatenated on."""

    def __init__(self, cin: int, growth: int, bn_size: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm3d(cin), nn.ReLU(inplace=True),
            nn.Conv3d(cin, bn_size * growth, 1, bias=False),
            nn.BatchNorm3d(bn_size * growth), nn.ReLU(inplace=True),
            nn.Conv3d(bn_size * growth, growth, 3, padding=1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], 1)


class TemporalTransition(nn.Module):
    """T3D's TTL: parallel convolutions with temporal depths `depths` (3x3 spatially, 1x1 for
    depth 1), each giving an equal share of `cout` channels, concatenated, then 2x2x2 average
    pooling: the network sees short, medium and long temporal ranges at every stage."""

    def __init__(self, cin: int, cout: int, depths: Sequence[int] = (1, 3, 5)):
        super().__init__()
        shares = [cout // len(depths)] * len(depths)
        shares[0] += cout - sum(shares)
        self.norm = nn.Sequential(nn.BatchNorm3d(cin), nn.ReLU(inplace=True))
        self.branches = nn.ModuleList()
        for d, c in zip(depths, shares):
            k = (d, 1, 1) if d == 1 else (d, 3, 3)
            self.branches.append(nn.Conv3d(cin, c, k, padding=(d // 2, k[1] // 2, k[2] // 2), bias=False))
        self.pool = nn.AvgPool3d(2, 2)
        self.out_channels = cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return self.pool(torch.cat([b(x) for b in self.branches], 1))


class T3D(nn.Module):
    """3D DenseNet-121 (growth 32, blocks 6/12/24/16) with TTLs (compression 0.5) between blocks."""

    def __init__(self, num_classes: int = 400, blocks: Sequence[int] = (6, 12, 24, 16), growth: int = 32,
                 init: int = 64, bn_size: int = 4, dropout: float = 0.5):
        super().__init__()
        layers = [
            nn.Conv3d(3, init, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False),
            nn.BatchNorm3d(init), nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
        ]
        c = init
        for i, n in enumerate(blocks):
            for _ in range(n):
                layers.append(DenseLayer3D(c, growth, bn_size))
                c += growth
            if i < len(blocks) - 1:
                ttl = TemporalTransition(c, c // 2)
                layers.append(ttl)
                c = ttl.out_channels
        layers += [nn.BatchNorm3d(c), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.pool(self.features(x)).flatten(1)))


def t3d(num_classes: int = 400) -> nn.Module:
    return T3D(num_classes)
