"""Shared fixtures: small generated clips, a fake camera, and an Xvfb display."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import videotools as vt

ROOT = Path(__file__).resolve().parents[1]

# A suite started in the background by a script (`cmd &` without job control) inherits SIGINT ignored, and so
# would every command the tests start: then a test's Ctrl-C would be lost. Children get the default back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
SAMPLE = ROOT / "samples" / "traffic.mp4"


def cli(*args: str, timeout: float = 120, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """Run ``python -m videotools ARGS`` in a subprocess (the real entry point, real stderr)."""
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "videotools", *args], capture_output=True, text=True,
                          timeout=timeout, env=e, **kw)


def memory_growth(source, processors, first: int, last: int) -> int:
    """Bytes Python holds after frame ``last`` beyond what it held after frame ``first`` of a pipeline run."""
    import tracemalloc

    seen = []

    def probe(step):
        if step.index in (first, last):
            seen.append(tracemalloc.get_traced_memory()[0])

    tracemalloc.start()
    try:
        vt.Pipeline(source, processors, [], max_frames=last + 1, on_frame=probe).run()
    finally:
        tracemalloc.stop()
    return seen[1] - seen[0]


def ffmpeg_clip(folder: Path, *args: str, frames: int = 6, noise: float = 2) -> Path:
    """A lossless 320x180 synthetic clip re-encoded by ffmpeg with ``args`` (colour tags, pixel format)."""
    import imageio_ffmpeg

    src = folder / "src.mkv"
    scene = vt.SyntheticTraffic(size=(320, 180), noise=noise)
    with vt.VideoSink(src, fps=25, crf=0, overwrite=True) as sink:
        for t in range(frames):
            sink.write(scene.frame(t))
    clip = folder / "tagged.mkv"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(src), "-c:v", "libx264",
                    "-crf", "0", *args, str(clip)], check=True)
    return clip


@pytest.fixture
def stalled_stream(tmp_path):
    """The URL of an HTTP MPEG-TS stream that sends about 8 s of a 16 s clip, then nothing more."""
    import http.server

    import imageio_ffmpeg

    long = tmp_path / "long.mp4"  # long enough that half of it satisfies ffmpeg's probing
    with vt.open_source("synthetic:traffic?size=160x90&seconds=16&seed=2") as src, \
            vt.VideoSink(long, fps=25) as sink:
        for f in src:
            sink.write(f)
    ts = tmp_path / "live.ts"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(long), "-c", "copy", "-f", "mpegts",
                    str(ts)], check=True)
    data, release = ts.read_bytes(), threading.Event()

    class Stalling(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            release.wait(60)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/live.ts"
    release.set()
    server.shutdown()


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A 2-second 160x90 synthetic traffic MP4 (50 frames)."""
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    with vt.open_source("synthetic:traffic?size=160x90&seconds=2&seed=3") as src, \
            vt.VideoSink(path, fps=src.fps, crf=10) as sink:
        for f in src:
            sink.write(f)
    return path


class FakeCapture:
    """A stand-in for cv2.VideoCapture: frames numbered in their pixels, at ``fps``.

    ``frame[0, 0, 0]`` and ``frame[0, 0, 1]`` hold the frame number (low/high byte);
    ``stamps[n]`` is the time frame n was captured. After ``lost_after_frames`` the
    camera "is unplugged": read() fails from then on.
    """

    def __init__(self, device=0, *, fps: float = 100.0, size=(64, 48), lost_after_frames: int | None = None):
        self.fps, self.size, self.lost_after = fps, size, lost_after_frames
        self.n = 0
        self.stamps: dict[int, float] = {}
        self.released = False
        self.opened = True
        self._next = time.monotonic()
        self.lock = threading.Lock()

    def isOpened(self):  # noqa: N802 - cv2's name
        return self.opened

    def set(self, prop, value):
        return True

    def get(self, prop):
        return self.fps

    def read(self):
        if self.released or (self.lost_after is not None and self.n >= self.lost_after):
            time.sleep(0.01)
            return False, None
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(self._next + 1 / self.fps, time.monotonic() - 1 / self.fps)
        w, h = self.size
        img = np.zeros((h, w, 3), np.uint8)
        with self.lock:
            n = self.n
            self.n += 1
            self.stamps[n] = time.monotonic()
        img[0, 0, 0] = n & 255  # BGR order: channel 0 is blue here
        img[0, 0, 1] = (n >> 8) & 255
        return True, img

    def release(self):
        self.released = True


def frame_number(rgb: np.ndarray) -> int:
    """Decode FakeCapture's number from an RGB frame (its BGR channel 0 is RGB channel 2)."""
    return int(rgb[0, 0, 2]) | (int(rgb[0, 0, 1]) << 8)


@pytest.fixture(scope="session")
def xdisplay():
    """An Xvfb display for window tests; skipped where Xvfb is not installed."""
    xvfb = shutil.which("Xvfb")
    if not xvfb:
        pytest.skip("Xvfb is not installed (.ci/run installs it)")
    read, write = os.pipe()  # Xvfb picks a free display itself and writes its number here (no race
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write,))
    os.close(write)  # between test workers that start theirs at once)
    with os.fdopen(read) as fh:
        num = fh.readline().strip()
    if not num.isdigit():
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{num}"
    proc.terminate()
    proc.wait(5)


def ffmpeg_times(path) -> list[float]:
    """Presentation times (s, from the first) of every frame FFmpeg's own command line decodes from ``path``."""
    from fractions import Fraction

    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0",
                        "-fps_mode", "passthrough", "-f", "framemd5", "-"], capture_output=True, text=True, check=True)
    tb = Fraction(next(ln.split(":")[1].strip() for ln in r.stdout.splitlines() if ln.startswith("#tb 0")))
    pts = [int(ln.split(",")[2]) for ln in r.stdout.splitlines() if ln and not ln.startswith("#")]
    return [float((p - pts[0]) * tb) for p in pts]
