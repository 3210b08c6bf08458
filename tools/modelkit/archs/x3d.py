"""X3D-XS / S / M, checkpoint-compatible with PyTorchVideo's `create_x3d` (Kinetics-400 zoo).

Written for ActionStream; the module tree is laid out so that `state_dict()` has exactly the
names and shapes of PyTorchVideo's X3D (see /work/shared/reference/x3d_s.state_dict.json), so
the official `X3D_{XS,S,M}.pyth` checkpoints (dict key 'model_state') load with strict=True.

Architecture facts taken from pytorchvideo/models/x3d.py (and head.py, resnet.py, fvcore SE):
  * stem: 1x3x3 conv, stride (1,2,2), 3 -> 24 channels, registered as `conv_t` (sic), then a
    channel-wise 5x1x1 conv registered as `conv_xy` (sic: PyTorchVideo swaps the two names),
    then BatchNorm3d and ReLU;
  * 4 stages, widths 24/48/96/192, inner width int(2.25 * width) = 54/108/216/432, depths
    ceil(2.2 * (1, 2, 5, 3)) = 3/5/11/7; the first block of each stage has spatial stride 2;
  * bottleneck: 1x1x1 conv, BN, ReLU -> channel-wise 3x3x3 conv, BN, squeeze-excitation on
    blocks 0, 2, 4, ... of a stage (reduced width round_width(inner, 1/16) = 8/8/16/32),
    swish -> 1x1x1 conv, BN; residual sum then ReLU. The shortcut has a 1x1x1 conv when the
    width or stride changes and a BN only when the width changes (so stage 1 block 0 has a
    shortcut conv without a norm);
  * all BatchNorm3d: eps 1e-5, momentum 0.1 (PyTorch defaults);
  * head ("ProjectedPool"): 1x1x1 conv 192 -> 432, BN, ReLU, AvgPool3d(kernel, stride 1),
    1x1x1 conv 432 -> 2048 (no BN), ReLU, dropout 0.5, Linear 2048 -> classes applied per
    position, **Softmax over classes**, then a global average over the remaining positions.
    PyTorchVideo's ResNetBasicHead applies that softmax in training *and* eval mode (the
    default head_activation of create_x3d is nn.Softmax), so the model outputs probabilities.
  * head pool kernel = (T, ceil(crop / 32), ceil(crop / 32)) for the *builder's* T and crop:
    XS (4, 5, 5) for 4 x 160^2, S (13, 5, 5) for 13 x 160^2, M (16, 7, 7) for 16 x 224^2.
    At the Torch Hub test crops (182 for XS/S, 256 for M) the last feature map is 6x6 / 8x8,
    the pool leaves 2x2 positions and the output is the mean of their softmax outputs; the
    temporal kernel equals T, so the frame count is fixed and only the batch axis is dynamic.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import torch
from torch import nn

# Per-variant values (pytorchvideo/models/hub/x3d.py): builder clip length and crop.
VARIANTS = {
    "x3d_xs": {"frames": 4, "crop": 160},
    "x3d_s": {"frames": 13, "crop": 160},
    "x3d_m": {"frames": 16, "crop": 224},
}

STEM_WIDTH = 24
STAGE_WIDTHS = (24, 48, 96, 192)
STAGE_DEPTHS = (3, 5, 11, 7)       # ceil(2.2 * (1, 2, 5, 3))
BOTTLENECK_FACTOR = 2.25
SE_RATIO = 0.0625
HEAD_WIDTH = 2048
TOTAL_SPATIAL_STRIDE = 32          # stem 2 x four stages 2


def round_width(width: float, multiplier: float, min_width: int = 8, divisor: int = 8) -> int:
    """Channel rounding used by X3D for the SE width: nearest multiple of `divisor`, at least
    `min_width`, bumped up once if rounding lost more than 10%."""
    width *= multiplier
    out = max(min_width, int(width + divisor / 2) // divisor * divisor)
    if out < 0.9 * width:
        out += divisor
    return int(out)


def head_pool_kernel(frames: int, crop: int) -> Tuple[int, int, int]:
    side = int(math.ceil(crop / TOTAL_SPATIAL_STRIDE))
    return (frames, side, side)


class Swish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class SqueezeExcite(nn.Module):
    """Channel attention from the global mean; parameters live in `block.0` and `block.2`."""

    def __init__(self, channels: int, reduced: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv3d(channels, reduced, 1, bias=True),
            nn.ReLU(),
            nn.Conv3d(reduced, channels, 1, bias=True),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.block(x.mean(dim=(2, 3, 4), keepdim=True))


class StemConv(nn.Module):
    """Spatial 1x3x3 conv (`conv_t`) followed by a channel-wise temporal 5x1x1 conv (`conv_xy`).

    The attribute names are PyTorchVideo's (swapped relative to what the convs do); keep them
    for checkpoint compatibility.
    """

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv_t = nn.Conv3d(cin, cout, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False)
        self.conv_xy = nn.Conv3d(cout, cout, (5, 1, 1), padding=(2, 0, 0), groups=cout, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_xy(self.conv_t(x))


class Stem(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = StemConv(cin, cout)
        self.norm = nn.BatchNorm3d(cout)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.norm(self.conv(x)))


class Bottleneck(nn.Module):
    """1x1x1 -> channel-wise 3x3x3 (+SE) -> 1x1x1; `norm_b` is [BN, SE or Identity]."""

    def __init__(self, cin: int, inner: int, cout: int, stride: int, use_se: bool):
        super().__init__()
        self.conv_a = nn.Conv3d(cin, inner, 1, bias=False)
        self.norm_a = nn.BatchNorm3d(inner)
        self.act_a = nn.ReLU()
        self.conv_b = nn.Conv3d(inner, inner, 3, stride=(1, stride, stride), padding=1,
                                groups=inner, bias=False)
        se = SqueezeExcite(inner, round_width(inner, SE_RATIO)) if use_se else nn.Identity()
        self.norm_b = nn.Sequential(nn.BatchNorm3d(inner), se)
        self.act_b = Swish()
        self.conv_c = nn.Conv3d(inner, cout, 1, bias=False)
        self.norm_c = nn.BatchNorm3d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act_a(self.norm_a(self.conv_a(x)))
        x = self.act_b(self.norm_b(self.conv_b(x)))
        return self.norm_c(self.conv_c(x))


class ResBlock(nn.Module):
    def __init__(self, cin: int, inner: int, cout: int, stride: int, use_se: bool):
        super().__init__()
        # Shortcut conv when width or stride changes; its BN only when the width changes.
        self.branch1_conv: Optional[nn.Module] = None
        self.branch1_norm: Optional[nn.Module] = None
        if cin != cout or stride != 1:
            self.branch1_conv = nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False)
        if cin != cout:
            self.branch1_norm = nn.BatchNorm3d(cout)
        self.branch2 = Bottleneck(cin, inner, cout, stride, use_se)
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        if self.branch1_conv is not None:
            shortcut = self.branch1_conv(x)
            if self.branch1_norm is not None:
                shortcut = self.branch1_norm(shortcut)
        return self.activation(shortcut + self.branch2(x))


class Stage(nn.Module):
    def __init__(self, depth: int, cin: int, inner: int, cout: int, stride: int):
        super().__init__()
        self.res_blocks = nn.ModuleList(
            ResBlock(cin if i == 0 else cout, inner, cout, stride if i == 0 else 1, use_se=(i % 2 == 0))
            for i in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.res_blocks:
            x = block(x)
        return x


class ProjectedPool(nn.Module):
    def __init__(self, cin: int, inner: int, cout: int, kernel: Sequence[int]):
        super().__init__()
        self.pre_conv = nn.Conv3d(cin, inner, 1, bias=False)
        self.pre_norm = nn.BatchNorm3d(inner)
        self.pre_act = nn.ReLU()
        self.pool = nn.AvgPool3d(tuple(kernel), stride=1)
        self.post_conv = nn.Conv3d(inner, cout, 1, bias=False)
        self.post_act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.pre_act(self.pre_norm(self.pre_conv(x))))
        return self.post_act(self.post_conv(x))


class Head(nn.Module):
    def __init__(self, cin: int, inner: int, num_classes: int, kernel: Sequence[int],
                 dropout: float, activation: Optional[str]):
        super().__init__()
        self.pool = ProjectedPool(cin, inner, HEAD_WIDTH, kernel)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.proj = nn.Linear(HEAD_WIDTH, num_classes, bias=True)
        if activation == "softmax":
            self.activation: nn.Module = nn.Softmax(dim=1)
        elif activation is None:
            self.activation = nn.Identity()
        else:
            raise ValueError(f"head activation must be 'softmax' or None, got {activation!r}")
        self.output_pool = nn.AdaptiveAvgPool3d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.pool(x))
        # Linear over channels at every remaining (t, h, w) position.
        x = self.proj(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)
        x = self.activation(x)
        return self.output_pool(x).flatten(1)


class X3D(nn.Module):
    """blocks[0] stem, blocks[1..4] stages, blocks[5] head; input N x 3 x T x crop x crop."""

    def __init__(self, frames: int, crop: int, num_classes: int = 400, dropout: float = 0.5,
                 head_activation: Optional[str] = "softmax"):
        super().__init__()
        if crop < TOTAL_SPATIAL_STRIDE:
            raise ValueError(f"crop {crop} smaller than the total spatial stride {TOTAL_SPATIAL_STRIDE}")
        self.frames, self.crop = frames, crop
        self.pool_kernel = head_pool_kernel(frames, crop)
        blocks = [Stem(3, STEM_WIDTH)]
        cin = STEM_WIDTH
        for depth, width in zip(STAGE_DEPTHS, STAGE_WIDTHS):
            inner = int(BOTTLENECK_FACTOR * width)
            blocks.append(Stage(depth, cin, inner, width, stride=2))
            cin = width
        blocks.append(Head(cin, inner, num_classes, self.pool_kernel, dropout, head_activation))
        self.blocks = nn.ModuleList(blocks)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x


def init_weights(model: nn.Module, fc_std: float = 0.01) -> None:
    """Random initialisation for untrained exports: He-normal convs (fan-out), unit BN, small
    Gaussian classifier. (PyTorchVideo zeroes each block's last BN; we keep it at 1 so that
    random-weight exports exercise every branch in parity tests.)"""
    for m in model.modules():
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm3d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=fc_std)
            nn.init.zeros_(m.bias)


def _build(variant: str, num_classes: int, **kwargs) -> X3D:
    v = VARIANTS[variant]
    return X3D(v["frames"], v["crop"], num_classes=num_classes, **kwargs)


def x3d_xs(num_classes: int = 400, **kwargs) -> X3D:
    """X3D-XS: builder 4 x 160^2, head pool (4, 5, 5); Hub test transform 4x12, 182^2."""
    return _build("x3d_xs", num_classes, **kwargs)


def x3d_s(num_classes: int = 400, **kwargs) -> X3D:
    """X3D-S: builder 13 x 160^2, head pool (13, 5, 5); Hub test transform 13x6, 182^2."""
    return _build("x3d_s", num_classes, **kwargs)


def x3d_m(num_classes: int = 400, **kwargs) -> X3D:
    """X3D-M: builder 16 x 224^2, head pool (16, 7, 7); Hub test transform 16x5, 256^2."""
    return _build("x3d_m", num_classes, **kwargs)
