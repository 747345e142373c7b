"""How soon the ``videotools`` command answers: ``--version``, ``--help``, and a run's first frame.

Prints JSON. Each case is a whole process, timed from launch to exit (medians of wall time and of
CPU time, user + system; the cases take turns run after run), beside the floor any Python command
pays (``python -c pass``, and importing typer, which draws the command line):

- ``videotools --version`` and ``videotools --help``, run two ways: the console script as installed
  here (an editable install: its import finder, and any ``.pth`` file of this machine's Python, run
  at every start), and as a wheel install is (a copy of the package on ``PYTHONPATH``, ``python -S``:
  no ``.pth`` file runs, site-packages on the path);
- first frame: ``videotools run CLIP --max-frames 1`` on a local 1080p file with no output (start-up,
  opening the file, decoding one frame, exiting), and with a one-frame MP4 written (encoding and
  closing it too); the same for ``videotools posterize -k 8`` (its fixed cost included);
- which heavy modules (numpy, OpenCV, PyAV, numba, rich) ``import videotools.cli`` loads.

The console script is the one beside this Python (``bin/videotools``), not a shim found on PATH
(pyenv's shim alone adds about 60 ms, a bash script and a second Python start).

    python benchmarks/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import site
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "media" / "car-detection.mp4"
HEAVY = ("numpy", "cv2", "av", "numba", "rich", "dask")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process, launch to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(cases: dict[str, Callable[[], tuple[float, float]]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each case, the cases taking turns (one untimed round first)."""
    for fn in cases.values():
        fn()
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            got[name].append(fn())
    return {name: (statistics.median(w for w, _ in ts), statistics.median(c for _, c in ts))
            for name, ts in got.items()}


def loaded_by(module: str) -> list[str]:
    """The heavy modules a fresh process has loaded after importing ``module``."""
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def wheel_like(tmp: Path) -> tuple[list[str], dict[str, str]]:
    """The command as a wheel installs it: the package copied, its console script, no ``.pth`` file run."""
    shutil.copytree(ROOT / "videotools", tmp / "videotools", ignore=shutil.ignore_patterns("__pycache__"))
    script = tmp / "videotools-script"
    script.write_text("import sys\nfrom videotools.cli import main\nif __name__ == '__main__':\n"
                      "    sys.argv[0] = 'videotools'\n    sys.exit(main())\n")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tmp / "videotools")], check=True)  # as pip does
    paths = [str(tmp), *site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
    return [sys.executable, "-S", str(script)], env


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    beside = Path(sys.executable).parent / "videotools"
    cli = [str(beside)] if beside.exists() else [sys.executable, "-m", "videotools"]
    load = {"before": os.getloadavg()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        wheel, wheel_env = wheel_like(Path(tmp))
        t = medians({"python": lambda: timed([sys.executable, "-c", "pass"]),
                     "python -S": lambda: timed([sys.executable, "-S", "-c", "pass"], wheel_env),
                     "typer": lambda: timed([sys.executable, "-c", "import typer"]),
                     "version": lambda: timed([*cli, "--version"]),
                     "help": lambda: timed([*cli, "--help"]),
                     "wheel version": lambda: timed([*wheel, "--version"], wheel_env),
                     "wheel help": lambda: timed([*wheel, "--help"], wheel_env)}, args.runs)
    floor = {"baseline": "python -c pass", "baseline_value": t["python"][0] * 1e3,
             "python_cpu_ms": round(t["python"][1] * 1e3, 1), "typer_import_ms": round(t["typer"][0] * 1e3, 1)}
    wheel_floor = {"baseline": "python -S -c pass", "baseline_value": t["python -S"][0] * 1e3,
                   "python_cpu_ms": round(t["python -S"][1] * 1e3, 1)}
    for case in ("version", "help"):
        rows.append(result(f"videotools --{case} (console script, editable install)", "ms", t[case][0] * 1e3,
                           runs=args.runs, target_ms=150, cpu_ms=round(t[case][1] * 1e3, 1), **floor))
        rows.append(result(f"videotools --{case} (as a wheel installs it, no .pth)", "ms",
                           t[f"wheel {case}"][0] * 1e3, runs=args.runs, target_ms=150,
                           cpu_ms=round(t[f"wheel {case}"][1] * 1e3, 1), **wheel_floor))
    with tempfile.TemporaryDirectory() as tmp:
        clip, out = Path(tmp) / "clip.mp4", str(Path(tmp) / "o.mp4")
        import imageio_ffmpeg

        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(REAL), "-t", "4", "-an", "-vf",
                        "scale=1920:1080", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", str(clip)],
                       check=True)
        one = ["--max-frames", "1", "-q"]
        t = medians({"run": lambda: timed([*cli, "run", str(clip), *one]),
                     "run out": lambda: timed([*cli, "run", str(clip), *one, "-y", "--out", out]),
                     "posterize": lambda: timed([*cli, "posterize", str(clip), "-k", "8", *one, "-y", "--out", out])},
                    args.runs)
    cases = {"run": "first frame: videotools run (1080p file, one frame decoded, no output)",
             "run out": "first frame: videotools run (1080p file, one frame written to MP4)",
             "posterize": "first frame: videotools posterize -k 8 (one frame written, fixed cost included)"}
    for key, case in cases.items():
        rows.append(result(case, "ms", t[key][0] * 1e3, runs=args.runs, cpu_ms=round(t[key][1] * 1e3, 1),
                           **({"target_ms": 300} if key == "run" else {}), **floor))
    load["after"] = os.getloadavg()
    emit("startup", rows, command=" ".join(cli), imports={m: loaded_by(m) for m in ("videotools", "videotools.cli")},
         load_average={k: [round(x, 2) for x in v] for k, v in load.items()},
         note="whole processes, launch to exit, medians (wall; cpu = user + system); the machine's load shifts "
              "every wall figure, the floor with them")


if __name__ == "__main__":
    main()
