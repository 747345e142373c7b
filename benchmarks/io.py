"""Decode, encode and whole runs beside the bundled ffmpeg command doing the same work, in the same run.

Prints JSON. The ffmpeg command line (from imageio-ffmpeg) is the ceiling: its
decode to rgb24 (discarded) and its re-encode (libx264, same preset and crf).
Ratios are videotools throughput / ffmpeg throughput; the sides of each
comparison take turns run after run, and each figure is a median.

Two kinds of clip, per size (480p, 720p, 1080p):

**real**: the street footage of ``../shared/media/car-detection.mp4`` (30 s, 12.5 fps), scaled to
the size by the bundled ffmpeg (libx264 crf 18). Runs are whole ``videotools`` processes, start-up
included, as a user times them, against the ``ffmpeg`` process doing the same re-encode:
- run copy: ``videotools run clip --out o.mp4`` (no processor: the decoder's frames go to x264);
- run flip: ``videotools run clip --chain flip:axis=h --out o.mp4`` (a planar processor);
- run posterize: ``videotools posterize clip -k 8 --out o.mp4`` (fit on 5 keyframes included);
- run posterize numpy: the same with ``VIDEOTOOLS_KERNELS=numpy``: what runs where numba is missing.
Then posterize's fixed cost, in a fresh process as the command pays it, step by step: sampling 5
keyframes, k-means, and the first 1080p frame posterized (it waits for the RGB table, built on a
thread after the fit, and takes the RGB route): wall time, and CPU time of all threads. The Y, U, V
table is built meanwhile on a thread (``yuv_table_ready_after_s``: frames take the RGB route until
then), and numba's loops load on another (a palette asks for them after 30 frames; here right after
the first, ``numba_ready_after_s``: frames use numpy until then); nothing waits for either. With
numba's cache warm and cold (a new, empty ``NUMBA_CACHE_DIR``: the first run on a machine compiles
the kernels), and with ``VIDEOTOOLS_KERNELS=numpy``.

**synthetic**: the traffic scene with sensor noise of ``--noise`` grey levels, in process:
- decode: iterate RGB frames (``open_source``) vs ``ffmpeg -pix_fmt rgb24 -f rawvideo``;
- encode: ``VideoSink`` from RGB frames in memory vs ffmpeg from a raw rgb24 file;
- run copy / flip / fliprgb (the mirror as a plain RGB function: every frame to RGB and back);
- posterize k=8 (fit included) and posterize warm (palette and tables built before timing).
At noise 2 ffmpeg re-encodes 1080p to ~0.3-1.7 Mbit/s (cheaper than camera footage); at noise 4
to ~4 Mbit/s, like real street footage. Each row reports the rates.

The machine's load average is printed before and after: on a shared machine compare ratios.

    python benchmarks/io.py [--clips real,synthetic] [--sizes 480p,720p,1080p] [--runs 3] [--seconds 30]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, median_times, result  # noqa: E402

import videotools as vt  # noqa: E402
from videotools.sources import sample_frames  # noqa: E402

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
REAL = Path(__file__).resolve().parents[2] / "shared" / "media" / "car-detection.mp4"
REAL_CASES = "copy,flip,posterize,numpy,fixed"


def make_clip(path: Path, size: tuple[int, int], frames: int, noise: float = 2.0) -> list:
    scene = vt.SyntheticTraffic(size=size, seconds=frames / 25, noise=noise)
    sample = [scene.frame(t) for t in range(0, frames, max(1, frames // 12))][:12]
    with vt.VideoSink(path, fps=25, crf=20, preset="veryfast", overwrite=True) as sink:
        for t in range(frames):
            sink.write(scene.frame(t))
    return sample


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", default="real,synthetic")
    ap.add_argument("--frames", type=int, default=250, help="synthetic clips")
    ap.add_argument("--seconds", type=float, default=30.0, help="of the real footage (all of it: 30)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="480p,720p,1080p")
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--cases", default=None, help=f"real: {REAL_CASES}; synthetic: "
                    "decode,encode,copy,flip,fliprgb,posterize,warm")
    ap.add_argument("--noise", type=float, default=2.0, help="sensor noise of the synthetic clip (grey levels)")
    args = ap.parse_args()
    rows: list[dict] = []
    load = {"before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in args.sizes.split(","):
            if "real" in args.clips:
                rows += bench_real(name, args, Path(tmpdir))
                print(f"{name} real: done", file=sys.stderr)
            if "synthetic" in args.clips:
                rows += bench_size(name, args, Path(tmpdir))
                print(f"{name} synthetic: done", file=sys.stderr)
    load["after"] = os.getloadavg()
    emit("io", rows, frames=args.frames, seconds=args.seconds, preset=args.preset, crf=args.crf, noise=args.noise,
         load_average={k: [round(x, 2) for x in v] for k, v in load.items()},
         note="ratio = videotools fps / ffmpeg fps (1.0 = as fast as the ffmpeg command alone)")


_FIXED = """
import json, sys, time
t0 = time.perf_counter()
import cv2
from videotools.frames import YuvFrame
from videotools.kmeans import Palette, kernels
from videotools.sources import sample_frames
t = [time.perf_counter()]
c0 = time.process_time()
frames = sample_frames(sys.argv[1], 5)
t.append(time.perf_counter())
palette = Palette.fit(frames, 8).build_lookup(wait=False)  # as Posterize.fit: the tables on a thread
t.append(time.perf_counter())
first = YuvFrame(cv2.cvtColor(frames[0], cv2.COLOR_RGB2YUV_I420))
palette.apply_yuv(first)  # the first frame: waits for the RGB table, takes the RGB route
t.append(time.perf_counter())
cpu = time.process_time() - c0
while palette._yuv_tables((first.matrix, first.full_range), start=True) is None:  # the Y, U, V table, built meanwhile
    time.sleep(0.002)
tables = time.perf_counter()
loaded = kernels.i420_kernel() is not None  # numba's loops loaded (a run asks after 30 frames; numpy before)
ready = time.perf_counter()
d = [b - a for a, b in zip(t, t[1:])]
print(json.dumps({"imports_s": t[0] - t0, "sample_s": d[0], "kmeans_s": d[1], "first_frame_s": d[2],
                  "fixed_s": t[-1] - t[0], "fixed_cpu_s": cpu, "yuv_table_ready_after_s": tables - t[0],
                  "numba_ready_after_s": ready - t[0], "numba": loaded}))
"""


def fixed_cost(clip: Path, cache: str | None, runs: int, numpy: bool = False) -> dict:
    """Posterize's fixed cost in fresh processes (medians); ``cache``: a NUMBA_CACHE_DIR (a new one: cold)."""
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    if numpy:
        env["VIDEOTOOLS_KERNELS"] = "numpy"
    got = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _FIXED, str(clip)], env=env, check=True, capture_output=True,
                             text=True)
        got.append(json.loads(out.stdout))
    return {key: (sorted(g[key] for g in got)[len(got) // 2] if key != "numba" else got[0][key]) for key in got[0]}


def bench_real(name: str, args: argparse.Namespace, tmp: Path) -> list[dict]:
    """Whole processes on the real footage at one size: videotools commands against the ffmpeg command."""
    cases = (args.cases or REAL_CASES).split(",")
    w, h = SIZES[name]
    clip = tmp / f"real-{name}.mp4"
    ffmpeg("-i", str(REAL), "-t", str(args.seconds), "-an", "-vf", f"scale={w}:{h}", "-c:v", "libx264",
           "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(clip))
    with vt.open_source(clip) as src:
        n = src.info.frame_count
    out = tmp / "out.mp4"
    enc = ["--crf", str(args.crf), "--preset", args.preset, "-y", "-q", "--out", str(out)]
    cli = [sys.executable, "-m", "videotools"]
    numpy_env = {**os.environ, "VIDEOTOOLS_KERNELS": "numpy"}
    commands = {
        "ffmpeg": ([FFMPEG, "-v", "error", "-y", "-i", str(clip), "-c:v", "libx264", "-preset", args.preset,
                    "-crf", str(args.crf), "-pix_fmt", "yuv420p", str(out)], None),
        "copy": ([*cli, "run", str(clip), *enc], None),
        "flip": ([*cli, "run", str(clip), "--chain", "flip:axis=h", *enc], None),
        "posterize": ([*cli, "posterize", str(clip), "-k", "8", *enc], None),
        "numpy": ([*cli, "posterize", str(clip), "-k", "8", *enc], numpy_env),
    }
    fns = {case: (lambda c=cmd, e=env: subprocess.run(c, env=e, check=True))
           for case, (cmd, env) in commands.items() if case == "ffmpeg" or case in cases}
    rows = []
    if len(fns) > 1:
        t = median_times(fns, args.runs, warmup=0)
        paths = {"copy": "videotools run: the decoder's frames to x264",
                 "flip": "videotools run --chain flip:axis=h: the I420 planes mirrored (planar)",
                 "posterize": "videotools posterize -k 8: fit on 5 keyframes included, exact Y, U, V lookup (planar)",
                 "numpy": "the same with VIDEOTOOLS_KERNELS=numpy: the path without numba"}
        mbits = {"clip_mbit_s": round(clip.stat().st_size * 8 / args.seconds / 1e6, 2)}
        for case, path in paths.items():
            if case in t:
                rows.append(result(f"{name} real run {case}", "fps", n / t[case], baseline="ffmpeg re-encode",
                                   baseline_value=n / t["ffmpeg"], runs=args.runs, higher_is_better=True,
                                   path=path, frames=n, seconds=round(t[case], 2),
                                   ffmpeg_seconds=round(t["ffmpeg"], 2), **mbits))
    if "fixed" in cases:
        warm = fixed_cost(clip, None, args.runs)
        rows.append(result(f"{name} real posterize fixed cost, warm cache", "seconds", warm["fixed_s"],
                           runs=args.runs, **{k: round(v, 3) if isinstance(v, float) else v for k, v in warm.items()}))
        with tempfile.TemporaryDirectory() as cache:
            cold = fixed_cost(clip, cache, 1)
        rows.append(result(f"{name} real posterize fixed cost, cold cache (first run: kernels compiled)", "seconds",
                           cold["fixed_s"], runs=1,
                           **{k: round(v, 3) if isinstance(v, float) else v for k, v in cold.items()}))
        plain = fixed_cost(clip, None, args.runs, numpy=True)
        rows.append(result(f"{name} real posterize fixed cost, numpy path", "seconds", plain["fixed_s"],
                           runs=args.runs, **{k: round(v, 3) if isinstance(v, float) else v for k, v in plain.items()}))
    return rows


def bench_size(name: str, args: argparse.Namespace, tmp: Path) -> list[dict]:
    """Every case at one frame size."""
    n, runs = args.frames, args.runs
    cases = set((args.cases or "decode,encode,copy,flip,fliprgb,posterize,warm").split(","))
    enc = vt.Encoding(crf=args.crf, preset=args.preset)
    x264 = ["-c:v", "libx264", "-preset", args.preset, "-crf", str(args.crf), "-pix_fmt", "yuv420p"]
    rows = []
    size = SIZES[name]
    clip = tmp / f"{name}.mp4"
    sample = make_clip(clip, size, n, args.noise)
    out = tmp / "out.mp4"

    if "decode" in cases:
        def decode() -> None:
            with vt.open_source(clip) as src:
                assert sum(1 for _ in src) == n

        t = median_times({"ours": decode, "ffmpeg": lambda: ffmpeg(
            "-i", str(clip), "-pix_fmt", "rgb24", "-f", "rawvideo", "/dev/null")}, runs)
        rows.append(result(f"{name} decode", "fps", n / t["ours"], baseline="ffmpeg decode to rgb24",
                           baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True))

    if "encode" in cases:
        raw = tmp / "raw.rgb"
        with open(raw, "wb") as fh:
            for i in range(n):
                fh.write(sample[i % len(sample)].tobytes())

        def encode() -> None:
            with vt.VideoSink(out, fps=25, crf=args.crf, preset=args.preset, overwrite=True) as sink:
                for i in range(n):
                    sink.write(sample[i % len(sample)])

        t = median_times({"ours": encode, "ffmpeg": lambda: ffmpeg(
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", "25", "-i", str(raw),
            *x264, str(out))}, runs)
        rows.append(result(f"{name} encode", "fps", n / t["ours"], baseline="ffmpeg encode from raw rgb24",
                           baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True))
        raw.unlink()

    def run(make_processors):  # type: ignore[no-untyped-def]
        def fn() -> None:
            stats = vt.process(str(clip), make_processors(), out=str(out), overwrite=True, encoding=enc)
            assert stats.frames == n
        return fn

    def posterize() -> list:  # as `videotools posterize` does: fit on 5 frames spread over the clip
        proc = vt.Posterize(k=8)
        proc.fit(sample_frames(str(clip), 5))
        return [proc]

    fns_args = ("-i", str(clip), *x264, str(out))
    fns = {"ffmpeg": lambda: ffmpeg(*fns_args)}
    if "copy" in cases:
        fns["copy"] = run(list)
    if "flip" in cases:
        fns["flip"] = run(lambda: [vt.Flip(axis="h")])
    if "fliprgb" in cases:
        fns["fliprgb"] = run(lambda: [lambda frame: cv2.flip(frame, 1)])
    if "posterize" in cases:
        fns["posterize"] = run(posterize)
    if "warm" in cases:
        [primed] = posterize()
        vt.process(str(clip), [primed], out=str(out), overwrite=True, encoding=enc, max_frames=5)  # builds the tables
        primed.frames = 0
        fns["warm"] = run(lambda: [primed])
    if len(fns) > 1:
        t = median_times(fns, runs)
        paths = {"copy": "no processor: frames stay I420", "flip": "Flip: the I420 planes mirrored (planar)",
                 "fliprgb": "a plain RGB function: every frame to RGB and back",
                 "posterize": "k=8, fit on 5 frames included, exact Y, U, V lookup per frame (planar)",
                 "warm": "the same, palette and tables built before timing: the per-frame lookup alone"}
        mbits = {"clip_mbit_s": round(clip.stat().st_size * 8 / (n / 25) / 1e6, 2)}
        ffmpeg(*fns_args)  # once more, for the size of ffmpeg's own output
        mbits["ffmpeg_out_mbit_s"] = round(out.stat().st_size * 8 / (n / 25) / 1e6, 2)
        for case, path in paths.items():
            if case in t:
                rows.append(result(f"{name} run {case}", "fps", n / t[case], baseline="ffmpeg re-encode",
                                   baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True,
                                   path=path, **mbits))
    return rows


if __name__ == "__main__":
    main()
