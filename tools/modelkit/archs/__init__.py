"""Registry of the architectures the model kit builds, trains and exports.

Each entry is an ArchSpec: how to build the torch module and the input contract that goes into
its manifest (clip frames and sampling, inputs, preprocessing). Builders are imported lazily so
that `import modelkit.archs` stays cheap.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from ..manifest import nchw_input, single_input, slowfast_inputs

KINETICS_MEAN = (0.45, 0.45, 0.45)
KINETICS_STD = (0.225, 0.225, 0.225)
IMAGENET_MEAN = (0.43216, 0.394666, 0.37645)  # torchvision video models (Kinetics-400 weights)
IMAGENET_STD = (0.22803, 0.22145, 0.216989)
IMAGENET_2D_MEAN = (0.485, 0.456, 0.406)      # torchvision's 2D ImageNet models
IMAGENET_2D_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ArchSpec:
    name: str
    family: str
    builder: str                      # "module:function" (module of this package, or a dotted
                                      # absolute one), called as function(num_classes=...)
    frames: int                       # T
    sampling_rate: float              # tau at reference_fps
    short_side: int
    crop: int
    inputs: List[Dict[str, Any]]
    num_classes: int = 400
    labels: str = "kinetics400"       # "kinetics400" or "demo"
    reference_fps: float = 30.0
    mean: Sequence[float] = KINETICS_MEAN
    std: Sequence[float] = KINETICS_STD
    scale: float = 1.0 / 255.0        # pixel values x scale before mean/std
    channel_order: str = "RGB"        # order of C (and of mean/std)
    output_name: str = "logits"
    output_type: str = "logits"
    description: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)
    # 2D networks (MANIFEST.md, "2D networks"); the defaults are the 3D contract above.
    sampling: str = "uniform"         # or "segments"
    segments: Optional[int] = None    # K, with sampling "segments"
    duration: Optional[float] = None  # D (s), with sampling "segments"; default T * tau / reference_fps
    modality: str = "rgb"             # or "flow"
    flow: Optional[Dict[str, Any]] = None   # {method, bound, encoding} with modality "flow"
    consensus: str = "none"           # or "average": the graph scores every segment

    @property
    def input_names(self) -> List[str]:
        return [i["name"] for i in self.inputs]

    def build(self, num_classes: Optional[int] = None):
        mod, fn = self.builder.split(":")
        # "twod:fn" is a module of this package; a dotted "pkg.module:fn" is imported as it is.
        module = importlib.import_module(mod if "." in mod else f"{__name__}.{mod}")
        return getattr(module, fn)(num_classes=num_classes or self.num_classes)


ARCHS: Dict[str, ArchSpec] = {}


def register(spec: ArchSpec) -> ArchSpec:
    if spec.name in ARCHS:
        raise ValueError(f"architecture {spec.name!r} registered twice")
    ARCHS[spec.name] = spec
    return spec


def get(name: str) -> ArchSpec:
    try:
        return ARCHS[name]
    except KeyError:
        raise KeyError(f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHS))}") from None


def build(name: str, num_classes: Optional[int] = None):
    return get(name).build(num_classes)


# ---- demo models, trained on the synthetic action data (modelkit.train) --------------------
DEMO_CLASSES = 8
register(ArchSpec(
    name="demo_x3d", family="x3d", builder="tiny:tiny_x3d",
    frames=8, sampling_rate=6, short_side=64, crop=64,
    inputs=[single_input("input", 8)], num_classes=DEMO_CLASSES, labels="demo",
    description="Tiny X3D-style network (channel-wise 3D convs, squeeze-excitation, swish) "
                "trained on ActionStream's synthetic actions"))
register(ArchSpec(
    name="demo_slowfast", family="slowfast", builder="tiny:tiny_slowfast",
    frames=16, sampling_rate=3, short_side=64, crop=64,
    inputs=slowfast_inputs(16, 4), num_classes=DEMO_CLASSES, labels="demo",
    description="Tiny SlowFast-style network (slow and fast pathways, lateral fusion) "
                "trained on ActionStream's synthetic actions"))
# Two-stream pair on the synthetic actions (archs/twod.py DemoCNN): both see the demo X3D's 1.6 s
# window at 64x64. The spatial stream takes its centre frame; the temporal stream 8 frames 0.2 s
# apart centred in it (segment sampling, K = 1: 8 x 6 / 30 = 1.6 s), i.e. 7 Farneback fields.
# Flow bound 10 px: at 64 px and 0.2 s between frames the fastest synthetic motion (75 % of the
# side in 1.6 s) moves about 6 px a field, and approach/recede edges less; 10 leaves headroom.
DEMO_TWO_STREAM_WINDOW = 1.6
register(ArchSpec(
    name="demo_two_stream_rgb", family="two-stream", builder="twod:demo_two_stream_rgb",
    frames=1, sampling_rate=6, short_side=64, crop=64,
    inputs=[nchw_input("input", 1)], num_classes=DEMO_CLASSES, labels="demo",
    sampling="segments", segments=1, duration=DEMO_TWO_STREAM_WINDOW,
    description="Demo Two-stream spatial stream: a small 2D CNN on the centre frame of a 1.6 s window, 64x64, "
                "trained on ActionStream's synthetic actions"))
register(ArchSpec(
    name="demo_two_stream_flow", family="two-stream", builder="twod:demo_two_stream_flow",
    frames=8, sampling_rate=6, short_side=64, crop=64,
    inputs=[nchw_input("input", 8)], num_classes=DEMO_CLASSES, labels="demo",
    mean=(128.0, 128.0), std=(128.0, 128.0), scale=1.0,
    sampling="segments", segments=1, duration=DEMO_TWO_STREAM_WINDOW, modality="flow",
    flow={"method": "farneback", "bound": 10.0, "encoding": "quantized"},
    description="Demo Two-stream temporal stream: a small 2D CNN on 7 stacked Farneback flow fields "
                "(14 channels) of 8 frames 0.2 s apart in a 1.6 s window, 64x64, trained on ActionStream's "
                "synthetic actions"))
# The demo X3D's input contract with negligible compute (archs/trivial.py): the bench's measure of
# the topology's own overhead. Random seeded weights; its predictions mean nothing.
register(ArchSpec(
    name="trivial", family="trivial", builder="trivial:trivial",
    frames=8, sampling_rate=6, short_side=64, crop=64,
    inputs=[single_input("input", 8)], num_classes=DEMO_CLASSES, labels="demo",
    description="Global average pooling and one linear layer with the demo X3D's inputs and labels: "
                "negligible compute, for measuring the pipeline's own overhead"))


# ---- Kinetics-400 models: PyTorchVideo X3D / SlowFast (checkpoint-compatible re-implementations) --
# Clip and preprocessing values are the Torch Hub test transforms (REFERENCES.md §1.3). The
# builders fix T and the head pool kernel for the train crop (160/160/224 for X3D, 224 for
# SlowFast); at the larger test crop the pool leaves 2x2 positions that the head averages.
# X3D's head ends in a softmax (PyTorchVideo create_x3d default) -> probabilities;
# SlowFast's head has no activation -> logits.
register(ArchSpec(
    name="x3d_xs", family="x3d", builder="x3d:x3d_xs",
    frames=4, sampling_rate=12, short_side=182, crop=182,
    inputs=[single_input("input", 4)],
    output_name="probabilities", output_type="probabilities",
    description="X3D-XS (PyTorchVideo), Kinetics-400, 4x12, 182x182"))
register(ArchSpec(
    name="x3d_s", family="x3d", builder="x3d:x3d_s",
    frames=13, sampling_rate=6, short_side=182, crop=182,
    inputs=[single_input("input", 13)],
    output_name="probabilities", output_type="probabilities",
    description="X3D-S (PyTorchVideo), Kinetics-400, 13x6, 182x182"))
register(ArchSpec(
    name="x3d_m", family="x3d", builder="x3d:x3d_m",
    frames=16, sampling_rate=5, short_side=256, crop=256,
    inputs=[single_input("input", 16)],
    output_name="probabilities", output_type="probabilities",
    description="X3D-M (PyTorchVideo), Kinetics-400, 16x5, 256x256"))
register(ArchSpec(
    name="slowfast_r50", family="slowfast", builder="slowfast:slowfast_r50",
    frames=32, sampling_rate=2, short_side=256, crop=256,
    inputs=slowfast_inputs(32, 4),
    description="SlowFast R50 8x8 (PyTorchVideo), Kinetics-400, 32x2 fast / 8 slow (alpha 4), 256x256"))

# ---- torchvision video models (random weights unless a checkpoint is given) ---------------
# torchvision samples Kinetics at 15 fps (weights meta: frame_rate=15), hence reference_fps 15.
# Its transforms resize to a fixed 128x171 (s3d: 256x256); short_side is the nearest manifest
# equivalent (exact for 4:3 input).
register(ArchSpec(
    name="r3d_18", family="resnet3d", builder="tv:r3d_18",
    frames=16, sampling_rate=1, reference_fps=15.0, short_side=128, crop=112,
    inputs=[single_input("input", 16)], mean=IMAGENET_MEAN, std=IMAGENET_STD,
    description="torchvision r3d_18 (ResNet3D-18), Kinetics-400, 16 frames at 15 fps, 112x112"))
register(ArchSpec(
    name="mc3_18", family="resnet3d", builder="tv:mc3_18",
    frames=16, sampling_rate=1, reference_fps=15.0, short_side=128, crop=112,
    inputs=[single_input("input", 16)], mean=IMAGENET_MEAN, std=IMAGENET_STD,
    description="torchvision mc3_18 (mixed 3D/2D convolutions), Kinetics-400, 16 frames at 15 fps, 112x112"))
register(ArchSpec(
    name="r2plus1d_18", family="resnet3d", builder="tv:r2plus1d_18",
    frames=16, sampling_rate=1, reference_fps=15.0, short_side=128, crop=112,
    inputs=[single_input("input", 16)], mean=IMAGENET_MEAN, std=IMAGENET_STD,
    description="torchvision r2plus1d_18 (R(2+1)D-18), Kinetics-400, 16 frames at 15 fps, 112x112"))
# s3d: torchvision evaluates 128-frame clips (min 14); 32 frames at 15 fps (2.1 s) is our choice
# for streaming cost.
register(ArchSpec(
    name="s3d", family="s3d", builder="tv:s3d",
    frames=32, sampling_rate=1, reference_fps=15.0, short_side=256, crop=224,
    inputs=[single_input("input", 32)], mean=IMAGENET_MEAN, std=IMAGENET_STD,
    description="torchvision s3d (separable Inception 3D), Kinetics-400, 32 frames at 15 fps, 224x224"))


# ---- the other 3D ConvNets of the literature (archs/classic.py; random weights) -------------
# Their clip and preprocessing contracts are ours, chosen per network for streaming on a CPU;
# they vary the manifest's knobs (Caffe-style BGR in 0-255 for C3D, [-1, 1] for I3D).
CAFFE_BGR_MEAN = (104.0, 117.0, 123.0)  # ImageNet channel means, BGR, 0-255 (Caffe convention)
register(ArchSpec(
    name="c3d", family="c3d", builder="classic:c3d",
    frames=16, sampling_rate=1, reference_fps=15.0, short_side=128, crop=112,
    inputs=[single_input("input", 16)], mean=CAFFE_BGR_MEAN, std=(1.0, 1.0, 1.0),
    scale=1.0, channel_order="BGR",
    description="C3D (Tran et al. 2015): 8 3x3x3 convolutions, 2 fully connected layers; "
                "16 frames at 15 fps, 112x112, Caffe-style BGR input in 0-255"))
register(ArchSpec(
    name="i3d", family="i3d", builder="classic:i3d",
    frames=32, sampling_rate=1, reference_fps=25.0, short_side=256, crop=224,
    inputs=[single_input("input", 32)], mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
    description="I3D (Carreira and Zisserman 2017): Inception-v1 inflated to 3D; "
                "32 frames at 25 fps, 224x224, pixels in [-1, 1]"))
register(ArchSpec(
    name="t3d", family="t3d", builder="classic:t3d",
    frames=16, sampling_rate=2, reference_fps=30.0, short_side=128, crop=112,
    inputs=[single_input("input", 16)],
    description="T3D (Diba et al. 2017): 3D DenseNet-121 with Temporal Transition Layers "
                "(temporal depths 1, 3, 5); 16 frames every 2nd at 30 fps, 112x112"))


# ---- 2D networks: segments, stacked channels, optical flow (archs/twod.py; random weights) -----
# NCHW inputs: segments as rows, frames or flow fields stacked on channels (MANIFEST.md).
register(ArchSpec(
    name="tsn_r50", family="tsn", builder="twod:tsn_r50",
    frames=8, sampling_rate=1, reference_fps=30.0, short_side=256, crop=224,
    inputs=[nchw_input("input", 8)], mean=IMAGENET_2D_MEAN, std=IMAGENET_2D_STD,
    sampling="segments", segments=8, duration=2.0, consensus="average",
    description="TSN (Wang et al. 2016): 2D ResNet-50 on the centre frame of each of 8 segments of a 2 s "
                "window, 224x224; the segments' scores averaged (average consensus)"))
TWO_STREAM_WINDOW = 0.44   # s: 11 frames at 25 fps, the flow stream's span; both streams share it
register(ArchSpec(
    name="two_stream_rgb", family="two-stream", builder="twod:two_stream_rgb",
    frames=1, sampling_rate=1, reference_fps=25.0, short_side=256, crop=224,
    inputs=[nchw_input("input", 1)], mean=IMAGENET_2D_MEAN, std=IMAGENET_2D_STD,
    sampling="segments", segments=1, duration=TWO_STREAM_WINDOW,
    description="Two-stream spatial stream (Simonyan and Zisserman 2014): CNN-M-2048 on the centre frame "
                "of a 0.44 s window, 224x224"))
register(ArchSpec(
    name="two_stream_flow", family="two-stream", builder="twod:two_stream_flow",
    frames=11, sampling_rate=1, reference_fps=25.0, short_side=256, crop=224,
    inputs=[nchw_input("input", 11)], mean=(128.0, 128.0), std=(128.0, 128.0), scale=1.0,
    sampling="segments", segments=1, duration=TWO_STREAM_WINDOW, modality="flow",
    flow={"method": "farneback", "bound": 20.0, "encoding": "quantized"},
    description="Two-stream temporal stream (Simonyan and Zisserman 2014): CNN-M-2048 on 10 stacked "
                "Farneback flow fields (20 channels) of 11 frames at 25 fps, 224x224"))
register(ArchSpec(
    name="hidden_two_stream", family="hidden-two-stream", builder="twod:hidden_two_stream",
    frames=11, sampling_rate=1, reference_fps=25.0, short_side=256, crop=224,
    inputs=[nchw_input("input", 11)], mean=IMAGENET_2D_MEAN, std=IMAGENET_2D_STD,
    sampling="segments", segments=1, duration=TWO_STREAM_WINDOW,
    description="Hidden two-stream (Zhu et al. 2017): MotionNet predicts 10 flow fields from 11 RGB frames "
                "(33 channels) at 25 fps, the CNN-M-2048 temporal stream classifies them; one graph, 224x224"))
