"""Batch throughput on Dask: many short files on 1 worker against 2, one long file chunked against not.

Prints JSON (medians over ``--runs``, the cases taking turns run after run):

* ``many short files``: 8 clips of ``--clip-seconds`` at ``--size``,
  ``--do background`` and ``--do posterize``, 2 workers against 1;
* ``one long file``: one clip of ``--long-seconds``, ``--do posterize`` split into
  chunks of ``--chunk-seconds`` against one task, both on 2 workers (a background
  is never chunked: its plate learns in one sequential pass).

LocalCluster start-up (about 2 s here, paid once per batch) is left out: both
clusters (made as ``videotools batch`` makes them) are up before the clock
starts, and ``run_batch`` gets their clients.

    python benchmarks/batch.py [--size 640x360] [--clip-seconds 10] [--long-seconds 120] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, median_times, result  # noqa: E402

import videotools as vt  # noqa: E402
from videotools.batch import run_batch  # noqa: E402
from videotools.batch.client import connect  # noqa: E402


def make_clip(path: Path, size: str, seconds: float, seed: int) -> int:
    with vt.open_source(f"synthetic:traffic?size={size}&seconds={seconds}&seed={seed}") as src, \
            vt.VideoSink(path, fps=25, crf=23, preset="veryfast") as sink:
        n = 0
        for f in src:
            sink.write(f, src.time)
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--clip-seconds", type=float, default=10)
    ap.add_argument("--long-seconds", type=float, default=120)
    ap.add_argument("--chunk-seconds", type=float, default=30)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        short, long_dir = tmp / "short", tmp / "long"
        short.mkdir()
        long_dir.mkdir()
        short_frames = sum(make_clip(short / f"cam{i}.mp4", args.size, args.clip_seconds, i) for i in range(8))
        long = long_dir / "long.mp4"
        long_frames = make_clip(long, args.size, args.long_seconds, 99)
        clusters, clients = {}, {}
        for w in (1, 2):  # the clusters videotools batch starts (workers without Dask's malloc setting)
            clients[w], clusters[w] = connect(None, w)
        try:
            def batch(inputs: Path, do: str, workers: int, chunk: float | None, tag: str):
                def run() -> None:
                    report = run_batch(inputs, tmp / f"out-{tag}", do=do, chunk_seconds=chunk, overwrite=True,
                                       client=clients[workers])
                    assert all(it.status == "done" for it in report), [it.error for it in report]
                return run

            cases = {}
            for do in ("background", "posterize"):
                for w in (1, 2):
                    cases[f"{do} short {w}"] = batch(short, do, w, None, f"{do}-short-{w}")
            for chunk in (None, args.chunk_seconds):
                cases[f"posterize long {chunk}"] = batch(long_dir, "posterize", 2, chunk, f"posterize-long-{chunk}")
            times = median_times(cases, runs=args.runs, warmup=0)
            for name, t in times.items():
                print(f"{name}: {t:.2f} s", file=sys.stderr)
            for do in ("background", "posterize"):
                one, two = times[f"{do} short 1"], times[f"{do} short 2"]
                rows.append(result(f"{do}: many short files (8 x {args.clip_seconds:g} s at {args.size})",
                                   "frames_per_second", short_frames / two, baseline="1 worker",
                                   baseline_value=short_frames / one, higher_is_better=True, runs=args.runs,
                                   workers=2, seconds=round(two, 2), baseline_seconds=round(one, 2)))
            whole, chunked = times["posterize long None"], times[f"posterize long {args.chunk_seconds}"]
            rows.append(result(f"posterize: one long file ({args.long_seconds:g} s at {args.size}), chunks of "
                               f"{args.chunk_seconds:g} s, 2 workers", "frames_per_second",
                               long_frames / chunked, baseline="one task", baseline_value=long_frames / whole,
                               higher_is_better=True, runs=args.runs, seconds=round(chunked, 2),
                               baseline_seconds=round(whole, 2)))
        finally:
            for c in clients.values():
                c.close()
            for c in clusters.values():
                c.close()
    emit("batch", rows, frames={"short": short_frames, "long": long_frames},
         load_average={"before": [round(x, 2) for x in load_before],
                       "after": [round(x, 2) for x in os.getloadavg()]},
         note="ratio = speed-up over the baseline on this shared 2-core machine; cluster start-up excluded")


if __name__ == "__main__":
    main()
