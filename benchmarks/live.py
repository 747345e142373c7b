"""Live latency and throughput with a fake 30 fps camera: posterize k=8 (with and without a recording) and the
background view.

Prints JSON: end-to-end latency (capture timestamp -> sink, median and 95th
percentile, in ms and in frame intervals), sustained fps, and the camera frames
dropped (latest-frame mode drops what the run cannot take), at 720p and 1080p.
The camera is a stub VideoCapture that delivers frames of real street footage
(``../shared/media/car-detection.mp4``, scaled; ``--scene synthetic``: the
traffic scene) at 30 fps in real time; frames go through the same
CameraSource (latest-frame mode) and :func:`videotools.process` as
``videotools live``. A run "+ recording" also writes an MP4 as ``--out`` does
(x264 veryfast, crf 20, on a writer thread); the other sink is a null display
(no window), so the figures are capture + processing (+ encoding); imshow adds
about a millisecond at these sizes. The load average is printed before and after.

Each case also prints the CPU time the whole process used (all threads, encoder included).

    python benchmarks/live.py [--seconds 8] [--sizes 720p,1080p] [--scene real] [--presets veryfast,ultrafast]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

import videotools as vt  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "media" / "car-detection.mp4"
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
CHAINS = {"posterize:k=8 + recording": ("posterize:k=8", True), "posterize:k=8": ("posterize:k=8", False),
          "background:view=side-by-side": ("background:view=side-by-side", False)}


def camera_frames(size, scene: str) -> list:
    """30 BGR frames, as a camera hands them out: real footage (every other frame from 10 s on) or synthetic."""
    if scene == "synthetic":
        traffic = vt.SyntheticTraffic(size=size, noise=2)
        return [cv2.cvtColor(traffic.frame(t), cv2.COLOR_RGB2BGR) for t in range(0, 60, 2)]
    with vt.open_source(REAL, start=10) as src:
        rgb = [f for i, f in zip(range(60), src) if i % 2 == 0]
    return [cv2.cvtColor(cv2.resize(f, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_RGB2BGR) for f in rgb]


class FakeCamera:
    """cv2.VideoCapture stand-in: the given frames, paced at ``fps`` in real time."""

    def __init__(self, frames, fps=30.0):
        self.frames = frames
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


def measure(frames, chain: str, record: bool, seconds: float, tmp: Path, preset: str = "veryfast") -> dict:
    cam = FakeCamera(frames)
    src = vt.CameraSource(0, mode="latest", capture_factory=lambda d: cam)
    lat = []

    class NullDisplay:
        def write(self, frame, t=None):
            lat.append(time.monotonic() - src.last_timestamp)

    out = [str(tmp / "rec.mp4")] if record else []
    cpu = time.process_time()
    stats = vt.process(src, vt.parse_chain(chain), out=out, overwrite=True, max_frames=int(seconds * 30),
                       extra_sinks=[NullDisplay()], encoding=vt.Encoding(crf=20, preset=preset))
    steady = lat[10:]
    return {"fps": stats.fps, "lat_med_ms": statistics.median(steady) * 1e3,
            "lat_p95_ms": float(np.percentile(steady, 95)) * 1e3, "dropped": src.dropped,
            "grabbed": src.grabbed, "frames": stats.frames, "cpu_s": round(time.process_time() - cpu, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--sizes", default="720p,1080p")
    ap.add_argument("--chains", default=",".join(CHAINS), help="any of: " + ", ".join(CHAINS))
    ap.add_argument("--scene", default="real", choices=["real", "synthetic"])
    ap.add_argument("--presets", default="veryfast", help="x264 presets of the recording, comma-separated "
                    "(each recording case runs once per preset)")
    args = ap.parse_args()
    rows = []
    load = {"before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in args.sizes.split(","):
            frames = camera_frames(SIZES[name], args.scene)
            for label, preset in [(c, p) for c in args.chains.split(",") for p in args.presets.split(",")
                                  if CHAINS[c][1] or p == args.presets.split(",")[0]]:
                chain, record = CHAINS[label]
                m = measure(frames, chain, record, args.seconds, Path(tmpdir), preset)
                case = f"{name} 30 fps camera ({args.scene}), {label}" + (f" (x264 {preset})" if record else "")
                extra = {"dropped": m["dropped"], "grabbed": m["grabbed"], "cpu_s": m["cpu_s"]}
                rows.append(result(case, "sustained_fps", m["fps"], runs=m["frames"], target=30, **extra))
                rows.append(result(case, "latency_median_ms", m["lat_med_ms"], runs=m["frames"],
                                   frame_intervals=round(m["lat_med_ms"] / (1000 / 30), 2)))
                rows.append(result(case, "latency_p95_ms", m["lat_p95_ms"], runs=m["frames"],
                                   frame_intervals=round(m["lat_p95_ms"] / (1000 / 30), 2), target_intervals=2,
                                   **extra))
                print(f"{case}: {m['fps']:.1f} fps, {m['dropped']} of {m['grabbed']} dropped, latency median "
                      f"{m['lat_med_ms']:.1f} ms, p95 {m['lat_p95_ms']:.1f} ms", file=sys.stderr)
    load["after"] = os.getloadavg()
    emit("live", rows, note="latency = capture timestamp -> sink write; frames every 33.3 ms",
         load_average={k: [round(x, 2) for x in v] for k, v in load.items()})


if __name__ == "__main__":
    main()
