"""Same frames, same options -> same bytes: whatever the load, the core count, or a processor's buffer reuse."""

import hashlib
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT
from videotools.frames import YuvFrame

REAL = ROOT.parent / "shared" / "media" / "car-detection.mp4"
ENCODE = """
import sys, videotools as vt
with vt.open_source(sys.argv[1], end=2) as src, vt.VideoSink(sys.argv[2], fps=src.fps, overwrite=True) as sink:
    for f in src:
        sink.write(f[:, ::-1], src.time)
"""


def _encode_on(cores: set[int], clip, out) -> str:
    """Encode ``clip`` (flipped, from RGB) in a process that may run only on ``cores``; the output's md5."""
    subprocess.run([sys.executable, "-c", ENCODE, str(clip), str(out)], check=True, timeout=120,
                   preexec_fn=lambda: os.sched_setaffinity(0, cores))
    return hashlib.md5(out.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and two cores")
def test_the_same_bytes_on_one_core_and_on_two(tmp_path):
    """x264's output follows its thread count, which FFmpeg derives from the cores it may use: pinned, it does not."""
    clip = REAL if REAL.exists() else ROOT / "samples" / "traffic.mp4"
    one = _encode_on({min(os.sched_getaffinity(0))}, clip, tmp_path / "one.mp4")
    two = _encode_on(set(os.sched_getaffinity(0)), clip, tmp_path / "two.mp4")
    assert one == two


def test_a_queued_planar_frame_is_encoded_as_it_was_written_even_if_its_buffer_is_reused(tmp_path):
    """Frames handed to the writer thread are encoded with the pixels they had when written (crf 0 is lossless)."""
    h, w = 64, 96
    path = tmp_path / "reused.mkv"
    buffer = np.empty((h * 3 // 2, w), np.uint8)
    stop = threading.Event()

    def load():  # keeps a core busy, so that the writer thread falls behind
        x = np.random.default_rng(0).random(200_000)
        while not stop.is_set():
            np.sort(x)

    busy = threading.Thread(target=load, daemon=True)
    busy.start()
    try:
        with vt.VideoSink(path, fps=25, crf=0, queue_size=8) as sink:
            for i in range(40):
                buffer[:h] = 20 + 5 * i      # luma tells the frame's number
                buffer[h:] = 128
                sink.write_yuv(YuvFrame(buffer), i / 25)  # the same buffer every time
    finally:
        stop.set()
        busy.join()
    with vt.open_source(path) as src:
        lumas = [int(np.round(np.mean(f.astype(float) @ [0.299, 0.587, 0.114]))) for f in src]
    assert len(lumas) == 40
    want = [int(np.round((20 + 5 * i - 16) * 255 / 219)) for i in range(40)]
    assert all(abs(a - b) <= 1 for a, b in zip(lumas, want)), (lumas, want)


@pytest.mark.slow
def test_run_posterize_and_background_give_the_same_bytes_twice(tmp_path):
    """The same command twice, each beside a process that keeps a core busy: byte-identical outputs."""
    clip = REAL if REAL.exists() else ROOT / "samples" / "traffic.mp4"
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for run in ("a", "b"):
            d = tmp_path / run
            (d / "bg").mkdir(parents=True)
            vt.process(clip, [vt.Flip(axis="h")], out=[str(d / "flip.mp4"), str(d / "flip.mkv")],
                       seek=vt.Seek(end=2))
            vt.posterize(clip, k=5, out=str(d / "poster.mp4"), palette_out=d / "pal.json", seek=vt.Seek(end=2))
            r = subprocess.run([sys.executable, "-m", "videotools", "background", str(clip), "--end", "2",
                                "--save-dir", str(d / "bg"), "-q"], capture_output=True, text=True, timeout=120,
                               cwd=d)
            assert r.returncode == 0, r.stderr
    finally:
        busy.kill()
        busy.wait()
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) >= 6, files  # two videos, the posterized video, its palette, and the background's images
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
