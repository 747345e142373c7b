"""Fixtures of the batch tests: small clips (constant and variable rate, with sound) and a Dask cluster."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT

pytest.importorskip("dask.distributed")


def make_clip(path: Path, *, seconds: float, seed: int, crf: int = 18) -> Path:
    """A 160x90 synthetic traffic clip at 25 fps."""
    with vt.open_source(f"synthetic:traffic?size=160x90&seconds={seconds:g}&seed={seed}") as src, \
            vt.VideoSink(path, fps=25, crf=crf) as sink:
        for f in src:
            sink.write(f, src.time)
    return path


def make_vfr(path: Path, *, frames: int = 240, seed: int = 0, audio: bool = False,
             durations: list[int] | None = None) -> Path:
    """A 160x90 H.264 MP4 whose frames last 20, 33, 40 or 67 ms (seeded), optionally with an AAC tone.

    ``durations``: each frame's duration in ms instead (as many frames as given).
    """
    rng = np.random.default_rng(seed)
    if durations is not None:
        frames = len(durations)
    scene = vt.SyntheticTraffic(size=(160, 90), noise=2)
    tb = Fraction(1, 1000)
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=30)
        v.width, v.height, v.pix_fmt, v.time_base = 160, 90, "yuv420p", tb
        v.codec_context.time_base = tb
        a = out.add_stream("aac", rate=48000) if audio else None
        t = 0
        for i in range(frames):
            fr = av.VideoFrame.from_ndarray(scene.frame(i), format="rgb24")
            fr.pts, fr.time_base = t, tb
            t += durations[i] if durations is not None else int(rng.choice([20, 33, 40, 67]))
            for p in v.encode(fr):
                out.mux(p)
        for p in v.encode(None):
            out.mux(p)
        if a is not None:
            n = int(48 * t)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)
            for s in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(tone[None, s:s + 1024], format="fltp", layout="mono")
                af.sample_rate, af.pts, af.time_base = 48000, s, Fraction(1, 48000)
                for p in a.encode(af):
                    out.mux(p)
            for p in a.encode(None):
                out.mux(p)
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """``long``: 12 s at 25 fps (300 frames); ``short``: 2 s; ``vfr``: 240 frames at variable rate, with sound;
    ``slow_start``: 4 s at 5 fps then 3 s at 100 fps (320 frames, 20 in the first 4 s)."""
    d = tmp_path_factory.mktemp("batch-clips")
    return {"long": make_clip(d / "long.mp4", seconds=12, seed=4), "short": make_clip(d / "short.mp4", seconds=2,
                                                                                     seed=1),
            "vfr": make_vfr(d / "vfr.mp4", audio=True),
            "slow_start": make_vfr(d / "slow_start.mp4", durations=[200] * 20 + [10] * 300)}


MEDIA = ROOT.parent / "shared" / "media"
CARS = MEDIA / "car-detection.mp4"
"""Real footage: 768x432 H.264 at 12.5 fps, 30 s (377 frames), AAC sound."""


def ffmpeg_errors(path: Path) -> list[str]:
    """The lines ``ffmpeg -v error`` prints decoding ``path`` (none for a clean file)."""
    import subprocess

    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                       capture_output=True, text=True, timeout=120)
    return r.stderr.splitlines()


@contextlib.contextmanager
def dask_cluster(home: Path, *, workers: int = 2) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1, started by hand as a user would,
    each in a folder of its own under ``home`` and a session of its own (a worker's nanny and the process it
    starts end together). Yields the scheduler's address and the workers' processes."""
    from dask.distributed import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []

    def start(*args: str, cwd: Path) -> None:
        cwd.mkdir(parents=True)
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=cwd, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard", cwd=home / "scheduler")
        for i in range(workers):
            start("worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1",
                  "--memory-limit", "0", cwd=home / f"worker{i}")
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="2s") as c:
                    c.wait_for_workers(workers, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address, procs[1:]
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two single-threaded worker processes, shared by a module's tests."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as c:
        yield c


def frames_of(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Every frame of a video and its time."""
    frames, times = [], []
    with vt.open_source(path) as src:
        for f in src:
            frames.append(f)
            times.append(src.time)
    return frames, times
