"""A model with the demo X3D's input contract and next to no compute.

The bench divides frames/s through the topology with this model by frames/s of a raw consumer:
whatever the ratio loses is the pipeline's own cost (decode, preprocess, windows, state, publish),
not the model's. Global average pooling over C x T x H x W leaves 3 numbers per clip; a linear
layer maps them to the 8 demo classes. Exported, that is one ReduceMean and one Gemm.
"""
from __future__ import annotations

from torch import nn


class Trivial(nn.Module):
    def __init__(self, num_classes: int = 8):
        super().__init__()
        self.proj = nn.Linear(3, num_classes)

    def forward(self, x):
        return self.proj(x.mean(dim=(2, 3, 4)))


def trivial(num_classes: int = 8) -> Trivial:
    return Trivial(num_classes=num_classes)
