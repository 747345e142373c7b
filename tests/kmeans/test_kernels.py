"""The compiled kernels (numba) give exactly what the numpy path gives, and numpy takes over without them."""

import importlib.util
import sys
import time

import cv2
import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT
from videotools.frames import YuvFrame
from videotools.kmeans import kernels
from videotools.kmeans.table import cube_table, row_table

needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba is not installed")
REAL = ROOT.parent / "shared" / "media" / "car-detection.mp4"


def _none(**_):
    """A kernel getter standing for "no numba"."""


@pytest.fixture
def numpy_path(monkeypatch):
    """Force the fallback: what runs where numba is missing."""
    for name in ("i420_kernel", "rgb_kernel", "table_kernel"):
        monkeypatch.setattr(kernels, name, _none)


@needs_numba
@pytest.mark.parametrize("colours", [
    [[0, 0, 0], [2, 0, 0], [0, 2, 0], [1, 1, 1], [255, 255, 255]],  # ties at every midpoint: the lower label wins
    [[10, 10, 10], [10, 10, 10], [200, 0, 0]],  # a repeated colour: its first label everywhere
    [[0, 0, 0], [255, 255, 255]],
    np.random.default_rng(3).integers(0, 256, (5, 3)).tolist(),
])
def test_compiled_table_is_the_numpy_tables(colours):
    """numba's cubes, numpy's cubes and numpy's rows: one table."""
    c = np.array(colours, np.uint8)
    compiled = cube_table(c, kernel=kernels.table_kernel())
    np.testing.assert_array_equal(compiled, cube_table(c))
    np.testing.assert_array_equal(compiled, row_table(c))


def _real_rgb(size):
    with vt.open_source(REAL, start=10) as src:
        frame = next(iter(src))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _tables_ready(pal, frame):
    """Wait (generously) until the palette's Y, U, V table for ``frame``'s matrix is built on its thread."""
    deadline = time.monotonic() + 60
    while pal._yuv_tables((frame.matrix, frame.full_range), start=True) is None:
        assert time.monotonic() < deadline, "the Y, U, V table was not built within 60 s"
        time.sleep(0.01)


@needs_numba
@pytest.mark.parametrize(("matrix", "full_range"), [("bt601", False), ("bt709", False), ("bt601", True)])
def test_compiled_planar_lookup_is_the_numpy_one_and_the_rgb_route(matrix, full_range, monkeypatch):
    """Real footage (two thread halves at 720p) and random bytes (every table row), bit for bit: the compiled
    loop, numpy's table lookup, and the RGB route a frame takes while the table is being built."""
    rng = np.random.default_rng(7)
    real = cv2.cvtColor(_real_rgb((1280, 720)), cv2.COLOR_RGB2YUV_I420)
    noise = rng.integers(0, 256, (240 * 3 // 2, 320), dtype=np.uint8)
    colours = vt.Palette.fit(_real_rgb((320, 180)), 8, seed=2).colors
    assert kernels.i420_kernel() is not None  # loaded: the next call without waiting gets it
    for planes in (real, noise):
        frame = YuvFrame(planes, matrix, full_range)
        pal = vt.Palette(colours)
        with monkeypatch.context() as m:
            m.setattr(pal, "_yuv_tables", lambda key, start=False: None)  # as while its table is built
            route = pal.apply_yuv(frame)
        _tables_ready(pal, frame)
        fast = pal.apply_yuv(frame)
        with monkeypatch.context() as m:
            m.setattr(kernels, "i420_kernel", _none)
            slow = pal.apply_yuv(frame)
        np.testing.assert_array_equal(fast.planes, slow.planes)
        np.testing.assert_array_equal(route.planes, slow.planes)
        assert (fast.matrix, fast.full_range) == (matrix, full_range)


@needs_numba
def test_compiled_rgb_lookup_is_the_numpy_one(monkeypatch):
    """Real footage (two thread halves at 720p, a read-only frame), random colours and a transposed view."""
    real = _real_rgb((1280, 720))
    real.setflags(write=False)
    noise = np.random.default_rng(8).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    pal = vt.Palette.fit(_real_rgb((320, 180)), 8, seed=2)
    for frame in (real, noise, noise.transpose(1, 0, 2)):
        assert kernels.rgb_kernel() is not None
        fast = pal.apply(frame)
        with monkeypatch.context() as m:
            m.setattr(kernels, "rgb_kernel", _none)
            slow = pal.apply(frame)
        np.testing.assert_array_equal(fast, slow)


@pytest.mark.usefixtures("numpy_path")
def test_fallback_planar_lookup_is_apply_between_the_two_conversions():
    rgb = _real_rgb((320, 180))
    planes = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    pal = vt.Palette.fit(rgb, 6, seed=1)
    want = cv2.cvtColor(pal.apply(YuvFrame(planes).to_rgb()), cv2.COLOR_RGB2YUV_I420)
    _tables_ready(pal, YuvFrame(planes))
    np.testing.assert_array_equal(pal.apply_yuv(YuvFrame(planes)).planes, want)


def test_no_numba_or_the_switch_means_numpy(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    monkeypatch.delitem(sys.modules, "videotools.kmeans._jit", raising=False)
    assert kernels._load.__wrapped__() is None
    monkeypatch.setenv("VIDEOTOOLS_KERNELS", "numpy")
    assert kernels._load.__wrapped__() is None
