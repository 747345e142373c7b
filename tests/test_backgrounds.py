"""vt.background: the background command as one call; every output checked before the first frame."""

import os

import cv2
import numpy as np
import pytest

import videotools as vt
from tests.cli.helpers import invoke
from videotools.errors import SinkError

SCENE = "synthetic:traffic?size=96x64&seconds=1"


class Still:
    """A plain source that remembers whether it was read."""

    def __init__(self):
        self.info = vt.StreamInfo(fps=5.0, size=(32, 24))
        self.time = 0.0
        self.read = False

    def __iter__(self):
        self.read = True
        for i in range(5):
            self.time = i / 5.0
            yield np.full((24, 32, 3), 100, np.uint8)

    def close(self):
        pass


def test_background_saves_the_plate_and_one_png_per_alpha(tmp_path):
    stats = vt.background(SCENE, save_dir=tmp_path, alphas=(0.5,), stats_out=tmp_path / "fg.csv")
    assert stats.frames == 25
    assert stats.extra["images"] == [str(tmp_path / "synthetic-traffic-background-plate.png"),
                                     str(tmp_path / "synthetic-traffic-background-alpha0.5.png")]
    for p in stats.extra["images"]:
        assert cv2.imread(p).shape == (64, 96, 3)
    assert len((tmp_path / "fg.csv").read_text().splitlines()) == 26  # header and one row a frame


def test_a_plain_source_is_learnt_exactly(tmp_path):
    stats = vt.background(Still(), save_dir=tmp_path)
    plate = cv2.imread(str(tmp_path / "source-background-plate.png"))
    assert stats.frames == 5 and plate.shape == (24, 32, 3) and np.all(plate == 100)


@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A folder the process may not write (os.access says so even when the tests run as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    real = os.access

    def access(path, mode, **kw):
        return real(path, mode) and not (os.fspath(path) == str(folder) and mode & os.W_OK)

    monkeypatch.setattr(os, "access", access)
    return folder


def test_a_read_only_save_dir_fails_before_the_first_frame(read_only):
    src = Still()
    with pytest.raises(SinkError, match="read-only"):
        vt.background(src, save_dir=read_only)
    assert not src.read


def test_the_command_fails_at_once_in_one_line_on_a_read_only_save_dir(read_only, monkeypatch):
    import videotools.sources as sources

    opened = []
    monkeypatch.setattr(sources, "open_source", lambda *a, **kw: opened.append(a))
    r = invoke("background", SCENE, "--save-dir", str(read_only))
    assert opened == []  # failed before the source was opened, let alone decoded
    assert r.returncode == 1 and "read-only" in r.stderr
    assert len(r.stderr.splitlines()) == 1 and "frames in" not in r.stderr
    assert not list(read_only.iterdir())
