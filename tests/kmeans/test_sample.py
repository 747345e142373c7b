"""The pixel sample a fit draws."""

import numpy as np

import videotools as vt


def test_fit_on_a_source_reads_a_bounded_number_of_frames():
    src = vt.open_source("synthetic:traffic?size=160x90&seconds=0")  # endless
    pal = vt.Palette.fit(src, 6)
    assert pal.k == 6 and src.frames_read == 64


def test_sample_is_drawn_evenly_from_each_frame_and_seeded():
    from videotools.kmeans import sample_pixels

    frames = [np.full((20, 20, 3), v, np.uint8) for v in (0, 100, 200, 255)]
    a = sample_pixels(frames, 40, np.random.default_rng(3))
    b = sample_pixels(frames, 40, np.random.default_rng(3))
    assert len(a) == 40 and np.array_equal(a, b)
    assert np.bincount(a[:, 0], minlength=256)[[0, 100, 200, 255]].tolist() == [10, 10, 10, 10]


def test_sample_takes_all_pixels_when_fewer():
    from videotools.kmeans import sample_pixels

    px = np.arange(30, dtype=np.uint8).reshape(10, 3)
    assert np.array_equal(sample_pixels(px, 100, np.random.default_rng(0)), px)


def test_sample_refuses_other_dtypes_and_shapes():
    import pytest

    from videotools.kmeans import sample_pixels

    with pytest.raises(vt.ParameterError, match="uint8"):
        sample_pixels(np.zeros((4, 4, 3), np.float32), 10, np.random.default_rng(0))
    with pytest.raises(vt.ParameterError, match="got shape \\(4, 4\\)"):
        sample_pixels(np.zeros((4, 4), np.uint8), 10, np.random.default_rng(0))
