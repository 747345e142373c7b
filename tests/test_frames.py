import numpy as np
import pytest

import videotools as vt
from videotools.frames import _MATRICES, I420ToRGB, YuvFrame


def _reference(planes, w, h, matrix, full_range):
    """The textbook Y'CbCr -> R'G'B' in float64, chroma replicated over each 2x2 block."""
    kr, kb = _MATRICES[matrix]
    kg = 1 - kr - kb
    y = planes[:h].astype(float)
    chroma = planes.reshape(-1)[w * h:]
    u = chroma[: w * h // 4].reshape(h // 2, w // 2).repeat(2, 0).repeat(2, 1).astype(float) - 128
    v = chroma[w * h // 4:].reshape(h // 2, w // 2).repeat(2, 0).repeat(2, 1).astype(float) - 128
    if not full_range:
        y, u, v = (y - 16) * 255 / 219, u * 255 / 224, v * 255 / 224
    r = y + 2 * (1 - kr) * v
    b = y + 2 * (1 - kb) * u
    g = (y - kr * r - kb * b) / kg
    return np.clip(np.round(np.dstack([r, g, b])), 0, 255)


@pytest.mark.parametrize("matrix", ["bt601", "bt709", "bt2020"])
@pytest.mark.parametrize("full_range", [False, True])
def test_i420_conversion_matches_the_formula_frame_after_frame(matrix, full_range):
    w, h = 96, 64
    rng = np.random.default_rng(1)
    convert = I420ToRGB(w, h, matrix=matrix, full_range=full_range)
    results = []
    for _ in range(3):  # the scratch buffer is reused: each frame must still be its own
        planes = rng.integers(16, 236, (h * 3 // 2, w), dtype=np.uint8)
        got = convert(planes)
        assert got.shape == (h, w, 3) and got.dtype == np.uint8
        d = np.abs(got.astype(int) - _reference(planes, w, h, matrix, full_range))
        # OpenCV's own BT.601 path uses fixed point; the others round once
        assert d.max() <= (2 if matrix == "bt601" and not full_range else 1), (matrix, full_range, d.max())
        results.append((planes, got.copy(), got))
    for _planes, kept, returned in results:
        assert np.array_equal(kept, returned)  # later calls did not write into earlier frames


def test_i420_converter_refuses_what_it_cannot_convert():
    with pytest.raises(vt.FrameError, match="even size, got 95x64"):
        I420ToRGB(95, 64)
    with pytest.raises(vt.FrameError, match="unknown YUV matrix 'bt470m'"):
        I420ToRGB(96, 64, matrix="bt470m")


def test_yuv_frame_knows_its_size_and_colours():
    w, h = 8, 4
    planes = np.zeros((h * 3 // 2, w), np.uint8)
    planes[:h] = 235  # white in limited range, neutral chroma
    planes[h:] = 128
    frame = YuvFrame(planes, "bt709")
    assert frame.size == (8, 4)
    assert np.array_equal(frame.to_rgb(), np.full((h, w, 3), 255, np.uint8))
