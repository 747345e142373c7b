"""Fixtures of the watch tests: a synthetic clip with keyframes every 0.5 s, a real one with sound, a UDP sender."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg
import pytest

import videotools as vt
from tests.conftest import ROOT

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CARS = ROOT.parent / "shared" / "media" / "car-detection.mp4"


def make_scene_clip(path: Path, *, seconds: float, size: tuple[int, int] = (320, 180), seed: int = 3) -> Path:
    """The synthetic traffic scene as H.264 in MP4, 25 fps, a keyframe every 12 frames (segments cut often)."""
    scene = vt.SyntheticTraffic(size=size, seconds=seconds, seed=seed)
    tb = Fraction(1, 25)
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=25, options={"g": "12", "preset": "veryfast", "crf": "23"})
        v.width, v.height, v.pix_fmt, v.time_base = size[0], size[1], "yuv420p", tb
        for i, frame in enumerate(scene):
            f = av.VideoFrame.from_ndarray(frame, format="rgb24")
            f.pts, f.time_base = i, tb
            out.mux(v.encode(f))
        out.mux(v.encode(None))
    return path


@pytest.fixture(scope="session")
def scene_clip(tmp_path_factory) -> Path:
    """6 s of the synthetic scene (seed 3), 320x180."""
    return make_scene_clip(tmp_path_factory.mktemp("watch-media") / "scene.mp4", seconds=6)


@pytest.fixture(scope="session")
def cars_clip(tmp_path_factory) -> Path:
    """The real clip's first 6 s at 320x180, H.264 with a keyframe every 12 frames, and its AAC sound."""
    path = tmp_path_factory.mktemp("watch-media") / "cars.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-t", "6", "-i", str(CARS), "-vf", "scale=320:180", "-c:v", "libx264",
                    "-g", "12", "-preset", "veryfast", "-c:a", "aac", "-b:a", "64k", str(path)], check=True,
                   timeout=120)
    return path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send_udp(clip: Path, port: int) -> subprocess.Popen:
    """The bundled ffmpeg sending ``clip`` over and over, at its own rate, as MPEG-TS to udp://127.0.0.1:port."""
    return subprocess.Popen([FFMPEG, "-v", "quiet", "-re", "-stream_loop", "-1", "-i", str(clip), "-c", "copy",
                             "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ffmpeg_errors(path: Path) -> list[str]:
    r = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True,
                       timeout=120)
    return r.stderr.splitlines()


def duration(path: Path) -> float:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return sum(1 for _ in c.demux(v) if _.dts is not None) / float(v.average_rate or 25)


def status(out: Path, name: str) -> dict[str, Any]:
    try:
        return json.loads((out / name / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
