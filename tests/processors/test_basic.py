"""Resize, Grey, Blur, Flip: exact pixel values, sizes, and errors naming the parameter."""

import numpy as np
import pytest

import videotools as vt


def ramp(h=4, w=6):
    """A frame whose pixel (y, x) is (x, y, 7): every position is recognisable."""
    f = np.zeros((h, w, 3), np.uint8)
    f[..., 0] = np.arange(w)[None, :]
    f[..., 1] = np.arange(h)[:, None]
    f[..., 2] = 7
    return f


def test_flip_horizontal_and_vertical():
    f = ramp()
    np.testing.assert_array_equal(vt.Flip(axis="h")(f), f[:, ::-1])
    np.testing.assert_array_equal(vt.Flip(axis="v")(f), f[::-1])
    assert vt.Flip()(f)[0, 0].tolist() == [5, 0, 7]


def test_grey_is_rec601_luma_in_three_channels():
    f = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 10, 10]]], np.uint8)
    g = vt.Grey()(f)
    assert g.shape == (1, 4, 3) and (g == g[..., :1]).all()
    assert g[0, :, 0].tolist() == [76, 150, 29, 10]


def test_blur_keeps_flat_areas_and_mean_and_spreads_a_point():
    flat = np.full((20, 20, 3), 100, np.uint8)
    np.testing.assert_array_equal(vt.Blur(sigma=3)(flat), flat)
    dot = np.zeros((21, 21, 3), np.uint8)
    dot[10, 10] = 255
    out = vt.Blur(sigma=1)(dot).astype(int)
    assert out[10, 10, 0] < 255 and out[10, 11, 0] > 0 and out[10, 11, 0] == out[11, 10, 0] == out[9, 10, 0]
    assert abs(out[..., 0].sum() - 255) <= 21 * 21 // 2  # mass kept, up to rounding


@pytest.mark.parametrize("kw,size", [({"width": 3}, (3, 2)), ({"height": 2}, (3, 2)), ({"scale": 2.0}, (12, 8)),
                                     ({"width": 5, "height": 5}, (5, 5)), ({"scale": 0.01}, (1, 1))])
def test_resize_sizes(kw, size):
    out = vt.Resize(**kw)(ramp())
    assert (out.shape[1], out.shape[0]) == size and out.dtype == np.uint8


def test_resize_to_the_same_size_returns_the_frame():
    f = ramp()
    assert vt.Resize(width=6)(f) is f


def test_resize_down_by_two_averages_pixel_blocks():
    f = ramp(4, 8)
    f[..., 0] *= 10  # columns 0, 10, ..., 70
    out = vt.Resize(width=4)(f)  # 8x4 -> 4x2: each output pixel is the mean of a 2x2 block
    assert out[..., 0].tolist() == [[5, 25, 45, 65]] * 2
    assert out[..., 1][:, 0].tolist() == [1, 3] and (out[..., 2] == 7).all()


@pytest.mark.parametrize("make,msg", [
    (lambda: vt.Resize(), "resize needs width=, height= or scale="),
    (lambda: vt.Resize(width=0), "resize width must be >= 1, got 0"),
    (lambda: vt.Resize(scale=17), "resize scale must be in (0, 16], got 17"),
    (lambda: vt.Blur(sigma=0), "blur sigma must be in (0, 100], got 0"),
    (lambda: vt.Flip(axis="x"), "flip axis must be h or v, got 'x'"),
])
def test_errors_name_the_parameter(make, msg):
    with pytest.raises(vt.ParameterError) as err:
        make()
    assert str(err.value) == msg


def test_flip_and_grey_on_i420_planes_match_their_rgb_results():
    import cv2

    from videotools.frames import YuvFrame

    rgb = cv2.resize(np.random.default_rng(1).integers(0, 256, (9, 16, 3), dtype=np.uint8), (64, 36),
                     interpolation=cv2.INTER_NEAREST)
    frame = YuvFrame(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420))
    for axis in "hv":
        flip = vt.Flip(axis=axis)
        np.testing.assert_array_equal(flip.process_yuv(frame).to_rgb(), flip(frame.to_rgb()))
    grey = vt.processors.Grey()
    assert grey.accepts_yuv("bt601", False) and not grey.accepts_yuv("bt709", False)
    out = grey.process_yuv(frame)
    np.testing.assert_array_equal(out.split()[0], frame.split()[0])  # the luma is kept
    assert np.abs(out.to_rgb().astype(int) - grey(frame.to_rgb())).max() <= 1
