"""Label lists for the model kit: Kinetics-400 and the synthetic demo actions.

Kinetics-400 names come from torchvision's weights metadata (`categories`), which lists the 400
classes in the standard alphabetical order that PyTorchVideo / PySlowFast checkpoints also use
(class index = position in the sorted list).
"""
from __future__ import annotations

from typing import List

# The synthetic actions of modelkit.synth, in class-index order (keep this order).
DEMO_LABELS = ["idle", "move_left", "move_right", "move_up", "move_down", "approach", "recede", "fall"]


def kinetics400() -> List[str]:
    from torchvision.models.video import R3D_18_Weights

    labels = list(R3D_18_Weights.KINETICS400_V1.meta["categories"])
    if len(labels) != 400:
        raise RuntimeError(f"torchvision lists {len(labels)} Kinetics-400 categories, expected 400")
    return labels


def labels_for(spec) -> List[str]:
    """The labels of an ArchSpec (by its `labels` field), in output order."""
    if spec.labels == "kinetics400":
        return kinetics400()
    if spec.labels == "demo":
        return list(DEMO_LABELS)
    raise ValueError(f"{spec.name}: unknown label set {spec.labels!r} (known: kinetics400, demo)")
