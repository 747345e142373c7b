"""Batch throughput on Dask: 8 synthetic clips and one long clip, 1 worker versus 2 workers.

Prints JSON: wall time, frames per second over the whole batch and the
speed-up of 2 workers over 1, for ``--do background`` (the long clip split
into chunks) and ``--do posterize``. LocalCluster start-up is excluded (it is
paid once per batch: about 2 s here) by passing ``run_batch`` a client of a
cluster that is already up.

    python benchmarks/batch.py [--size 640x360] [--clip-seconds 10] [--long-seconds 120]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

import videotools as vt  # noqa: E402
import videotools.batch as vb  # noqa: E402


def make_clip(path: Path, size: str, seconds: float, seed: int) -> int:
    with vt.open_source(f"synthetic:traffic?size={size}&seconds={seconds}&seed={seed}") as src, \
            vt.VideoSink(path, fps=25, crf=23, preset="veryfast") as sink:
        n = 0
        for f in src:
            sink.write(f)
            n += 1
    return n


def main() -> None:
    from dask.distributed import Client, LocalCluster

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--clip-seconds", type=float, default=10)
    ap.add_argument("--long-seconds", type=float, default=120)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inp = tmp / "in"
        inp.mkdir()
        frames = sum(make_clip(inp / f"cam{i}.mp4", args.size, args.clip_seconds, i) for i in range(8))
        frames += make_clip(inp / "long.mp4", args.size, args.long_seconds, 99)
        timings = {}
        for workers in (1, 2):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = Client(cluster)
            try:
                for do in ("background", "posterize"):
                    out = tmp / f"out-{do}-{workers}"
                    t = time.perf_counter()
                    report = vb.run_batch(inp, out, do=do, chunk_seconds=30, overwrite=True, client=client)
                    timings[(do, workers)] = time.perf_counter() - t
                    assert all(it.status == "done" for it in report), [it.error for it in report]
                    print(f"{do} with {workers} worker(s): {timings[(do, workers)]:.1f} s", file=sys.stderr)
            finally:
                client.close()
                cluster.close()
        for do in ("background", "posterize"):
            one, two = timings[(do, 1)], timings[(do, 2)]
            rows.append(result(f"{do}: 8 x {args.clip_seconds:g} s + 1 x {args.long_seconds:g} s at {args.size}",
                               "frames_per_second", frames / two, baseline="1 worker", baseline_value=frames / one,
                               higher_is_better=True, workers=2, seconds=round(two, 2),
                               baseline_seconds=round(one, 2)))
    emit("batch", rows, frames=frames, note="ratio = speed-up of 2 workers over 1 on this 2-core machine")


if __name__ == "__main__":
    main()
