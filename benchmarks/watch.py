"""What a watched camera costs, per size, and the memory each one takes.

Prints JSON. **Cost** (``--cost``): for 480p, 720p and 1080p, a clip of the synthetic traffic scene
with sensor noise of 4 grey levels (H.264 crf 23 at 25 fps: about the bitrate of real street footage)
is watched as a camera, as fast as it goes (no pacing, nothing dropped), in this process, one case at
a time; the figure is CPU seconds (all threads: FFmpeg's decoder threads, x264's) per second of video,
i.e. cores per camera at 25 fps:
- decode: the feed only (every frame decoded, nothing converted);
- detect: decode + the default chain (the plate, masks, stats) on a 320-px copy at 5 fps;
- copy: detect + recording by copying packets into 60 s segments;
- encode: detect + recording by re-encoding full-size frames (x264 veryfast crf 23).
Cameras a 2-core machine holds in real time = 2 / cores per camera (no headroom kept).

**Memory** (``--memory``): four cameras of one size watched at once at their own rate (copy recording,
default chain); the peak growth of RSS over the process's before, divided by four.

Whether memory stays flat over a long run: ``benchmarks/watch_soak.py``.

    python benchmarks/watch.py --cost [--sizes 480p,720p,1080p] [--seconds 10] [--runs 3]
    python benchmarks/watch.py --memory [--sizes ...]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

import videotools as vt  # noqa: E402
from videotools.watch import camera, runner  # noqa: E402
from videotools.watch.feed import FileFeed  # noqa: E402
from videotools.watch.runner import CameraRunner  # noqa: E402

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
CASES = {"detect": {"record": "off"}, "copy": {"record": "copy"}, "encode": {"record": "encode"}}


def make_clip(path: Path, size: tuple[int, int], seconds: float) -> Path:
    with vt.open_source(f"synthetic:traffic?size={size[0]}x{size[1]}&seconds={seconds:g}&noise=4") as src, \
            vt.VideoSink(path, fps=25, crf=23) as sink:
        for f in src:
            sink.write(f, src.time)
    return path


def cpu_per_second(clip: Path, out: Path, seconds: float, **options) -> tuple[float, dict]:
    """CPU seconds of this process per second of video, watching ``clip`` once as fast as it decodes."""
    cam = camera(str(clip), name=f"bench-{len(list(out.iterdir()))}", speed=1000, segment_seconds=60,
                 keep_hours=None, **options)
    stop = threading.Event()
    c0 = time.process_time()
    status = CameraRunner(cam, out, stop).run().as_dict()
    return (time.process_time() - c0) / seconds, status


def decode_per_second(clip: Path, seconds: float) -> float:
    """CPU seconds per second of video to decode every frame of ``clip`` (the feed alone)."""
    c0 = time.process_time()
    with FileFeed(str(clip)) as feed:
        n = sum(1 for _ in feed)
    assert n == round(seconds * 25), n
    return (time.process_time() - c0) / seconds


def cost(sizes: list[str], seconds: float, runs: int) -> list[dict]:
    runner.LATE = float("inf")  # as fast as it goes: nothing counts as late, nothing is dropped
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sizes:
            clip = make_clip(Path(tmp) / f"{name}.mp4", SIZES[name], seconds)
            mbit = clip.stat().st_size * 8 / seconds / 1e6
            out = Path(tmp) / f"out-{name}"
            out.mkdir()
            times: dict[str, list[float]] = {case: [] for case in ["decode", *CASES]}
            for _ in range(runs + 1):  # the first round warms up (imports, caches) and is not counted
                times["decode"].append(decode_per_second(clip, seconds))
                for case, options in CASES.items():
                    cores, status = cpu_per_second(clip, out, seconds, **options)
                    assert status["frames"] == round(seconds * 25) and status["dropped"] == 0, status
                    times[case].append(cores)
            figures = {case: statistics.median(ts[1:]) for case, ts in times.items()}
            for case, cores in figures.items():
                rows.append(result(f"{name} {case}", "cores_per_camera", cores, runs=runs,
                                   mbit_per_s=round(mbit, 2)))
            for case in ("copy", "encode"):
                rows.append(result(f"{name} record {case}", "cameras_per_2_cores", 2 / figures[case]))
            rows.append(result(f"{name} no recording", "cameras_per_2_cores", 2 / figures["detect"]))
    return rows


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _sample(done: threading.Event, peak: list[float]) -> None:
    while not done.wait(0.05):
        peak[0] = max(peak[0], rss_mb())


def memory(sizes: list[str], seconds: float, cameras: int = 4) -> list[dict]:
    """Peak RSS growth per camera: ``cameras`` copies of one clip watched at once (copy recording, default chain)."""
    runner.LATE = float("inf")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sizes:
            clip = make_clip(Path(tmp) / f"{name}.mp4", SIZES[name], seconds)
            base, peak = rss_mb(), [0.0]
            stop, done = threading.Event(), threading.Event()

            sampler = threading.Thread(target=_sample, args=(done, peak))
            sampler.start()
            runners = [CameraRunner(camera(str(clip), name=f"{name}-{i}", speed=1, segment_seconds=60,
                                           keep_hours=None), Path(tmp), stop) for i in range(cameras)]
            threads = [threading.Thread(target=r.run) for r in runners]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            done.set()
            sampler.join()
            rows.append(result(f"{name} memory", "rss_mb_per_camera", (peak[0] - base) / cameras,
                               cameras=cameras))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cost", action="store_true")
    ap.add_argument("--sizes", default="480p,720p,1080p")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="peak RSS per camera, 4 cameras at once")
    args = ap.parse_args()
    rows = []
    if args.cost:
        rows += cost(args.sizes.split(","), args.seconds, args.runs)
    if args.memory:
        rows += memory(args.sizes.split(","), min(args.seconds, 6.0))
    emit("watch", rows)


if __name__ == "__main__":
    main()
