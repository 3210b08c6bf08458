"""Dense optical flow between two frames with OpenCV, as the engine computes it (Java,
dev.actionstream.frames.OpticalFlow): the reference for flow parity.

Both frames are BGR images of one size; each becomes 8-bit grayscale (cv2.cvtColor BGR2GRAY), and
the flow from the first to the second is computed with
  * farneback: cv2.calcOpticalFlowFarneback(pyr_scale 0.5, levels 3, winsize 15, iterations 3,
    poly_n 5, poly_sigma 1.2, flags 0), the parameters of OpenCV's own dense-flow sample;
  * tvl1: cv2.optflow.DualTVL1OpticalFlow_create() with OpenCV's defaults (tau 0.25, lambda 0.15,
    theta 0.3, 5 scales, 5 warps, epsilon 0.01), the flow TSN and I3D's flow stream use.
The result is 2 x H x W float32: horizontal displacement (x) first, then vertical (y), in pixels.

    /usr/bin/python3 -m modelkit.flow --method farneback --prev a.jpg --next b.jpg --out flow.f32
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

import numpy as np

METHODS = ("farneback", "tvl1")
FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)


def flow(prev_bgr: np.ndarray, next_bgr: np.ndarray, method: str) -> np.ndarray:
    """Flow from one BGR frame to the next: both to 8-bit grayscale (cvtColor BGR2GRAY), then
    gray_flow. 2 x H x W float32 (x, then y)."""
    import cv2
    if prev_bgr.shape != next_bgr.shape:
        raise ValueError(f"frames differ in size: {prev_bgr.shape} vs {next_bgr.shape}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    a = cv2.cvtColor(prev_bgr, cv2.COLOR_BGR2GRAY)
    b = cv2.cvtColor(next_bgr, cv2.COLOR_BGR2GRAY)
    return gray_flow(a, b, method)


def gray_flow(prev_gray: np.ndarray, next_gray: np.ndarray, method: str) -> np.ndarray:
    """Dense flow from one 8-bit grayscale image (H x W uint8) to the next, with the OpenCV calls
    above: 2 x H x W float32, x (horizontal displacement) first, then y, in pixels. The shared
    computation of flow() (BGR frames) and modelkit.preprocess (a flow model's frames)."""
    import cv2
    if prev_gray.shape != next_gray.shape:
        raise ValueError(f"frames differ in size: {prev_gray.shape} vs {next_gray.shape}")
    if prev_gray.ndim != 2 or prev_gray.dtype != np.uint8 or next_gray.dtype != np.uint8:
        raise ValueError(f"gray_flow needs H x W uint8 images, got {prev_gray.dtype} {prev_gray.shape}")
    if method == "farneback":
        f = cv2.calcOpticalFlowFarneback(prev_gray, next_gray, None, **FARNEBACK)
    elif method == "tvl1":
        f = cv2.optflow.DualTVL1OpticalFlow_create().calc(prev_gray, next_gray, None)
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return np.ascontiguousarray(f.transpose(2, 0, 1), dtype=np.float32)


def main(argv: Optional[Sequence[str]] = None) -> int:
    import cv2
    p = argparse.ArgumentParser(prog="python3 -m modelkit.flow", description=__doc__.split("\n\n")[0])
    p.add_argument("--method", choices=METHODS, required=True)
    p.add_argument("--prev", required=True, help="first frame (an image file)")
    p.add_argument("--next", required=True, help="second frame (an image file)")
    p.add_argument("--out", required=True, help="2 x H x W float32, little-endian, no header")
    a = p.parse_args(argv)
    frames = [cv2.imread(f, cv2.IMREAD_COLOR) for f in (a.prev, a.next)]
    for f, img in zip((a.prev, a.next), frames):
        if img is None:
            print(f"error: cannot read {f}", file=sys.stderr)
            return 2
    f = flow(frames[0], frames[1], a.method)
    f.astype("<f4").tofile(a.out)
    print(f"{a.method}: flow {f.shape[2]}x{f.shape[1]}, |d| max {np.abs(f).max():.3f} px (OpenCV {cv2.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
