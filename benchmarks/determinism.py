"""What same-bytes-everywhere costs: x264 on a fixed thread count against FFmpeg's default, on real footage.

x264's output follows its thread count; FFmpeg's default (1.5 threads per core) therefore gives other bytes
on a machine with another number of cores. ``VideoSink`` pins ``ENCODER_THREADS`` instead. This times the
encoder alone (frames decoded and scaled beforehand, libx264 veryfast crf 23, as ``VideoSink`` writes them)
with the pinned count and with FFmpeg's default, taking turns, and checks that each gives the same bytes
every run. Prints JSON.

    python benchmarks/determinism.py [--frames 150] [--runs 5] [--sizes 480p,720p,1080p]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, result  # noqa: E402

from videotools.sinks.video import ENCODER_THREADS  # noqa: E402

CLIP = Path(__file__).resolve().parents[2] / "shared" / "media" / "car-detection.mp4"
SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


def frames(size: tuple[int, int], n: int) -> list[av.VideoFrame]:
    """The first ``n`` frames of the real clip, scaled to ``size``, as yuv420p."""
    with av.open(str(CLIP)) as c:
        out = []
        for f in c.decode(video=0):
            out.append(f.reformat(width=size[0], height=size[1], format="yuv420p"))
            if len(out) == n:
                return out
    return out


def encode(clip: list[av.VideoFrame], threads: int | None) -> tuple[float, str]:
    """(seconds, md5) of encoding ``clip`` to an in-memory MP4."""
    buf = io.BytesIO()
    t = time.perf_counter()
    with av.open(buf, "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=Fraction(25))
        v.width, v.height, v.pix_fmt = clip[0].width, clip[0].height, "yuv420p"
        v.codec_context.options = {"crf": "23", "preset": "veryfast"}
        v.codec_context.thread_type = "AUTO"
        if threads:
            v.codec_context.thread_count = threads
        for i, f in enumerate(clip):
            f.pts, f.time_base = i, Fraction(1, 25)
            out.mux(v.encode(f))
        out.mux(v.encode(None))
    return time.perf_counter() - t, hashlib.md5(buf.getvalue()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="480p,720p,1080p")
    args = ap.parse_args()
    rows = []
    for name in args.sizes.split(","):
        clip = frames(SIZES[name], args.frames)
        times: dict[str, list[float]] = {"pinned": [], "default": []}
        hashes: dict[str, set[str]] = {"pinned": set(), "default": set()}
        encode(clip, ENCODER_THREADS)  # warm-up
        for _ in range(args.runs):
            for side, threads in (("pinned", ENCODER_THREADS), ("default", None)):
                dt, md5 = encode(clip, threads)
                times[side].append(dt)
                hashes[side].add(md5)
        pinned, default = (len(clip) / statistics.median(times[s]) for s in ("pinned", "default"))
        rows.append(result(f"{name} encode, {ENCODER_THREADS} threads", "fps", pinned,
                           baseline="FFmpeg's default threads", baseline_value=default, runs=args.runs,
                           higher_is_better=True,
                           distinct_outputs={s: len(h) for s, h in hashes.items()}))
    emit("determinism", rows, cores=os.cpu_count(), clip=CLIP.name)


if __name__ == "__main__":
    main()
