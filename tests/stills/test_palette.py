
import numpy as np
import pytest

import videotools as vt
from tests.sinks.test_images import small_fs  # noqa: F401, F811 - a fixture
from videotools.stills import dominant_colors, write_gpl
from videotools.stills.palette import percentages


def quadrants():
    img = np.zeros((100, 100, 3), np.uint8)
    img[:50, :50] = (255, 0, 0)     # 25 %
    img[:50, 50:] = (0, 0, 255)     # 25 %
    img[50:, :] = (0, 200, 0)       # 50 %
    return img


def test_shares_are_exact_and_sorted():
    noisy = np.clip(quadrants().astype(int) + np.random.default_rng(0).integers(-5, 6, (100, 100, 3)), 0, 255)
    pal, shares = dominant_colors(noisy.astype(np.uint8), 3)
    assert [s.share for s in shares] == [0.5, 0.25, 0.25]
    assert shares[0].rgb[1] > 190 and shares[0].hex.startswith("#")
    labels = pal.labels(noisy.astype(np.uint8))
    for s in shares:  # share = fraction of pixels whose nearest palette colour it is
        i = pal.hex.index(s.hex)
        assert (labels == i).mean() == s.share


def test_percentages_sum_to_100():
    shares = [vt.stills.ColorShare("#000000", (0, 0, 0), v) for v in (1 / 3, 1 / 3, 1 / 3)]
    assert sum(percentages(shares)) == pytest.approx(100.0)
    assert sorted(percentages(shares)) == [33.3, 33.3, 33.4]


def test_palette_files_are_atomic_on_a_full_disk(small_fs):  # noqa: F811
    pal, shares = dominant_colors(quadrants(), 3)
    full = small_fs("full", keep={"p.json": b"previous", "p.gpl": b"previous"})
    with pytest.raises(vt.SinkError, match=r"p\.json: no space left on device"):
        pal.save(full / "p.json")
    with pytest.raises(vt.SinkError, match=r"p\.gpl: no space left on device"):
        write_gpl(full / "p.gpl", shares)
    assert (full / "p.json").read_bytes() == b"previous" and (full / "p.gpl").read_bytes() == b"previous"
    with pytest.raises(vt.OutputExistsError, match="p.json"):
        pal.save(full / "p.json", overwrite=False)
