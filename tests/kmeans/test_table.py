"""The exact 256³ table: every colour against brute force."""

import numpy as np
import pytest

import videotools as vt
from tests.kmeans.helpers import brute_nearest_dist, dist_to
from videotools.kmeans import build_rgb_table, kernels
from videotools.kmeans.table import cube_table, row_table


def test_whole_table_is_exact():
    """Every one of the 16.7 million colours, against brute force (k = 12): rows, and cubes in numpy and compiled."""
    colors = np.random.default_rng(5).integers(0, 256, (12, 3)).astype(np.int32)
    table = row_table(colors.astype(np.uint8))  # indexed [b, g, r]
    np.testing.assert_array_equal(cube_table(colors.astype(np.uint8)), table)
    compiled = kernels.table_kernel()
    if compiled is not None:
        np.testing.assert_array_equal(cube_table(colors.astype(np.uint8), kernel=compiled), table)
    v = np.arange(256, dtype=np.int32)
    # squared distance of every (g, r) to each colour's g and r, once; b adds one term per plane (exact ints)
    dgr = (v[:, None, None] - colors[:, 1]) ** 2 + (v[None, :, None] - colors[:, 0]) ** 2  # (g, r, k)
    for b in range(256):
        d = dgr + (b - colors[:, 2]) ** 2
        chosen = np.take_along_axis(d, table[b][..., None].astype(np.intp), 2)[..., 0]
        assert (chosen == d.min(2)).all(), b


@pytest.mark.parametrize("k", [2, 7, 24, 64])
def test_apply_is_exact_on_random_pixels_and_random_palettes(k):
    rng = np.random.default_rng(k)
    img = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    pal = vt.Palette(rng.integers(0, 256, (k, 3)), space="rgb")
    got = dist_to(img, pal.colors, pal.labels(img))
    np.testing.assert_array_equal(got, brute_nearest_dist(img, pal.colors))


def test_codes_pack_and_unpack():
    from videotools.kmeans import pack_codes, unpack_codes

    frame = np.random.default_rng(1).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    codes = pack_codes(frame)
    f = frame.astype(np.uint32)
    np.testing.assert_array_equal(codes, f[..., 0] + 256 * f[..., 1] + 65536 * f[..., 2])
    np.testing.assert_array_equal(unpack_codes(codes.ravel()), frame.reshape(-1, 3))


@pytest.mark.parametrize("colours", [
    [[0, 0, 0], [2, 0, 0], [0, 2, 0], [1, 1, 1], [255, 255, 255]],  # ties at every midpoint: the lower label wins
    [[10, 10, 10], [10, 10, 10], [200, 0, 0]],  # a repeated colour: its first label everywhere
    [[5, 5, 5], [5, 6, 5], [5, 5, 6], [6, 5, 5], [4, 5, 5]],  # crossings on every axis, one step apart
    [[9, 40, 200], [9, 200, 40], [200, 9, 40], [9, 40, 201]],  # equal R: one wins a row outright
])
def test_rows_give_the_cube_table_on_ties_and_repeats(colours):
    c = np.array(colours, np.uint8)
    np.testing.assert_array_equal(row_table(c), cube_table(c))


def test_the_table_comes_by_rows_up_to_row_max_k_and_by_cubes_above(monkeypatch):
    from videotools.kmeans import table as table_module

    used = []
    monkeypatch.setattr(table_module, "row_table", lambda c: used.append("rows"))
    monkeypatch.setattr(table_module, "cube_table", lambda c, kernel=None: used.append("cubes"))
    monkeypatch.setattr(kernels, "table_kernel", lambda **_: None)
    for k in (2, table_module.ROW_MAX_K, table_module.ROW_MAX_K + 1):
        build_rgb_table(np.random.default_rng(k).integers(0, 256, (k, 3)).astype(np.uint8))
    assert used == ["rows", "rows", "cubes"]


def test_one_colour_table_is_all_zero():
    table = build_rgb_table(np.array([[10, 20, 30]], np.uint8))
    assert table.shape == (256, 256, 256) and not table.any()


@pytest.mark.parametrize(("matrix", "full_range"), [("bt601", False), ("bt709", False), ("bt601", True)])
def test_yuv_table_gives_the_labels_of_the_frame_converted_to_rgb(matrix, full_range):
    """Every (Y, U, V) byte combination of random I420 frames: the label of its RGB conversion."""
    from videotools.frames import I420ToRGB, YuvFrame
    from videotools.kmeans.table import build_yuv_table, pack_codes

    rng = np.random.default_rng(9)
    pal = vt.Palette(rng.integers(0, 256, (9, 3)))
    rgb_table = pal._lookup_table()
    yuv_table = build_yuv_table(rgb_table, matrix, full_range)
    planes = rng.integers(0, 256, (240 * 3 // 2, 320), dtype=np.uint8)
    rgb = I420ToRGB(320, 240, matrix=matrix, full_range=full_range)(planes)
    y, u, v = YuvFrame(planes).split()
    up = [np.repeat(np.repeat(c, 2, 0), 2, 1).astype(np.uint32) for c in (u, v)]
    got = yuv_table[(up[0] << 16) | (up[1] << 8) | y]
    np.testing.assert_array_equal(got, rgb_table[pack_codes(rgb)])
    assert len(np.unique(got)) == 9  # random bytes reach every colour
