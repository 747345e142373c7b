import time

import numpy as np
import pytest

import videotools as vt
from tests.conftest import FakeCapture, frame_number, memory_growth
from videotools.live import LiveChain, Recorder


def test_a_slow_chain_always_gets_the_newest_frame_none_queued():
    """Latest-frame mode: the frame the chain gets next is the newest captured when it asked, never a queued one.

    States, not clocks: the slow processor waits until the camera has captured three newer
    frames, notes the newest, and the next frame handed over must be that one or newer (one
    behind at most: the capture thread may have counted a frame it has not yet handed over).
    Latency in milliseconds is measured by benchmarks/live.py.
    """
    cam = FakeCapture(fps=200, size=(320, 240))
    src = vt.CameraSource(0, mode="latest", capture_factory=lambda d: cam)
    got, newest = [], []

    def slow(frame):
        n = frame_number(frame)
        got.append(n)
        if len(got) == 1:  # read while the source opened, before its grabber thread started
            return frame
        deadline = time.monotonic() + 30
        while cam.n - 1 < n + 3:  # three newer frames captured meanwhile
            assert time.monotonic() < deadline, "the camera stopped capturing"
            time.sleep(0.002)
        with cam.lock:
            newest.append(cam.n - 1)
        return frame

    stats = vt.Pipeline(src, [slow], [], max_frames=25).run()
    assert stats.frames == 25 and len(got) == 25
    assert all(b >= a - 1 for a, b in zip(newest, got[2:])), list(zip(newest, got[2:]))  # no old frame queued
    assert src.dropped >= 2 * 23  # at least two of every three captured frames were never handed over


@pytest.mark.filterwarnings("ignore:only 1 distinct colours")
def test_memory_stays_flat_with_a_live_camera():
    cam = FakeCapture(fps=1000, size=(320, 240))
    src = vt.CameraSource(0, capture_factory=lambda d: cam)
    live = LiveChain([vt.Posterize(k=4)], source=src)
    assert memory_growth(src, [live], 30, 400) < 1_000_000


def test_live_chain_keys_snapshot_recording_and_overlay(tmp_path):
    scene = vt.SyntheticTraffic(size=(160, 90), noise=0)
    rec = Recorder(tmp_path, fps=25)
    post = vt.Posterize(k=4)
    live = LiveChain([post], recorder=rec, snapshot_dir=tmp_path)
    out = live(scene.frame(0))
    assert len(np.unique(out.reshape(-1, 3), axis=0)) <= 4
    assert set("hvbsor+-").issubset(live.keys)
    assert live.keys["o"][0]().startswith("recording ")
    for t in range(1, 11):
        rec.write(live(scene.frame(t)))
    assert "REC" in " ".join(live.overlay_lines())
    assert live.keys["o"][0]().startswith("saved ")
    assert live.keys["s"][0]().startswith("saved snapshot-")
    live.keys["v"][0]()
    side = live(scene.frame(11))
    assert side.shape == (90, 160, 3)
    live.keys["b"][0]()
    bg = live(scene.frame(12))
    assert bg.shape == (90, 160, 3)
    live.keys["h"][0]()
    assert live.overlay_lines() == []
    (video,) = rec.written
    with vt.open_source(video) as src:
        assert sum(1 for _ in src) == 10
    assert vt.read_image(live.snapshots[0]).shape == (90, 160, 3)


def test_recording_is_finalized_when_the_camera_is_unplugged(tmp_path):
    cam = FakeCapture(fps=200, size=(160, 120), lost_after_frames=60)
    src = vt.CameraSource(0, capture_factory=lambda d: cam, lost_after=0.3)
    rec = Recorder(tmp_path, fps=30)
    rec.start()
    stats = vt.Pipeline(src, [], [rec]).run()
    assert "stopped delivering frames" in stats.warning and cam.released
    with vt.open_source(rec.written[0]) as back:
        assert sum(1 for _ in back) == stats.frames > 0


def test_live_without_display_says_so(monkeypatch):
    from tests.conftest import cli

    r = cli("live", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert r.returncode == 1
    assert r.stderr.strip() == ("videotools: error: cannot open a window: no display (DISPLAY is not set); "
                                "use --out FILE or --serve PORT instead")


def test_a_processors_own_key_wins():
    bg = vt.Background(view="background")
    live = LiveChain([bg])
    assert live.keys["b"][0]() == "view: side-by-side"  # the background command's b cycles its views
    assert LiveChain([vt.Posterize()]).keys["b"][0]() == "background view"
