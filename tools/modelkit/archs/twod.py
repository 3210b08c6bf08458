"""2D networks on segments, stacked frames and optical flow: TSN, Two-stream, Hidden two-stream.

Written from the papers' descriptions, with random weights (no checkpoints of ours exist):
  * TSN (Wang et al. 2016, "Temporal Segment Networks"): a 2D ConvNet applied to one snippet per
    segment, K segments per video, the class scores of the segments averaged (average segmental
    consensus). Here the backbone is torchvision's 2D ResNet-50 with dropout and a new
    400-class layer; the graph scores every segment (N*K rows) and the engine averages them
    (manifest `output.consensus: average`).
  * Two-stream (Simonyan and Zisserman 2014): a spatial stream on one RGB frame and a temporal
    stream on 2L = 20 stacked optical-flow channels (L = 10 fields), both CNN-M-2048
    (Chatfield et al. 2014): conv1 7x7/2 96, LRN, pool; conv2 5x5/2 256, LRN, pool;
    conv3..conv5 3x3 512, pool; full6 4096 + dropout; full7 2048 + dropout; the class layer.
    The temporal stream has no second normalisation layer (the paper drops it to save memory).
    Pools are 3x3 stride 2 with Caffe's ceil rounding, so a 224 input leaves 6x6x512 for full6.
  * Hidden two-stream (Zhu et al. 2017): MotionNet, a convolutional encoder-decoder that takes
    m + 1 = 11 frames stacked as 33 RGB channels and predicts the m = 10 flow fields between them
    (20 channels) at the input resolution, feeding the temporal stream above, trained end to end.
    The encoder is six stages of 3x3 convolutions (the first at full resolution, then stride 2),
    the decoder FlowNet-style: at each scale a 3x3 convolution predicts the flow, which is
    upsampled (4x4 transposed convolution) and concatenated with the up-convolved features and
    the encoder's skip connection. Only the full-resolution prediction leaves the graph (the
    coarser ones serve the multi-scale training loss and, here, the next scale's input).
"""
from __future__ import annotations

from typing import List

import torch
from torch import nn


# ---- TSN -----------------------------------------------------------------------------------

class TSN(nn.Module):
    """A 2D backbone scoring each row (segment snippet): N*K x 3 x H x W -> N*K x classes."""

    def __init__(self, num_classes: int = 400, dropout: float = 0.8):
        super().__init__()
        from torchvision.models import resnet50
        self.backbone = resnet50(weights=None)
        features = self.backbone.fc.in_features
        self.backbone.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, num_classes))

    def forward(self, x):
        return self.backbone(x)


def tsn_r50(num_classes: int = 400) -> TSN:
    """TSN with a ResNet-50 backbone; dropout 0.8 before the class layer (TSN's spatial setting)."""
    return TSN(num_classes=num_classes)


# ---- CNN-M-2048 (Two-stream) ---------------------------------------------------------------

def _lrn() -> nn.Module:
    # Krizhevsky / Caffe normalisation across 5 channels: k 2, alpha 1e-4 per channel, beta 0.75
    # (PyTorch divides alpha by the size, as Caffe does).
    return nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)


def _pool() -> nn.Module:
    return nn.MaxPool2d(3, stride=2, ceil_mode=True)


def _pool_out(size: int) -> int:
    return -(-(size - 3) // 2) + 1


def cnn_m_feature_size(crop: int) -> int:
    """Side of conv5's pooled output for a crop x crop input (6 for 224)."""
    s = (crop - 7) // 2 + 1          # conv1 7x7/2
    s = _pool_out(s)
    s = (s + 2 - 5) // 2 + 1          # conv2 5x5/2, pad 1
    s = _pool_out(s)                  # conv3..5 keep the size (3x3, pad 1)
    return _pool_out(s)


class CNNM2048(nn.Module):
    """CNN-M-2048: N x in_channels x crop x crop -> N x classes."""

    def __init__(self, num_classes: int = 400, in_channels: int = 3, crop: int = 224, norm2: bool = True,
                 dropout: float = 0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 96, 7, stride=2), nn.ReLU(inplace=True), _lrn(), _pool(),
            nn.Conv2d(96, 256, 5, stride=2, padding=1), nn.ReLU(inplace=True),
            *([_lrn()] if norm2 else []), _pool(),
            nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(inplace=True), _pool(),
        )
        side = cnn_m_feature_size(crop)
        if side < 1:
            raise ValueError(f"CNN-M-2048 needs a larger input than {crop}x{crop}")
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(512 * side * side, 4096), nn.ReLU(inplace=True), nn.Dropout(dropout),   # full6
            nn.Linear(4096, 2048), nn.ReLU(inplace=True), nn.Dropout(dropout),                # full7
            nn.Linear(2048, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def two_stream_rgb(num_classes: int = 400, crop: int = 224) -> CNNM2048:
    """The spatial stream: one RGB frame (3 channels)."""
    return CNNM2048(num_classes=num_classes, in_channels=3, crop=crop, norm2=True)


def two_stream_flow(num_classes: int = 400, crop: int = 224, fields: int = 10) -> CNNM2048:
    """The temporal stream: 2L stacked flow channels (x, y per field), no second normalisation."""
    return CNNM2048(num_classes=num_classes, in_channels=2 * fields, crop=crop, norm2=False, dropout=0.7)


# ---- demo Two-stream (trained on the synthetic actions by modelkit.train) --------------------

class DemoCNN(nn.Module):
    """A small 2D ConvNet for the 64x64 demo streams, CNN-M-like in outline (a wide strided
    first convolution, then narrower 3x3 stages), with BatchNorm so that it trains in minutes on a
    CPU: conv 5x5/2 -> 3x3/2 stages (each 3x3/2 then 3x3/1) -> global average pool -> dropout ->
    the class layer. N x in_channels x 64 x 64 -> N x classes (any size that survives the strides)."""

    def __init__(self, num_classes: int = 8, in_channels: int = 3, widths=(32, 48, 96, 128),
                 dropout: float = 0.3):
        super().__init__()

        def block(cin, cout, k, stride):
            return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
                    nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        layers = block(in_channels, widths[0], 5, 2)          # 64 -> 32
        cin = widths[0]
        for w in widths[1:]:                                  # 32 -> 16 -> 8 -> 4
            layers += block(cin, w, 3, 2) + block(w, w, 3, 1)
            cin = w
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(2, 3), keepdim=True))


def demo_two_stream_rgb(num_classes: int = 8) -> DemoCNN:
    """The demo spatial stream: one RGB frame (3 channels)."""
    return DemoCNN(num_classes=num_classes, in_channels=3)


def demo_two_stream_flow(num_classes: int = 8, fields: int = 7) -> DemoCNN:
    """The demo temporal stream: 2 x 7 stacked flow channels (8 frames)."""
    return DemoCNN(num_classes=num_classes, in_channels=2 * fields)


# ---- Hidden two-stream ---------------------------------------------------------------------

def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.LeakyReLU(0.1, inplace=True))


class MotionNet(nn.Module):
    """frames + 1 RGB frames stacked on channels (N x 3(m+1) x H x W) -> m flow fields
    (N x 2m x H x W, x then y per field), H and W multiples of 32."""

    ENCODER = (64, 128, 256, 512, 512, 1024)

    def __init__(self, fields: int = 10):
        super().__init__()
        self.fields = fields
        out = 2 * fields
        enc = self.ENCODER
        self.encoder = nn.ModuleList()
        cin = 3 * (fields + 1)
        for i, c in enumerate(enc):       # conv{i+1} (stride 2 after the first), conv{i+1}_1
            self.encoder.append(nn.Sequential(_conv(cin, c, stride=1 if i == 0 else 2), _conv(c, c)))
            cin = c
        # Decoder, coarse to fine: level i (5 .. 1) up-convolves level i+1's features, concatenates
        # them with encoder stage i's output and the upsampled flow of level i+1.
        self.predict = nn.ModuleList([nn.Conv2d(enc[-1], out, 3, padding=1)])
        self.upflow = nn.ModuleList()
        self.deconv = nn.ModuleList()
        self.fuse = nn.ModuleList()
        prev = enc[-1]
        for level in range(len(enc) - 2, -1, -1):
            up = enc[level] // 2
            self.deconv.append(nn.Sequential(nn.ConvTranspose2d(prev, up, 4, stride=2, padding=1),
                                             nn.LeakyReLU(0.1, inplace=True)))
            self.upflow.append(nn.ConvTranspose2d(out, out, 4, stride=2, padding=1))
            cat = up + enc[level] + out
            self.fuse.append(_conv(cat, enc[level] // 2))
            self.predict.append(nn.Conv2d(enc[level] // 2, out, 3, padding=1))
            prev = enc[level] // 2

    def forward_all(self, x) -> List[torch.Tensor]:
        """The flow at every scale, coarsest first (the training-time multi-scale outputs)."""
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        feat = skips[-1]
        flows = [self.predict[0](feat)]
        for i, level in enumerate(range(len(skips) - 2, -1, -1)):
            feat = self.fuse[i](torch.cat([self.deconv[i](feat), skips[level], self.upflow[i](flows[-1])], dim=1))
            flows.append(self.predict[i + 1](feat))
        return flows

    def forward(self, x):
        return self.forward_all(x)[-1]


class HiddenTwoStream(nn.Module):
    """MotionNet then the temporal stream, one graph: N x 33 x H x W RGB -> N x classes."""

    def __init__(self, num_classes: int = 400, crop: int = 224, fields: int = 10):
        super().__init__()
        self.motion = MotionNet(fields=fields)
        self.temporal = two_stream_flow(num_classes=num_classes, crop=crop, fields=fields)

    def forward(self, x):
        return self.temporal(self.motion(x))


def hidden_two_stream(num_classes: int = 400, crop: int = 224) -> HiddenTwoStream:
    return HiddenTwoStream(num_classes=num_classes, crop=crop)
