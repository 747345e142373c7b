import numpy as np
import pytest

import videotools as vt


def test_deterministic_and_random_access():
    a = vt.open_source("synthetic:traffic?size=160x90&seconds=1&seed=5")
    b = vt.open_source("synthetic:traffic?size=160x90&seconds=1&seed=5")
    frames = list(a)
    assert len(frames) == 25 and frames[0].shape == (90, 160, 3) and frames[0].dtype == np.uint8
    np.testing.assert_array_equal(frames[17], b.frame(17))
    c = vt.open_source("synthetic:traffic?size=160x90&seconds=1&seed=6")
    assert not np.array_equal(frames[0], c.frame(0))


def test_true_background_and_mask_explain_the_frame():
    s = vt.SyntheticTraffic(size=(200, 120), noise=0, drift=0.05, density=0.3, seed=2)
    for t in (0, 40, 333):
        frame, bg, mask = s.frame(t), s.background(t), s.foreground_mask(t)
        diff = np.abs(frame.astype(int) - bg).max(2)
        assert mask.any()
        assert diff[~mask].max() <= 1          # off the cars the frame is the background
        assert (diff[mask] > 10).mean() > 0.9  # on the cars it is not


def test_cars_move_and_lighting_drifts():
    s = vt.SyntheticTraffic(size=(160, 90), noise=0, drift=0.05, stops=False)
    assert not np.array_equal(s.foreground_mask(0), s.foreground_mask(5))
    quarter = int(s.fps * 15)  # a quarter of the 60 s lighting period
    assert s.background(quarter).astype(int).mean() > s.background(0).astype(int).mean() + 3


@pytest.mark.parametrize("spec,msg", [
    ("synthetic:rain", "unknown synthetic scene 'rain'"),
    ("synthetic:traffic?colour=red", "unknown synthetic parameter 'colour'"),
    ("synthetic:traffic?size=big", "bad value for synthetic size: 'big'"),
    ("synthetic:traffic?size=10x10", "at least 64x48"),
])
def test_bad_specs(spec, msg):
    with pytest.raises(vt.SourceError, match=msg):
        vt.open_source(spec)


def test_odd_size_and_endless():
    s = vt.open_source("synthetic:traffic?size=161x91&seconds=0")
    assert s.frame_count is None and s.size == (161, 91)
    it = iter(s)
    assert [next(it).shape for _ in range(3)] == [(91, 161, 3)] * 3
