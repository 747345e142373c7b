import time

import pytest

import videotools as vt
from tests.conftest import FakeCapture, frame_number


def _wait(what, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while not what():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.002)


def test_latest_mode_drops_instead_of_queueing():
    cam = FakeCapture(fps=200)
    src = vt.CameraSource(0, mode="latest", capture_factory=lambda d: cam)
    got = []
    with src:
        frames = iter(src)
        got += [frame_number(next(frames)), frame_number(next(frames))]  # the grabber runs from the second
        for _ in range(10):  # a slow consumer: the camera delivers 5 more frames before each is taken
            ahead = got[-1] + 6
            _wait(lambda ahead=ahead: cam.n >= ahead)
            got.append(frame_number(next(frames)))
            assert got[-1] >= ahead - 2  # the newest (or the one being stored), not the next one queued
    assert got == sorted(got) and len(set(got)) == len(got)
    assert src.dropped >= got[-1] + 1 - len(got) >= 40  # every frame not taken was dropped, none queued
    assert cam.released


def test_every_mode_keeps_every_frame():
    cam = FakeCapture(fps=500)
    with vt.CameraSource(0, mode="every", capture_factory=lambda d: cam) as src:
        got = []
        for frame in src:
            got.append(frame_number(frame))
            if len(got) == 30:
                break
    assert got == list(range(30))


def test_unplugged_camera_ends_cleanly():
    cam = FakeCapture(fps=200, lost_after_frames=20)
    with vt.CameraSource(0, capture_factory=lambda d: cam, lost_after=0.3) as src:
        frames = list(src)
    assert 1 <= len(frames) <= 20
    assert "stopped delivering frames" in src.warning
    assert cam.released


def test_camera_that_does_not_open():
    cam = FakeCapture()
    cam.opened = False
    with pytest.raises(vt.SourceError, match="cannot open camera 3"):
        vt.CameraSource(3, capture_factory=lambda d: cam)
    assert cam.released


def test_camera_specs_route_to_camera(monkeypatch):
    seen = []

    class Cap(FakeCapture):
        def __init__(self, device):
            super().__init__()
            seen.append(device)

    monkeypatch.setattr("videotools.sources.camera.open_capture", Cap)
    for spec in ("0", "camera:1", "/dev/video2", "camera:/dev/video3"):
        with vt.open_source(spec) as src:
            assert isinstance(src, vt.CameraSource)
            assert next(iter(src)).shape == (48, 64, 3)
    assert seen == [0, 1, "/dev/video2", "/dev/video3"]


def test_list_cameras_reports_what_opens():
    def factory(i):
        cam = FakeCapture(size=(64, 48))
        cam.opened = i in (0, 2)
        return cam

    found = vt.list_cameras(4, capture_factory=factory)
    assert [(c["index"], c["device"], c["size"]) for c in found] == [(0, "/dev/video0", (64, 48)),
                                                                       (2, "/dev/video2", (64, 48))]


@pytest.mark.parametrize("kw,match", [
    ({"mode": "bogus"}, "camera mode must be latest or every, got 'bogus'"),
    ({"size": (0, 480)}, r"camera size must be \(width, height\) in 1..16384, got \(0, 480\)"),
    ({"size": (100000, 100000)}, "camera size"),
    ({"fps": float("nan")}, "camera fps must be a number in \\(0, 1000\\], got nan"),
    ({"fps": 0}, "camera fps"),
    ({"lost_after": -1}, "lost_after must be a number of seconds > 0, got -1"),
])
def test_bad_options_fail_before_the_device_is_touched(kw, match):
    opened = []
    with pytest.raises(vt.ParameterError, match=match):
        vt.CameraSource(0, capture_factory=lambda d: opened.append(d) or FakeCapture(), **kw)
    assert opened == []


def test_a_read_that_raises_counts_as_a_vanished_camera():
    import cv2

    class Raising(FakeCapture):
        def read(self):
            if self.n >= 5:
                raise cv2.error("device gone")
            return super().read()

    cam = Raising(fps=200)
    with vt.CameraSource(0, mode="every", capture_factory=lambda d: cam, lost_after=0.2) as src:
        frames = list(src)
    assert 1 <= len(frames) <= 5 and "stopped delivering frames" in src.warning


def test_list_cameras_checks_max_index():
    with pytest.raises(vt.ParameterError, match="max_index must be a whole number in 1..64, got 0"):
        vt.list_cameras(0)
