import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT
from videotools.stills import label_colors, segment


def test_colour_segmentation_finds_the_regions():
    img = np.zeros((60, 90, 3), np.uint8)
    img[:, :30] = (200, 40, 40)
    img[:, 30:60] = (40, 200, 40)
    img[:, 60:] = (40, 40, 200)
    noisy = np.clip(img.astype(int) + np.random.default_rng(1).integers(-8, 9, img.shape), 0, 255).astype(np.uint8)
    seg = segment(noisy, 3)
    for cols in (slice(0, 30), slice(30, 60), slice(60, 90)):
        assert len(np.unique(seg.labels[:, cols])) == 1
    assert sorted(np.round(seg.shares, 3).tolist()) == [0.333, 0.333, 0.333]
    colours = seg.view(noisy, "colors")
    assert np.abs(colours.astype(int) - img).max() <= 8
    assert seg.compression_ratio() == pytest.approx(60 * 90 * 24 / (60 * 90 * 2 + 3 * 24))


def test_rgbxy_splits_same_colour_regions_by_place():
    img = np.full((60, 120, 3), 128, np.uint8)  # two identical grey halves, one dark bar in the middle
    img[:, 55:65] = 20
    with pytest.warns(UserWarning, match="k reduced from 3 to 2"):
        colour_only = segment(img, 3, features="rgb")
    assert len(np.unique(colour_only.labels)) == 2  # only two colours exist
    spatial = segment(img, 3, features="rgbxy")
    assert spatial.labels[30, 5] != spatial.labels[30, 115]  # left and right halves apart
    assert spatial.labels[30, 60] not in (spatial.labels[30, 5], spatial.labels[30, 115])


def test_views_hide_and_distinct_label_colours():
    img = vt.read_image(ROOT / "samples" / "coffee.png")
    seg = segment(img, 4, seed=0)
    again = segment(img, 4, seed=0)
    assert np.array_equal(seg.labels, again.labels)  # stable for a seed
    labels_view = seg.view(img, "labels")
    table = label_colors(4)
    assert np.array_equal(labels_view, table[seg.labels])
    assert len({tuple(c) for c in label_colors(20).tolist()}) == 20
    hidden = seg.view(img, "overlay", hide=(1,))
    assert (hidden[seg.labels == 1] == 0).all() and hidden[seg.labels == 0].any()
    with pytest.raises(vt.ParameterError, match="^hide 7: labels run from 0 to 3"):
        seg.view(img, "colors", hide=(7,))


def test_spatial_weight_trades_colour_for_place():
    img = np.full((60, 120, 3), 128, np.uint8)
    img[:, 55:65] = 20
    heavy = segment(img, 3, features="rgbxy", spatial_weight=2.0)  # position dominates: three vertical bands
    assert max(np.bincount(heavy.labels.ravel())) < 3000
