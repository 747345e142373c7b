import tracemalloc

import numpy as np
import pytest

import videotools as vt
from videotools.processors import PlateModel


def mae(a, b):
    return float(np.abs(a.astype(np.float64) - b).mean())


def test_a_queue_that_stands_for_most_of_the_clip_stays_out():
    """Lane 2 waits at its light for the first 7 of 10 s (the bundled clip's scene): the plate shows the road."""
    scene = vt.SyntheticTraffic(size=(320, 180), seconds=10, seed=7, noise=1.5)
    plate, avg = PlateModel(), vt.BackgroundModel((0.01,))
    for t in range(250):
        f = scene.frame(t)
        plate.update(f)
        avg.update(f)
    truth = scene.background(249)
    assert mae(plate.plate, truth) < 1.5, mae(plate.plate, truth)
    assert mae(avg.background(), truth) > 2 * mae(plate.plate, truth)
    y0, y1, _ = scene._lanes[2]
    assert np.abs(plate.plate[y0:y1].astype(int) - truth[y0:y1]).max(2).mean() < 3  # the queued lane is road


def test_a_queue_forming_on_a_road_already_seen_is_not_absorbed():
    """Lane 0 turns red at 8 s and waits 7 s: 6.9 s into the wait its cars are still not in the plate."""
    scene = vt.SyntheticTraffic(size=(320, 180), seed=4, density=0.3, noise=2)
    plate = PlateModel()
    for t in range(372):
        plate.update(scene.frame(t))
    queued = scene.foreground_mask(371)
    y0, y1, _ = scene._lanes[0]
    queued[:y0] = queued[y1:] = False
    assert queued.sum() > 500
    d = np.abs(plate.plate.astype(int) - scene.background(371)).max(2)
    assert (d[queued] > 25).mean() < 0.02, (d[queued] > 25).mean()


def test_lighting_drift_is_followed():
    scene = vt.SyntheticTraffic(size=(160, 90), seed=1, drift=0.15, density=0.2, noise=2)
    plate = PlateModel()
    for t in range(375):  # a quarter of the 60 s lighting period: the light changes by 15 %
        plate.update(scene.frame(t))
    truth = scene.background(374)
    assert mae(scene.background(0), truth) > 10
    assert mae(plate.plate, truth) < 2.0, mae(plate.plate, truth)


def test_a_ghost_gives_way_and_a_long_stay_is_absorbed():
    rng = np.random.default_rng(0)
    road = rng.integers(80, 100, (40, 60, 3), dtype=np.uint8)
    car = road.copy()
    car[10:30, 20:40] = (200, 30, 30)
    m = PlateModel(every=1, ghost_frames=10, absorb_frames=50)
    for _ in range(20):                    # the car is there from the first frame
        m.update(car)
    assert (m.plate[20, 30] == (200, 30, 30)).all()
    for _ in range(11):                    # it leaves: the road shows, still
        m.update(road)
    np.testing.assert_array_equal(m.plate, road)
    passer = road.copy()
    passer[:, :25] = 255
    for _ in range(3):                     # something passes over the left part and the road comes back
        m.update(passer)
    for _ in range(2):
        m.update(road)
    assert m.confirmed[:, :25].all() and not m.confirmed[:, 25:].any()
    for _ in range(40):                    # a car stands: kept out where the road was confirmed ...
        m.update(car)
    np.testing.assert_array_equal(m.plate[:, :25], road[:, :25])
    np.testing.assert_array_equal(m.plate[:, 25:], car[:, 25:])  # (unconfirmed: taken after ghost_frames)
    for _ in range(12):                    # ... until it has stood absorb_frames: a real change
        m.update(car)
    np.testing.assert_array_equal(m.plate, car)


def test_a_lighting_jump_retakes_the_picture():
    rng = np.random.default_rng(1)
    dark = rng.integers(40, 60, (30, 40, 3), dtype=np.uint8)
    m = PlateModel(every=1)
    for _ in range(5):
        m.update(dark)
    m.update(dark + 80)                    # the jump itself is motion ...
    m.update(dark + 80)                    # ... the next sample is still, and nothing agrees: retaken
    np.testing.assert_array_equal(m.plate, dark + 80)


def test_memory_at_1080p_is_within_the_stated_bound():
    bound = PlateModel.memory_bytes((1920, 1080))
    assert bound < 80e6  # the documented figure: 77 MB
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    m = PlateModel(every=1)
    tracemalloc.start()
    try:
        for i in range(5):
            m.update(a if i % 2 else b)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m.nbytes == 13 * 1920 * 1080
    assert peak <= bound, (peak, bound)


def test_every_frame_is_a_sample_only_every_n():
    scene = vt.SyntheticTraffic(size=(96, 64))
    m = PlateModel(every=4)
    for t in range(9):
        m.update(scene.frame(t))
    assert (m.t, m.samples) == (9, 3)


@pytest.mark.parametrize("kw,msg", [
    ({"every": 0}, "every must be an integer >= 1, got 0"),
    ({"threshold": float("nan")}, "threshold must be in"),
    ({"still": 300}, "still must be in \\(0, 256\\) grey levels, got 300"),
    ({"ghost_frames": 100, "absorb_frames": 10}, "absorb_frames \\(10\\) must be >= ghost_frames \\(100\\)"),
])
def test_bad_parameters(kw, msg):
    with pytest.raises(vt.ParameterError, match=msg):
        PlateModel(**kw)


def test_before_a_frame_and_size_change():
    m = PlateModel()
    with pytest.raises(vt.NotFittedError, match="no frame seen yet"):
        _ = m.plate
    m.update(np.zeros((20, 30, 3), np.uint8))
    with pytest.raises(vt.FrameError, match="frame size 40x20 differs from the plate's 30x20"):
        m.update(np.zeros((20, 40, 3), np.uint8))
