"""Label order: darkest first, kept across refits."""

import numpy as np

import videotools as vt
from tests.kmeans.helpers import real_image


def test_fit_is_deterministic_and_sorted_by_luminance():
    img = real_image()
    a, b = vt.Palette.fit(img, 6, seed=3), vt.Palette.fit(img, 6, seed=3)
    assert a == b
    luma = a.colors.astype(float) @ [0.299, 0.587, 0.114]
    assert (np.diff(luma) >= 0).all()


def test_refit_keeps_label_order():
    img = real_image()
    first = vt.Palette.fit(img, 8, seed=0)
    brighter = np.clip(img.astype(int) + 12, 0, 255).astype(np.uint8)
    again = vt.Palette.fit(brighter, 8, seed=5, previous=first)
    moved = np.clip(first.colors.astype(int) + 12, 0, 255)
    d = ((again.colors.astype(int)[:, None] - moved[None]) ** 2).sum(2)
    assert d.argmin(1).tolist() == list(range(8))  # new colour i is nearest old colour i (shifted)
    lab0, lab1 = first.labels(img), again.labels(brighter)
    assert (lab0 == lab1).mean() > 0.95


def test_match_previous_follows_the_pixels_not_the_colours():
    from videotools.kmeans.order import match_previous

    # old label 0 covered pixels 0..5, label 1 pixels 6..9; the new fit found them in the other order
    old = np.array([0] * 6 + [1] * 4)
    new = np.array([1] * 6 + [0] * 4)
    colors = np.array([[200, 200, 200], [10, 10, 10]])
    assert match_previous(old, new, colors, np.array([[0, 0, 0], [255, 255, 255]])).tolist() == [1, 0]


def test_by_luminance_breaks_ties_by_rgb():
    from videotools.kmeans.order import by_luminance

    colors = np.array([[255, 255, 255], [0, 0, 0], [0, 0, 0]])
    assert by_luminance(colors).tolist()[-1] == 0
