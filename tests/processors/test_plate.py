import tracemalloc

import cv2
import numpy as np
import pytest

import videotools as vt
from videotools.processors import PlateModel


def mae(a, b):
    return float(np.abs(a.astype(np.float64) - b).mean())


def off(a, b, levels=20):
    """Share of pixels off by more than ``levels`` in some channel."""
    return float((np.abs(a.astype(np.int16) - b).max(2) > levels).mean())


def ground(h=64, w=96, seed=0):
    """A textured, smooth background (asphalt-like), float32."""
    rng = np.random.default_rng(seed)
    g = cv2.GaussianBlur(rng.normal(110, 25, (h, w, 3)).astype(np.float32), (0, 0), 1.5)
    return np.clip(g, 30, 220)


def shot(img, rng, noise=2.0):
    return np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.slow
def test_a_queue_from_the_first_frame_gives_way_to_the_road():
    """The bundled clip's scene: lane 2 waits 7 s from the first frame, then flows; at 20 s the plate is road."""
    scene = vt.SyntheticTraffic(size=(320, 180), seconds=20, seed=7, noise=1.5)
    plate, avg = PlateModel(), vt.BackgroundModel((0.01,))
    for t in range(500):
        f = scene.frame(t)
        plate.update(f)
        avg.update(f)
    truth = scene.background(499)
    assert mae(plate.plate, truth) < 1.5, mae(plate.plate, truth)
    assert off(plate.plate, truth) < 0.005
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


def test_something_that_stood_long_and_left_gives_the_background_seen_before_and_after():
    """A person stands 24 s of a 34 s clip (most of it: a median shows the person); 4 s after they leave,
    the plate is the room seen before and after, not the person and not a blend."""
    rng = np.random.default_rng(0)
    room = ground()
    person = room.copy()
    person[10:60, 30:55] = (150, 40, 60)
    person[15:25, 36:48] = (220, 180, 150)
    walker = room.copy()
    walker[:, 25:60] = 30                  # someone walks past now and then: the room comes back after
    frames = ([shot(walker if t % 50 < 20 else room, rng) for t in range(150)]
              + [shot(person, rng) for _ in range(600)] + [shot(room, rng) for _ in range(100)])
    m = PlateModel()
    for f in frames:
        m.update(f)
    median = np.median(np.stack(frames[::10]), axis=0)
    assert mae(median, room) > 10                  # the person is in the median ...
    assert mae(m.plate, room) < 1.5, mae(m.plate, room)   # ... not in the plate
    assert off(m.plate, room, 12) == 0


def test_a_car_that_parks_for_good_is_absorbed_after_absorb_frames():
    rng = np.random.default_rng(1)
    road = ground(seed=1)
    car = road.copy()
    car[20:40, 20:60] = (200, 30, 30)
    passer = road.copy()
    passer[:, 10:70] = 240
    m = PlateModel(every=1, absorb_frames=100)
    for t in range(60):                            # the road, and a car passing over it at 20
        m.update(shot(passer if 20 <= t < 24 else road, rng))
    for _ in range(95):
        m.update(shot(car, rng))
    assert mae(m.plate[20:40, 20:60], road[20:40, 20:60]) < 2      # 95 frames: still the road
    for _ in range(15):
        m.update(shot(car, rng))
    assert mae(m.plate[20:40, 20:60], car[20:40, 20:60]) < 2       # 110: part of the scene


def test_noise_rain_and_compression_blocks_never_freeze_into_the_plate():
    """Sensor noise, raindrops (bright 2x2 spots, 30 a frame) and compression blocks (4x4 and 8x8 blocks off by
    up to 40 levels, 20 a frame, each lasting 3 frames), at random places: no pixel ends off by more than 10."""
    rng = np.random.default_rng(2)
    bg = ground(seed=2)
    blocks: list[tuple[int, int, int, float, int]] = []
    m = PlateModel()
    for t in range(500):
        f = bg + rng.normal(0, 3, bg.shape)
        for _ in range(30):
            y, x = rng.integers(0, 62), rng.integers(0, 94)
            f[y:y + 2, x:x + 2] += 70
        blocks = [b for b in blocks if b[4] > t] + [
            (int(rng.integers(0, 16)) * 4, int(rng.integers(0, 24)) * 4, int(rng.choice([4, 8])),
             float(rng.uniform(-40, 40)), t + 3) for _ in range(20)]
        for y, x, s, v, _ in blocks:
            f[y:y + s, x:x + s] += v
        frame = np.clip(f, 0, 255).astype(np.uint8)
        m.update(frame)
    d = np.abs(m.plate.astype(np.int16) - bg).max(2)
    assert d.max() <= 10, d.max()
    assert mae(m.plate, bg) < 2.0, mae(m.plate, bg)


def test_lighting_is_followed_to_the_end_and_a_short_exposure_dip_is_not():
    rng = np.random.default_rng(3)
    bg = ground(seed=3)
    m = PlateModel()
    gains = np.linspace(1.0, 0.55, 600)           # dusk: the light falls by 45 % over 24 s
    for g in gains:
        m.update(shot(bg * g, rng))
    end = bg * gains[-1]
    assert mae(m.plate, end) < 2.0, mae(m.plate, end)
    assert mae(m.plate, bg * gains.mean()) > 15   # not the mean over the clip
    for _ in range(200):                          # the light holds; then a white car makes the camera expose
        m.update(shot(end, rng))                  # down for 1.6 s: the plate keeps the scene's light
    for _ in range(40):
        m.update(shot(end * 0.6, rng))
    assert mae(m.plate, end) < 2.0, mae(m.plate, end)
    for _ in range(100):                          # ... but a change that lasts is followed
        m.update(shot(end * 0.6, rng))
    assert mae(m.plate, end * 0.6) < 2.0, mae(m.plate, end * 0.6)


def test_memory_is_within_the_stated_bound():
    size = (640, 360)
    bound = PlateModel.memory_bytes(size)
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    m = PlateModel(every=1)
    tracemalloc.start()
    try:
        for i in range(8):
            m.update(a if i % 2 else b)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m.nbytes <= bound
    assert peak <= bound, (peak, bound)
    assert PlateModel.memory_bytes((1920, 1080)) < 300e6


def test_every_frame_is_a_sample_only_every_n():
    scene = vt.SyntheticTraffic(size=(96, 64))
    m = PlateModel(every=4)
    for t in range(9):
        m.update(scene.frame(t))
    assert (m.t, m.samples) == (9, 3)


@pytest.mark.parametrize("size", [(1, 1), (3, 5), (7, 2)])
def test_tiny_frames(size):
    w, h = size
    m = PlateModel(every=1)
    for v in (10, 10, 200, 200, 200):
        m.update(np.full((h, w, 3), v, np.uint8))
    assert m.plate.shape == (h, w, 3)


@pytest.mark.parametrize("kw,msg", [
    ({"every": 0}, "every must be an integer >= 1, got 0"),
    ({"threshold": float("nan")}, "threshold must be in"),
    ({"still": 300}, "still must be in \\(0, 256\\) grey levels, got 300"),
    ({"modes": 1}, "modes must be an integer >= 2, got 1"),
    ({"absorb_frames": True}, "absorb_frames must be an integer >= 1, got True"),
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
