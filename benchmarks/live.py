"""Live latency and throughput with a fake 30 fps camera, posterize k=8 and the background view.

Prints JSON: end-to-end latency (capture timestamp -> sink, median and 95th
percentile, in ms and in frame intervals) and sustained fps, at 720p and 1080p,
for ``posterize:k=8`` and ``background:view=side-by-side``. The camera is a
stub VideoCapture that delivers pre-rendered synthetic frames at 30 fps in real
time; frames go through the same CameraSource (latest-frame mode) and Pipeline
as ``videotools live``. The sink is a null display (no window), so the figures
are capture + processing; imshow adds about a millisecond at these sizes.

    python benchmarks/live.py [--seconds 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

import videotools as vt  # noqa: E402


class FakeCamera:
    """cv2.VideoCapture stand-in: real-looking frames, paced at ``fps`` in real time."""

    def __init__(self, size, fps=30.0):
        scene = vt.SyntheticTraffic(size=size, noise=2)
        self.frames = [cv2.cvtColor(scene.frame(t), cv2.COLOR_RGB2BGR) for t in range(0, 60, 2)]
        self.fps, self.n, self.next = fps, 0, time.monotonic()

    def isOpened(self):  # noqa: N802
        return True

    def set(self, *a):
        return True

    def get(self, *a):
        return self.fps

    def read(self):
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        self.next += 1 / self.fps
        self.n += 1
        return True, self.frames[self.n % len(self.frames)].copy()

    def release(self):
        pass


def measure(size, chain: str, seconds: float) -> dict:
    cam = FakeCamera(size)
    src = vt.CameraSource(0, mode="latest", capture_factory=lambda d: cam)
    lat = []

    class NullDisplay:
        def write(self, frame, t=None):
            lat.append(time.monotonic() - src.last_timestamp)

    procs = vt.parse_chain(chain)
    stats = vt.Pipeline(src, procs, [NullDisplay()], max_frames=int(seconds * 30)).run()
    steady = lat[10:]
    return {"fps": stats.fps, "lat_med_ms": statistics.median(steady) * 1e3,
            "lat_p95_ms": float(np.percentile(steady, 95)) * 1e3, "dropped": src.dropped,
            "grabbed": src.grabbed, "frames": stats.frames}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args()
    rows = []
    for name, size in (("720p", (1280, 720)), ("1080p", (1920, 1080))):
        for chain in ("posterize:k=8", "background:view=side-by-side"):
            m = measure(size, chain, args.seconds)
            case = f"{name} 30 fps camera, {chain}"
            rows.append(result(case, "sustained_fps", m["fps"], runs=m["frames"], target=30))
            rows.append(result(case, "latency_median_ms", m["lat_med_ms"], runs=m["frames"],
                               frame_intervals=round(m["lat_med_ms"] / (1000 / 30), 2)))
            rows.append(result(case, "latency_p95_ms", m["lat_p95_ms"], runs=m["frames"],
                               frame_intervals=round(m["lat_p95_ms"] / (1000 / 30), 2), target_intervals=2,
                               dropped=m["dropped"]))
            print(f"{case}: {m['fps']:.1f} fps, latency median {m['lat_med_ms']:.1f} ms", file=sys.stderr)
    emit("live", rows, note="latency = capture timestamp -> sink write; frames every 33.3 ms")


if __name__ == "__main__":
    main()
