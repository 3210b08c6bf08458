"""modelkit.flow: the Python reference for the engine's optical flow."""
import numpy as np
import pytest

from modelkit import flow


def textured(h=96, w=128, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    import cv2
    return cv2.GaussianBlur(cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC), (5, 5), 1.5)


@pytest.mark.parametrize("method", flow.METHODS)
def test_a_shifted_image_gives_the_shift(method):
    a = textured()
    b = np.roll(a, (1, 2), axis=(0, 1))  # content moves 2 px right, 1 px down
    f = flow.flow(a, b, method)
    assert f.shape == (2, 96, 128) and f.dtype == np.float32
    inner = f[:, 16:-16, 16:-16]
    assert abs(float(np.median(inner[0])) - 2.0) < 0.25, np.median(inner[0])
    assert abs(float(np.median(inner[1])) - 1.0) < 0.25, np.median(inner[1])


def test_frames_of_different_sizes_and_unknown_methods_are_refused():
    a = textured()
    with pytest.raises(ValueError, match="differ in size"):
        flow.flow(a, a[:-1], "farneback")
    with pytest.raises(ValueError, match="method must be one of"):
        flow.flow(a, a, "brox")


def test_cli_writes_two_planes(tmp_path):
    import cv2
    a, b = textured(), np.roll(textured(), 1, axis=1)
    cv2.imwrite(str(tmp_path / "a.png"), a)
    cv2.imwrite(str(tmp_path / "b.png"), b)
    out = tmp_path / "f.f32"
    assert flow.main(["--method", "farneback", "--prev", str(tmp_path / "a.png"), "--next", str(tmp_path / "b.png"),
                      "--out", str(out)]) == 0
    assert np.fromfile(out, "<f4").size == 2 * 96 * 128
    assert flow.main(["--method", "farneback", "--prev", str(tmp_path / "none.png"), "--next", str(out),
                      "--out", str(out)]) == 2
