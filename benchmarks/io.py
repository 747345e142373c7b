"""Decode, encode and whole runs beside the bundled ffmpeg command doing the same work, in the same run.

Prints JSON. The ffmpeg command line (from imageio-ffmpeg) is the ceiling: its
decode to rgb24 (discarded) and its re-encode (libx264, same preset and crf).
Ratios are videotools throughput / ffmpeg throughput; the sides of each
comparison take turns run after run, and each figure is a median.

Cases, per size:
- decode: iterate RGB frames (``open_source``) vs ``ffmpeg -pix_fmt rgb24 -f rawvideo``;
- encode: ``VideoSink`` from RGB frames in memory vs ffmpeg from a raw rgb24 file;
- run copy: ``process(clip, out=...)`` (no processor: frames stay I420) vs ffmpeg re-encode;
- run flip: ``process`` with ``Flip``, which mirrors the I420 planes as they are (planar path);
- run flip rgb: the same mirror as a plain function of RGB frames: every frame to RGB and back,
  the cost any processor without a planar path pays;
- posterize k=8: fit on 5 frames spread over the clip (as ``videotools posterize`` does), then the
  exact lookup on every frame (planar: a Y, U, V table), vs ffmpeg re-encode;
- posterize warm: the same palette with its tables already built (fitted and primed before timing),
  so only the per-frame lookup is timed: what the fixed costs leave.

The clip is the synthetic traffic scene with sensor noise of ``--noise`` grey levels. Its
difficulty sets the ratios: the cheaper ffmpeg's own re-encode, the more any fixed cost per
frame weighs. At noise 2 ffmpeg re-encodes 1080p to ~0.3-1.7 Mbit/s (cheaper than camera
footage); at noise 4 to ~4 Mbit/s, like real 1080p street footage. Each row reports the rates.

    python benchmarks/io.py [--frames 250] [--runs 5] [--sizes 480p,720p,1080p] [--noise 2]
"""

from __future__ import annotations

import argparse
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
    ap.add_argument("--frames", type=int, default=250)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="480p,720p,1080p")
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--cases", default="decode,encode,copy,flip,fliprgb,posterize,warm")
    ap.add_argument("--noise", type=float, default=2.0, help="sensor noise of the clip (grey levels)")
    args = ap.parse_args()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in args.sizes.split(","):
            rows += bench_size(name, args, Path(tmpdir))
            print(f"{name}: done", file=sys.stderr)
    emit("io", rows, frames=args.frames, preset=args.preset, crf=args.crf, noise=args.noise,
         note="ratio = videotools fps / ffmpeg fps (1.0 = as fast as the ffmpeg command alone)")


def bench_size(name: str, args: argparse.Namespace, tmp: Path) -> list[dict]:
    """Every case at one frame size."""
    n, runs, cases = args.frames, args.runs, set(args.cases.split(","))
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
