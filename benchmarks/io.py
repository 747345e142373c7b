"""Decode, encode and end-to-end `run` speed beside the bundled ffmpeg doing the same work.

Prints JSON. ffmpeg's own decode (to rgb24, discarded) and re-encode (same codec,
preset and crf) are the ceilings; ratios are videotools / ffmpeg throughput.

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
import videotools as vt  # noqa: E402
from common import emit, median_time, result  # noqa: E402

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

            def decode():
                with vt.open_source(clip) as src:
                    assert sum(1 for _ in src) == n

            t_dec = median_time(decode, runs)
            t_ffdec = median_time(lambda: ffmpeg("-i", str(clip), "-pix_fmt", "rgb24", "-f", "rawvideo",
                                                 "/dev/null"), runs)
            rows.append(result(f"{name} decode", "fps", n / t_dec, baseline="ffmpeg decode to rgb24",
                               baseline_value=n / t_ffdec, runs=runs, higher_is_better=True))

            raw = tmp / "raw.rgb"
            with open(raw, "wb") as fh:
                for t in range(n):
                    fh.write(sample[t % len(sample)].tobytes())

            def encode():
                with vt.VideoSink(out, fps=25, crf=args.crf, preset=args.preset, overwrite=True) as sink:
                    for t in range(n):
                        sink.write(sample[t % len(sample)])

            t_enc = median_time(encode, runs)
            t_ffenc = median_time(lambda: ffmpeg("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}",
                                                 "-r", "25", "-i", str(raw), "-c:v", "libx264", "-preset", args.preset,
                                                 "-crf", str(args.crf), "-pix_fmt", "yuv420p", str(out)), runs)
            rows.append(result(f"{name} encode", "fps", n / t_enc, baseline="ffmpeg encode from raw rgb24",
                               baseline_value=n / t_ffenc, runs=runs, higher_is_better=True))
            raw.unlink()

            def run():
                stats = vt.process(str(clip), [], out=str(out), overwrite=True, crf=args.crf, preset=args.preset)
                assert stats.frames == n

            t_run = median_time(run, runs)
            t_ffrun = median_time(lambda: ffmpeg("-i", str(clip), "-c:v", "libx264", "-preset", args.preset,
                                                 "-crf", str(args.crf), "-pix_fmt", "yuv420p", str(out)), runs)
            rows.append(result(f"{name} run (decode+re-encode)", "fps", n / t_run, baseline="ffmpeg re-encode",
                               baseline_value=n / t_ffrun, runs=runs, higher_is_better=True))
            print(f"{name}: done", file=sys.stderr)
    emit("io", rows, frames=n, preset=args.preset, crf=args.crf,
         note="ratio = videotools fps / ffmpeg fps (1.0 = as fast as ffmpeg alone)")


if __name__ == "__main__":
    main()
