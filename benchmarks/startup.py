"""How soon the ``videotools`` command answers: ``--version``, ``--help``, and a run's first frame.

Prints JSON. Each case is a whole process, timed from launch to exit (medians,
the cases taking turns run after run), beside the floor any Python command
pays (``python -c pass``, and importing typer, which draws the command line):

- ``videotools --version`` and ``videotools --help`` (the console script);
- first frame: ``videotools run CLIP --max-frames 1 --out o.mp4`` on a local file: start-up, opening
  the file, decoding a frame, encoding and closing a one-frame MP4 (an upper bound on reaching the
  first frame); the same for ``videotools posterize -k 8`` (its fixed cost included);
- which heavy modules (numpy, OpenCV, PyAV, numba, rich) ``import videotools.cli`` loads.

    python benchmarks/startup.py [--runs 7] [--module]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, median_times, result  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "media" / "car-detection.mp4"
HEAVY = ("numpy", "cv2", "av", "numba", "rich", "dask")


def quiet(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def loaded_by(module: str) -> list[str]:
    """The heavy modules a fresh process has loaded after importing ``module``."""
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--module", action="store_true", help="run `python -m videotools` (the package on PYTHONPATH)")
    args = ap.parse_args()
    exe = None if args.module else shutil.which("videotools")
    cli = [exe] if exe else [sys.executable, "-m", "videotools"]
    load = {"before": os.getloadavg()}
    rows = []
    t = median_times({"python": lambda: quiet(sys.executable, "-c", "pass"),
                      "typer": lambda: quiet(sys.executable, "-c", "import typer"),
                      "version": lambda: quiet(*cli, "--version"),
                      "help": lambda: quiet(*cli, "--help")}, args.runs)
    floor = {"baseline": "python -c pass", "baseline_value": t["python"] * 1e3}
    for case in ("version", "help"):
        rows.append(result(f"videotools --{case}", "ms", t[case] * 1e3, runs=args.runs, target_ms=150,
                           typer_import_ms=round(t["typer"] * 1e3, 1), **floor))
    with tempfile.TemporaryDirectory() as tmp:
        clip, out = Path(tmp) / "clip.mp4", str(Path(tmp) / "o.mp4")
        quiet(sys.executable, "-c", "import imageio_ffmpeg, subprocess, sys; subprocess.run([imageio_ffmpeg."
              "get_ffmpeg_exe(), '-v', 'error', '-i', sys.argv[1], '-t', '4', '-an', '-vf', 'scale=1920:1080', "
              "'-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', sys.argv[2]], check=True)", str(REAL), str(clip))
        one = ["--max-frames", "1", "-y", "-q", "--out", out]
        t = median_times({"run": lambda: quiet(*cli, "run", str(clip), *one),
                          "posterize": lambda: quiet(*cli, "posterize", str(clip), "-k", "8", *one)}, args.runs)
    rows.append(result("first frame: videotools run (1080p file, one frame written)", "ms", t["run"] * 1e3,
                       runs=args.runs, target_ms=300, **floor))
    rows.append(result("first frame: videotools posterize -k 8 (fixed cost included)", "ms", t["posterize"] * 1e3,
                       runs=args.runs, **floor))
    load["after"] = os.getloadavg()
    emit("startup", rows, command=" ".join(cli), imports={m: loaded_by(m) for m in ("videotools", "videotools.cli")},
         load_average={k: [round(x, 2) for x in v] for k, v in load.items()},
         note="whole processes, launch to exit; the machine's load shifts every figure, the floor with them")


if __name__ == "__main__":
    main()
