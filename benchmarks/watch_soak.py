"""Whether memory stays flat: cameras watched for a long stretch of camera time, played faster than real time.

Prints JSON. Four synthetic cameras (320x180, ``--fps`` frames a second, endless) are watched in this
process as ``videotools watch`` watches them (one thread each, the default chain at 5 fps on a 320-px
copy), their frames re-encoded into short segments (``--segment-seconds``) that retention deletes all
along (``keep_gb`` 0.002), played ``--speed`` times faster than real time until each camera has run
``--camera-minutes`` of its own time (measured: frames / fps). Every ``--every`` s of wall time the
process's RSS (``/proc/self/status``, VmRSS) is sampled; after the warm-up (``--warmup``, a share of the
run) a least-squares line through the samples gives the slope, in MB per wall hour, per camera-hour and
in KB per segment written. Each camera gives the memory a closed segment freed back to the system
(``malloc_trim(0)``, :mod:`videotools.watch.memory`); ``--no-trim`` leaves that out, to see what it
changes. ``--tracemalloc`` also traces Python's own heap (slower) and prints its biggest growths to
stderr; ``--collect`` runs ``gc.collect()`` after every segment (an experiment).

    python benchmarks/watch_soak.py [--camera-minutes 30] [--speed 12] [--fps 10] [--segment-seconds 2]
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import emit, result  # noqa: E402

from videotools.watch import camera, runner  # noqa: E402
from videotools.watch.runner import CameraRunner  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CARS = Path(__file__).resolve().parents[2] / "shared" / "media" / "car-detection.mp4"
CARS_FPS = 12.5


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def timed_trims(enabled: bool) -> list[float]:
    """Time each call of the cameras' trim after a segment (``videotools.watch.memory``); ``enabled=False``
    leaves it out (the experiment without it). Returns the list the durations (ms) go to."""
    durations: list[float] = []
    made = runner.memory_trimmer

    def trimmer() -> Callable[[], None]:
        trim = made()

        def timed() -> None:
            t0 = time.perf_counter()
            trim()
            durations.append((time.perf_counter() - t0) * 1e3)
        return timed if enabled else lambda: None

    runner.memory_trimmer = trimmer  # type: ignore[assignment]
    return durations


def after_each_segment(collect: bool) -> None:
    """Experiment: run Python's cycle collector after every segment."""
    if not collect:
        return
    closed = CameraRunner._segment_closed

    def hooked(self: CameraRunner, path: Path) -> None:
        closed(self, path)
        gc.collect()

    CameraRunner._segment_closed = hooked  # type: ignore[method-assign]


def make_clip(path: Path, size: str) -> Path:
    """The real street clip's first 20 s at ``size``, H.264 (a keyframe a second) and its AAC sound, in MPEG-TS."""
    w, h = size.split("x")
    subprocess.run([FFMPEG, "-v", "error", "-t", "20", "-i", str(CARS), "-vf", f"scale={w}:{h}", "-c:v", "libx264",
                    "-g", "12", "-preset", "veryfast", "-c:a", "aac", "-b:a", "64k", str(path)], check=True)
    return path


@contextlib.contextmanager
def send_udp(clip: Path, speed: float) -> Iterator[int]:
    """ffmpeg sending ``clip`` over and over at ``speed`` times its rate to a free UDP port; yields the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([FFMPEG, "-v", "quiet", "-readrate", f"{speed:g}", "-stream_loop", "-1", "-i", str(clip),
                             "-c", "copy", "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"],
                            stdin=subprocess.DEVNULL)
    try:
        yield port
    finally:
        proc.kill()
        proc.wait()


def soak(args: argparse.Namespace) -> tuple[list[dict], dict]:
    trims = timed_trims(not args.no_trim)
    stop = threading.Event()
    samples: list[tuple[float, float, int, float]] = []  # wall s, RSS MB, segments, Python heap MB
    camera_seconds = args.camera_minutes * 60
    fps = CARS_FPS if args.record == "copy" else args.fps
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as senders:
        if args.record == "copy":  # MPEG-TS over UDP from ffmpeg, faster than real time: packets copied
            clip = make_clip(Path(tmp) / "cars.ts", args.size)
            sources = [f"udp://127.0.0.1:{senders.enter_context(send_udp(clip, args.speed))}"
                       for _ in range(args.cameras)]
        else:
            sources = [f"synthetic:traffic?size={args.size}&fps={args.fps:g}&seconds=0&seed={i}"
                       for i in range(args.cameras)]
        cams = [camera(src, name=f"soak{i}", speed=args.speed, record=args.record, lost_after=5,
                       segment_seconds=args.segment_seconds, keep_hours=None, keep_gb=0.002, plate_seconds=1)
                for i, src in enumerate(sources)]
        runners = [CameraRunner(c, tmp, stop) for c in cams]
        threads = [threading.Thread(target=r.run, daemon=True) for r in runners]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        warm: tracemalloc.Snapshot | None = None
        while True:
            elapsed = time.monotonic() - t0
            done = min(r.status.frames for r in runners) / fps
            heap = tracemalloc.get_traced_memory()[0] / 1e6 if args.tracemalloc else 0.0
            samples.append((elapsed, rss_mb(), sum(r.status.segments for r in runners), heap))
            print(f"{elapsed:6.0f} s  camera {done:6.0f} s  RSS {samples[-1][1]:6.1f} MB  segments "
                  f"{samples[-1][2]}  heap {heap:.2f} MB", file=sys.stderr)
            if args.tracemalloc and warm is None and done >= camera_seconds * args.warmup:
                warm = tracemalloc.take_snapshot()
            if done >= camera_seconds:
                break
            time.sleep(args.every)
        if warm is not None:
            for stat in tracemalloc.take_snapshot().compare_to(warm, "lineno")[:10]:
                print(stat, file=sys.stderr)
        stop.set()
        for t in threads:
            t.join(30)
        frames = sum(r.status.frames for r in runners)
        errors, restarts = sum(r.status.errors for r in runners), sum(r.status.restarts for r in runners)
        kept = sum(len(list((Path(tmp) / c.name / "rec").glob("*.mp4"))) for c in cams)
    wall = samples[-1][0]
    late = [s for s in samples if s[0] >= wall * args.warmup]
    mb_per_s = slope([(s[0], s[1]) for s in late])
    kb_per_segment = slope([(s[2], s[1]) for s in late]) * 1024
    camera_hours = frames / fps / 3600
    rows = [result("rss after warm-up", "mb", late[0][1]),
            result("rss at the end", "mb", samples[-1][1]),
            result("rss slope after warm-up", "mb_per_wall_hour", mb_per_s * 3600),
            result("rss slope per camera-hour", "mb_per_camera_hour", mb_per_s * wall / camera_hours),
            result("rss slope per segment", "kb_per_segment", kb_per_segment),
            result("soak", "camera_hours", camera_hours, cameras=args.cameras, speed=args.speed, fps=fps,
                   size=args.size, segment_seconds=args.segment_seconds, wall_seconds=round(wall, 1),
                   frames=frames, segments_closed=samples[-1][2], segments_kept=kept, damaged_packets=errors,
                   restarts=restarts, record=args.record, trim=not args.no_trim, collect=args.collect)]
    if trims:
        rows.append(result("malloc_trim after a segment", "ms", statistics.median(trims), calls=len(trims),
                           max_ms=round(max(trims), 3)))
    if args.tracemalloc:
        rows.append(result("python heap slope after warm-up", "kb_per_segment",
                           slope([(s[2], s[3]) for s in late]) * 1000))
    series = {"samples": [{"wall_s": round(s[0], 1), "rss_mb": round(s[1], 1), "segments": s[2]}
                          | ({"heap_mb": round(s[3], 2)} if args.tracemalloc else {}) for s in samples]}
    return rows, series


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cameras", type=int, default=4)
    ap.add_argument("--camera-minutes", type=float, default=30.0, help="camera time each camera runs")
    ap.add_argument("--speed", type=float, default=12.0, help="times faster than real time")
    ap.add_argument("--fps", type=float, default=10.0, help="the cameras' frame rate")
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--segment-seconds", type=float, default=2.0)
    ap.add_argument("--record", default="encode", choices=["encode", "copy", "off"],
                    help="copy: the cameras are MPEG-TS over UDP from ffmpeg (real footage), packets copied")
    ap.add_argument("--every", type=float, default=2.0, help="wall seconds between two RSS samples")
    ap.add_argument("--warmup", type=float, default=0.2, help="share of the run left out of the slope")
    ap.add_argument("--tracemalloc", action="store_true")
    ap.add_argument("--no-trim", action="store_true", help="leave out malloc_trim(0) after every segment")
    ap.add_argument("--collect", action="store_true", help="gc.collect() after every segment")
    args = ap.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    after_each_segment(args.collect)
    rows, series = soak(args)
    emit("watch_soak", rows, **series)


if __name__ == "__main__":
    main()
