"""SlowFast R50 8x8, checkpoint-compatible with PyTorchVideo's `slowfast_r50` (Kinetics-400 zoo).

Written for ActionStream; the module tree gives `state_dict()` exactly the names and shapes of
PyTorchVideo's model (see /work/shared/reference/slowfast_r50.state_dict.json), so the official
`SLOWFAST_8x8_R50.pyth` checkpoint (dict key 'model_state') loads with strict=True.

Architecture facts taken from pytorchvideo/models/slowfast.py, resnet.py, stem.py, head.py and
hub/slowfast.py (slowfast_r50 = create_slowfast(model_depth=50, fusion kernel (7, 1, 1))):
  * two pathways: slow (T/alpha = 8 frames, beta = 1/8 more channels) and fast (T = 32 frames);
  * stems: slow conv 1x7x7 3 -> 64, fast conv 5x7x7 3 -> 8, both stride (1, 2, 2), padding
    kernel // 2, BN, ReLU, max pool 1x3x3 stride (1, 2, 2) padding (0, 1, 1);
  * after the stem and after stages 1-3 a fast -> slow fusion: conv (7, 1, 1) with temporal
    stride alpha = 4 and padding (3, 0, 0) from C_fast to 2 * C_fast channels, BN, ReLU,
    concatenated to the slow features along channels; none after stage 4;
  * ResNet-50 stages, depths (3, 4, 6, 3), bottleneck conv_a (Tx1x1) -> conv_b (1x3x3, spatial
    stride 1/2/2/2 in the first block) -> conv_c (1x1x1), BN after each, ReLU after a and b
    and after the residual sum; slow conv_a temporal kernel 1, 1, 3, 3 per stage, fast 3 in
    every stage; shortcut 1x1x1 conv + BN when width or stride changes;
  * all BatchNorm3d: eps 1e-5, momentum 0.1;
  * head: per-pathway AvgPool3d kernels (8, 7, 7) and (32, 7, 7) with stride 1, concatenation
    (2048 + 256 = 2304 channels), dropout 0.5, Linear -> classes per position, **no
    activation** (head_activation defaults to None for create_slowfast), global average.
    The output is logits. The kernels fit the builder's 224 crop (7x7 last map); at the Torch
    Hub test crop 256 the last map is 8x8, the pool leaves 2x2 positions and the output is the
    mean of their logits. Frame counts are fixed by the temporal kernels; only batch is dynamic.

forward(slow, fast) takes the two pathways as separate tensors (ONNX inputs "slow", "fast").
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

ALPHA = 4                  # fast frames per slow frame (frame-rate ratio)
BETA_INV = 8               # slow channels per fast channel
FUSION_RATIO = 2           # fusion conv output = 2 x fast channels
FUSION_KERNEL = 7
STAGE_DEPTHS = (3, 4, 6, 3)
SLOW_CONV_A_T = (1, 1, 3, 3)
FAST_CONV_A_T = (3, 3, 3, 3)
SPATIAL_STRIDES = (1, 2, 2, 2)
FRAMES = 32                # fast pathway; slow gets FRAMES // ALPHA
CROP = 224                 # builder crop: head pool (.., 7, 7)


class Stem(nn.Module):
    def __init__(self, cin: int, cout: int, kt: int):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, (kt, 7, 7), stride=(1, 2, 2), padding=(kt // 2, 3, 3), bias=False)
        self.norm = nn.BatchNorm3d(cout)
        self.activation = nn.ReLU()
        self.pool = nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.activation(self.norm(self.conv(x))))


class Bottleneck(nn.Module):
    def __init__(self, cin: int, inner: int, cout: int, kt: int, stride: int):
        super().__init__()
        self.conv_a = nn.Conv3d(cin, inner, (kt, 1, 1), padding=(kt // 2, 0, 0), bias=False)
        self.norm_a = nn.BatchNorm3d(inner)
        self.act_a = nn.ReLU()
        self.conv_b = nn.Conv3d(inner, inner, (1, 3, 3), stride=(1, stride, stride), padding=(0, 1, 1), bias=False)
        self.norm_b = nn.BatchNorm3d(inner)
        self.act_b = nn.ReLU()
        self.conv_c = nn.Conv3d(inner, cout, 1, bias=False)
        self.norm_c = nn.BatchNorm3d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act_a(self.norm_a(self.conv_a(x)))
        x = self.act_b(self.norm_b(self.conv_b(x)))
        return self.norm_c(self.conv_c(x))


class ResBlock(nn.Module):
    def __init__(self, cin: int, inner: int, cout: int, kt: int, stride: int):
        super().__init__()
        self.branch1_conv: Optional[nn.Module] = None
        self.branch1_norm: Optional[nn.Module] = None
        if cin != cout or stride != 1:
            self.branch1_conv = nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False)
            self.branch1_norm = nn.BatchNorm3d(cout)
        self.branch2 = Bottleneck(cin, inner, cout, kt, stride)
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.branch1_conv is None else self.branch1_norm(self.branch1_conv(x))
        return self.activation(shortcut + self.branch2(x))


class Stage(nn.Module):
    def __init__(self, depth: int, cin: int, inner: int, cout: int, kt: int, stride: int):
        super().__init__()
        self.res_blocks = nn.ModuleList(
            ResBlock(cin if i == 0 else cout, inner, cout, kt, stride if i == 0 else 1) for i in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.res_blocks:
            x = block(x)
        return x


class FuseFastToSlow(nn.Module):
    """Time-strided conv on the fast features, concatenated to the slow features."""

    def __init__(self, fast_channels: int):
        super().__init__()
        cout = fast_channels * FUSION_RATIO
        self.conv_fast_to_slow = nn.Conv3d(fast_channels, cout, (FUSION_KERNEL, 1, 1), stride=(ALPHA, 1, 1),
                                           padding=(FUSION_KERNEL // 2, 0, 0), bias=False)
        self.norm = nn.BatchNorm3d(cout)
        self.activation = nn.ReLU()

    def forward(self, slow: torch.Tensor, fast: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        fuse = self.activation(self.norm(self.conv_fast_to_slow(fast)))
        return torch.cat([slow, fuse], dim=1), fast


class MultiPathway(nn.Module):
    """One block per pathway (`multipathway_blocks.0` slow, `.1` fast), then optional fusion."""

    def __init__(self, slow: nn.Module, fast: nn.Module, fusion: Optional[FuseFastToSlow]):
        super().__init__()
        self.multipathway_blocks = nn.ModuleList([slow, fast])
        self.multipathway_fusion = fusion

    def forward(self, slow: torch.Tensor, fast: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        slow = self.multipathway_blocks[0](slow)
        fast = self.multipathway_blocks[1](fast)
        if self.multipathway_fusion is not None:
            slow, fast = self.multipathway_fusion(slow, fast)
        return slow, fast


class PoolConcat(nn.Module):
    def __init__(self, kernels: Sequence[Sequence[int]]):
        super().__init__()
        self.pool = nn.ModuleList(nn.AvgPool3d(tuple(k), stride=1) for k in kernels)

    def forward(self, slow: torch.Tensor, fast: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.pool[0](slow), self.pool[1](fast)], dim=1)


class Head(nn.Module):
    def __init__(self, cin: int, num_classes: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.proj = nn.Linear(cin, num_classes, bias=True)
        self.output_pool = nn.AdaptiveAvgPool3d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dropout(x)
        x = self.proj(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)
        return self.output_pool(x).flatten(1)


class SlowFast(nn.Module):
    """blocks[0] stems+fusion, [1..4] stages(+fusion), [5] pool+concat, [6] head."""

    def __init__(self, num_classes: int = 400, frames: int = FRAMES, crop: int = CROP, dropout: float = 0.5):
        super().__init__()
        self.frames, self.crop = frames, crop
        side = -(-crop // 32)
        self.pool_kernels: List[Tuple[int, int, int]] = [(frames // ALPHA, side, side), (frames, side, side)]
        slow_w, fast_w = 64, 64 // BETA_INV
        blocks: List[nn.Module] = [MultiPathway(Stem(3, slow_w, 1), Stem(3, fast_w, 5), FuseFastToSlow(fast_w))]
        width_in, width_out = 64, 256
        for i, depth in enumerate(STAGE_DEPTHS):
            slow_in = width_in + width_in * FUSION_RATIO // BETA_INV
            slow = Stage(depth, slow_in, width_out // 4, width_out, SLOW_CONV_A_T[i], SPATIAL_STRIDES[i])
            fast = Stage(depth, width_in // BETA_INV, width_out // 4 // BETA_INV, width_out // BETA_INV,
                         FAST_CONV_A_T[i], SPATIAL_STRIDES[i])
            fusion = FuseFastToSlow(width_out // BETA_INV) if i < len(STAGE_DEPTHS) - 1 else None
            blocks.append(MultiPathway(slow, fast, fusion))
            width_in, width_out = width_out, width_out * 2
        blocks.append(PoolConcat(self.pool_kernels))
        blocks.append(Head(width_in + width_in // BETA_INV, num_classes, dropout))
        self.blocks = nn.ModuleList(blocks)
        init_weights(self)

    def forward(self, slow: torch.Tensor, fast: torch.Tensor) -> torch.Tensor:
        for block in self.blocks[:5]:
            slow, fast = block(slow, fast)
        return self.blocks[6](self.blocks[5](slow, fast))


def init_weights(model: nn.Module, fc_std: float = 0.01) -> None:
    """He-normal convs (fan-out), unit BN, small Gaussian classifier (see x3d.init_weights)."""
    for m in model.modules():
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm3d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=fc_std)
            nn.init.zeros_(m.bias)


def slowfast_r50(num_classes: int = 400, **kwargs) -> SlowFast:
    """SlowFast R50 8x8 (alpha 4): builder 32 fast / 8 slow frames at 224^2; Hub test crop 256."""
    return SlowFast(num_classes=num_classes, **kwargs)
