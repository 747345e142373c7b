"""Decode, encode and end-to-end `run` speed beside the bundled ffmpeg doing the same work.

Prints JSON. ffmpeg's own decode (to rgb24, discarded) and re-encode (same codec,
preset and crf) are the ceilings; ratios are videotools / ffmpeg throughput. Each
comparison's sides take turns run after run. `run` is measured twice: as
`videotools run` copies (no processor, so frames stay I420 from decoder to
encoder) and with one identity processor (frames to RGB and back, the cost every
processing chain pays).

    python benchmarks/io.py [--frames 120] [--runs 3] [--sizes 480p,720p,1080p]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, median_times, result  # noqa: E402

import videotools as vt  # noqa: E402

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(path: Path, size, frames: int) -> list:
    scene = vt.SyntheticTraffic(size=size, seconds=frames / 25, noise=2)
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
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="480p,720p,1080p")
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=20)
    args = ap.parse_args()
    n, runs = args.frames, args.runs
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.sizes.split(","):
            size = SIZES[name]
            clip = tmp / f"{name}.mp4"
            sample = make_clip(clip, size, n)
            out = tmp / "out.mp4"

            # the same clip tagged BT.709, as HD footage usually is (VUI rewritten, no re-encode)
            clip709 = tmp / f"{name}-709.mp4"
            ffmpeg("-i", str(clip), "-c", "copy", "-bsf:v",
                   "h264_metadata=matrix_coefficients=1:colour_primaries=1:transfer_characteristics=1",
                   str(clip709))

            def decode(path):
                def fn():
                    with vt.open_source(path) as src:
                        assert sum(1 for _ in src) == n
                return fn

            def ffdecode(path):
                return lambda: ffmpeg("-i", str(path), "-pix_fmt", "rgb24", "-f", "rawvideo", "/dev/null")

            t = median_times({"ours": decode(clip), "ffmpeg": ffdecode(clip),
                              "ours709": decode(clip709), "ffmpeg709": ffdecode(clip709)}, runs)
            rows.append(result(f"{name} decode", "fps", n / t["ours"], baseline="ffmpeg decode to rgb24",
                               baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True))
            rows.append(result(f"{name} decode, BT.709-tagged", "fps", n / t["ours709"],
                               baseline="ffmpeg decode to rgb24", baseline_value=n / t["ffmpeg709"], runs=runs,
                               higher_is_better=True))

            raw = tmp / "raw.rgb"
            with open(raw, "wb") as fh:
                for i in range(n):
                    fh.write(sample[i % len(sample)].tobytes())

            def encode():
                with vt.VideoSink(out, fps=25, crf=args.crf, preset=args.preset, overwrite=True) as sink:
                    for i in range(n):
                        sink.write(sample[i % len(sample)])

            t = median_times({"ours": encode, "ffmpeg": lambda: ffmpeg(
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", "25", "-i", str(raw),
                "-c:v", "libx264", "-preset", args.preset, "-crf", str(args.crf), "-pix_fmt", "yuv420p",
                str(out))}, runs)
            rows.append(result(f"{name} encode", "fps", n / t["ours"], baseline="ffmpeg encode from raw rgb24",
                               baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True))
            raw.unlink()

            def run(processors):
                def fn():
                    stats = vt.process(str(clip), processors, out=str(out), overwrite=True, crf=args.crf,
                                       preset=args.preset)
                    assert stats.frames == n
                return fn

            t = median_times({"copy": run([]), "rgb": run([lambda f: f]), "ffmpeg": lambda: ffmpeg(
                "-i", str(clip), "-c:v", "libx264", "-preset", args.preset, "-crf", str(args.crf),
                "-pix_fmt", "yuv420p", str(out))}, runs)
            rows.append(result(f"{name} run (decode+re-encode)", "fps", n / t["copy"], baseline="ffmpeg re-encode",
                               baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True,
                               path="no processor: frames stay I420"))
            rows.append(result(f"{name} run with a processor", "fps", n / t["rgb"], baseline="ffmpeg re-encode",
                               baseline_value=n / t["ffmpeg"], runs=runs, higher_is_better=True,
                               path="identity processor: frames to RGB and back"))
            print(f"{name}: done", file=sys.stderr)
    emit("io", rows, frames=n, preset=args.preset, crf=args.crf,
         note="ratio = videotools fps / ffmpeg fps (1.0 = as fast as ffmpeg alone)")


if __name__ == "__main__":
    main()
