"""Whether memory stays flat: cameras watched for a long stretch of camera time, played faster than real time.

Prints JSON. Four synthetic cameras (320x180, ``--fps`` frames a second, endless) are watched in this
process as ``videotools watch`` watches them (one thread each, the default chain at 5 fps on a 320-px
copy), their frames re-encoded into short segments (``--segment-seconds``) that retention deletes all
along (``keep_gb`` 0.002), played ``--speed`` times faster than real time until each camera has run
``--camera-minutes`` of its own time (measured: frames / fps). Every ``--every`` s of wall time the
process's memory is sampled: RSS (``/proc/self/status``, VmRSS), split into anonymous pages and pages of
mapped files (``smaps_rollup``), glibc's C heap in use and held (``mallinfo2``) and the threads; after the
warm-up (``--warmup``, a share of the run) a least-squares line through the samples gives each one's
slope, RSS's in MB per wall hour, per camera-hour and in KB per segment written, with its standard
error. Each camera gives the memory a closed segment freed back to the system (``malloc_trim(0)``,
:mod:`videotools.watch.memory`); ``--no-trim`` leaves that out, to see what it changes.
``--tracemalloc`` also traces Python's own heap (slower) and prints its biggest growths to stderr;
``--collect`` runs ``gc.collect()`` after every segment (an experiment).

    python benchmarks/watch_soak.py [--camera-minutes 30] [--speed 12] [--fps 10] [--segment-seconds 2]
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from array import array
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


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system, every thread)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _proc_kb(path: str, *keys: str) -> dict[str, float]:
    """Fields of a ``/proc/self`` file given in kB (or counts), by name."""
    found = {}
    for line in Path(path).read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in keys:
            found[key] = float(rest.split()[0])
    return found


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def c_heap_mb() -> tuple[float, float]:
    """glibc's C heap over all arenas (``mallinfo2``): bytes in use (blocks handed out, mmapped ones included)
    and bytes held from the system; both 0 where the C library is not glibc 2.33 or later. In use rising says
    something is kept (a leak); only the held bytes rising says freed memory is scattered (fragmentation)."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except AttributeError:
        return 0.0, 0.0
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) / 2**20, (info.arena + info.hblkhd) / 2**20


def memory_sample() -> dict[str, float]:
    """The process's memory now: RSS (VmRSS) split into anonymous pages (heaps, stacks) and pages of mapped
    files (the libraries' code, touched as new paths run), glibc's C heap, the thread count, and Python's
    own: its allocated blocks and the objects its collector tracks."""
    status = _proc_kb("/proc/self/status", "VmRSS", "Threads")
    rollup = _proc_kb("/proc/self/smaps_rollup", "Rss", "Anonymous")
    in_use, held = c_heap_mb()
    return {"rss_mb": status["VmRSS"] / 1024, "anon_mb": rollup["Anonymous"] / 1024,
            "file_mb": (rollup["Rss"] - rollup["Anonymous"]) / 1024, "c_heap_in_use_mb": in_use,
            "c_heap_held_mb": held, "threads": status["Threads"], "python_blocks": sys.getallocatedblocks(),
            "python_objects": len(gc.get_objects())}


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    return slope_and_error(points)[0]


def slope_and_error(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope of (x, y) points and its standard error, widened for samples that follow their
    neighbours (lag-1 autocorrelation of the residuals: fewer independent samples than points)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    if not den or n < 4:
        return 0.0, 0.0
    b = sum((x - mx) * (y - my) for x, y in points) / den
    res = [y - my - b * (x - mx) for x, y in points]
    ss = sum(r * r for r in res)
    rho = max(0.0, sum(a * c for a, c in zip(res, res[1:])) / ss) if ss else 0.0
    return b, (ss / (n - 2) / den) ** 0.5 * ((1 + rho) / (1 - rho)) ** 0.5 if rho < 1 else float("inf")


class Durations:
    """Durations (ms) counted in 0.01 ms bins up to 1 s, in an array made once: a soak must not keep an object
    per segment (a float a segment kept in a list pins Python's memory pools and shows as growth)."""

    BIN = 0.01

    def __init__(self) -> None:
        self.bins = array("q", bytes(8 * 100_000))
        self.count, self.max = 0, 0.0

    def add(self, ms: float) -> None:
        self.bins[min(int(ms / self.BIN), len(self.bins) - 1)] += 1
        self.count += 1
        self.max = max(self.max, ms)

    def median(self) -> float:
        seen = 0
        for i, n in enumerate(self.bins):
            seen += n
            if 2 * seen >= self.count:
                return (i + 0.5) * self.BIN
        return self.max


def timed_trims(enabled: bool) -> Durations:
    """Time each call of the cameras' trim after a segment (``videotools.watch.memory``); ``enabled=False``
    leaves it out (the experiment without it). Returns where the durations go."""
    durations = Durations()
    made = runner.memory_trimmer

    def trimmer() -> Callable[[], None]:
        trim = made()

        def timed() -> None:
            t0 = time.perf_counter()
            trim()
            durations.add((time.perf_counter() - t0) * 1e3)
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
    samples: list[dict[str, float]] = []
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
            samples.append({"wall_s": elapsed, "segments": sum(r.status.segments for r in runners)}
                           | memory_sample() | ({"heap_mb": heap} if args.tracemalloc else {}))
            print("  ".join(f"{k} {v:.1f}" for k, v in samples[-1].items()) + f"  camera_s {done:.0f}",
                  file=sys.stderr)
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
    wall = samples[-1]["wall_s"]
    late = [s for s in samples if s["wall_s"] >= wall * args.warmup]

    def per_segment(key: str) -> float:
        return slope([(s["segments"], s[key]) for s in late]) * 1024

    mb_per_s = slope([(s["wall_s"], s["rss_mb"]) for s in late])
    camera_hours = frames / fps / 3600
    rows = [result("rss after warm-up", "mb", late[0]["rss_mb"]),
            result("rss at the end", "mb", samples[-1]["rss_mb"]),
            result("rss slope after warm-up", "mb_per_wall_hour", mb_per_s * 3600),
            result("rss slope per camera-hour", "mb_per_camera_hour", mb_per_s * wall / camera_hours),
            result("rss slope per segment", "kb_per_segment", per_segment("rss_mb"),
                   standard_error=round(slope_and_error([(s["segments"], s["rss_mb"]) for s in late])[1] * 1024, 4)),
            result("anonymous pages slope per segment", "kb_per_segment", per_segment("anon_mb")),
            result("file pages slope per segment", "kb_per_segment", per_segment("file_mb")),
            result("c heap in use slope per segment", "kb_per_segment", per_segment("c_heap_in_use_mb")),
            result("c heap held slope per segment", "kb_per_segment", per_segment("c_heap_held_mb")),
            result("python blocks slope per segment", "blocks_per_segment",
                   slope([(s["segments"], s["python_blocks"]) for s in late])),
            result("python objects slope per segment", "objects_per_segment",
                   slope([(s["segments"], s["python_objects"]) for s in late])),
            result("threads at the end", "threads", samples[-1]["threads"],
                   max=max(s["threads"] for s in samples)),
            result("cpu per camera-hour", "cpu_s_per_camera_hour", cpu_seconds() / camera_hours),
            result("soak", "camera_hours", camera_hours, cameras=args.cameras, speed=args.speed, fps=fps,
                   size=args.size, segment_seconds=args.segment_seconds, wall_seconds=round(wall, 1),
                   frames=frames, segments_closed=samples[-1]["segments"], segments_kept=kept,
                   damaged_packets=errors, restarts=restarts, record=args.record, trim=not args.no_trim,
                   collect=args.collect)]
    if trims.count:
        rows.append(result("malloc_trim after a segment", "ms", trims.median(), calls=trims.count,
                           max_ms=round(trims.max, 3)))
    if args.tracemalloc:
        rows.append(result("python heap slope after warm-up", "kb_per_segment", per_segment("heap_mb")))
    series = {"samples": [{k: round(v, 2) for k, v in s.items()} for s in samples]}
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
