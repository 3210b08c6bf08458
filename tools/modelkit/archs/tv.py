"""torchvision's Kinetics-400 video models (torchvision.models.video), built with random weights.

Input contracts, from the weights' metadata and transforms in torchvision 0.14
(`R3D_18_Weights.KINETICS400_V1.transforms()` etc.):
  * r3d_18, mc3_18, r2plus1d_18: 16 frames at 15 fps, resize to 128 x 171 (H x W), centre crop
    112, mean (0.43216, 0.394666, 0.37645), std (0.22803, 0.22145, 0.216989); the networks end
    in AdaptiveAvgPool3d + Linear, so they output logits and accept other T / sizes too.
  * s3d: resize to 256 x 256, centre crop 224, same mean/std; evaluated by torchvision with
    128-frame clips at 15 fps, `min_temporal_size` 14 and `min_size` 224 (the head is
    AvgPool3d (2, 7, 7) + 1x1x1 conv + mean over positions, logits).
torchvision resizes to a fixed H x W; the manifest's short-side resize equals it for 4:3 input
(128 x 170 vs 128 x 171) but not for other aspect ratios (s3d's square resize distorts).
"""
from __future__ import annotations

from torch import nn


def _video_models():
    try:
        from torchvision.models import video
    except ImportError as e:  # pragma: no cover - torchvision is a requirement of the kit
        raise RuntimeError(f"torchvision video models are not available: {e}") from e
    return video


def _build(name: str, num_classes: int) -> nn.Module:
    video = _video_models()
    fn = getattr(video, name, None)
    if fn is None:
        import torchvision
        raise RuntimeError(f"torchvision {torchvision.__version__} has no video model {name!r} "
                           f"(torchvision.models.video.{name}); s3d needs torchvision >= 0.14")
    return fn(weights=None, num_classes=num_classes)


def r3d_18(num_classes: int = 400) -> nn.Module:
    """ResNet3D-18 (3x3x3 convs everywhere), 33.4 M parameters."""
    return _build("r3d_18", num_classes)


def mc3_18(num_classes: int = 400) -> nn.Module:
    """Mixed convolutions: 3D in the stem and first stage, 2D (1x3x3) after; 11.7 M parameters."""
    return _build("mc3_18", num_classes)


def r2plus1d_18(num_classes: int = 400) -> nn.Module:
    """R(2+1)D-18: every 3D conv factorised into spatial 1x3x3 + temporal 3x1x1; 31.5 M parameters."""
    return _build("r2plus1d_18", num_classes)


def s3d(num_classes: int = 400) -> nn.Module:
    """S3D (separable Inception 3D), 8.3 M parameters."""
    return _build("s3d", num_classes)
