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
    ("synthetic:traffic?noise=nan", "synthetic noise must be a finite number in \\[0, 100\\], got nan"),
    ("synthetic:traffic?noise=-1", "synthetic noise must be a finite number in \\[0, 100\\], got -1.0"),
    ("synthetic:traffic?drift=inf", "synthetic drift must be a finite number in \\[0, 0.9\\], got inf"),
    ("synthetic:traffic?density=0.9", "synthetic density must be a finite number in \\[0, 0.8\\], got 0.9"),
    ("synthetic:traffic?density=nan", "synthetic density .* got nan"),
    ("synthetic:traffic?people=-0.1", "synthetic people .* got -0.1"),
    ("synthetic:traffic?shadows=1", "synthetic shadows must be a finite number in \\[0, 0.8\\], got 1.0"),
    ("synthetic:traffic?fps=0", "synthetic fps must be a finite number in \\(0, 1000\\], got 0.0"),
    ("synthetic:traffic?seconds=-2", "synthetic seconds .* got -2.0"),
    ("synthetic:traffic?size=100000x100000", "synthetic size 100000x100000 needs 840.0 GB of frame buffers"),
])
def test_bad_specs_and_parameters_are_one_clear_error(spec, msg):
    with pytest.raises(vt.SourceError, match=msg):
        vt.open_source(spec)


def test_odd_size_and_endless():
    s = vt.open_source("synthetic:traffic?size=161x91&seconds=0")
    assert s.frame_count is None and s.size == (161, 91)
    it = iter(s)
    assert [next(it).shape for _ in range(3)] == [(91, 161, 3)] * 3


def test_a_size_that_does_not_fit_in_memory_is_refused_before_allocating(monkeypatch):
    from videotools.sources import synthetic

    monkeypatch.setattr(synthetic, "_available_memory", lambda: 50_000_000)
    msg = "synthetic size 1280x720 needs 77 MB of frame buffers, more than the 50 MB available"
    with pytest.raises(vt.SourceError, match=msg):
        vt.SyntheticTraffic(size=(1280, 720))  # 1280*720*84 bytes = 77 MB > 50 MB
    vt.SyntheticTraffic(size=(640, 360))        # 19 MB fits


def test_people_stand_still_for_a_while_and_are_foreground():
    s = vt.SyntheticTraffic(size=(320, 180), noise=0, drift=0, density=0, people=0.8, seed=3)
    road_top, road_bot = s._lanes[0][0], s._lanes[-1][1]
    masks = [s.foreground_mask(t) for t in range(0, 1500, 25)]
    assert all(m.any() for m in masks) and not any(m[road_top:road_bot].any() for m in masks)
    for t in (0, 700):
        diff = np.abs(s.frame(t).astype(int) - s.background(t)).max(2)
        assert diff[~s.foreground_mask(t)].max() <= 1
    # each person stands 5-25 s of every 30-60 s: over a minute, some pixels stay covered for 5 s and more
    run = np.zeros((180, 320), int)
    longest = np.zeros((180, 320), int)
    for m in masks:
        run = (run + 1) * m
        longest = np.maximum(longest, run)
    assert longest.max() >= 5  # 5 samples 1 s apart
    moved = [not np.array_equal(a, b) for a, b in zip(masks, masks[1:])]
    assert all(moved)  # and the crowd as a whole keeps moving


def test_shadows_darken_the_ground_but_are_not_foreground():
    s = vt.SyntheticTraffic(size=(320, 180), noise=0, drift=0, density=0.3, shadows=0.5, seed=1)
    t = 50
    frame, bg, mask = s.frame(t).astype(int), s.background(t).astype(int), s.foreground_mask(t)
    darker = (frame.sum(2) < bg.sum(2) * 0.6) & ~mask
    assert darker.sum() > 200                     # shadows beside the cars
    ratio = frame[darker] / np.maximum(bg[darker], 1)
    assert np.allclose(ratio, 0.5, atol=0.05)
    plain = vt.SyntheticTraffic(size=(320, 180), noise=0, drift=0, density=0.3, seed=1)
    np.testing.assert_array_equal(plain.foreground_mask(t), mask)


def test_cars_in_view_are_the_true_blobs():
    s = vt.SyntheticTraffic(size=(320, 180), noise=0, density=0.2, seed=2, stops=False)
    boxes = s.cars_in_view(30)
    mask = np.zeros((180, 320), bool)
    for x, y, w, h in boxes:
        assert 0 <= x and x + w <= 320 and w > 0
        mask[y:y + h, x:x + w] = True
    np.testing.assert_array_equal(mask, s.foreground_mask(30))
