"""The loop: pull frames from a source, run the processors, push to every sink.

This module knows sources, processors and sinks only through the protocols in
:mod:`videotools.protocols`; building a run from options (windows, previews,
recorders) is :mod:`videotools.runs`.

Past 300 lines because the loop carries its signal handling, clock and progress bar with it:
each is small, private to the loop, and only makes sense inside it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import StopRequested
from .frames import Frame, YuvFrame, check_frame
from .protocols import (
    Closeable,
    HasWarning,
    Holdable,
    Lossy,
    PlanarProcessor,
    PlanarSink,
    PlanarSource,
    Processor,
    Sink,
    Source,
)

log = logging.getLogger(__name__)

LATE = 0.5
"""Seconds behind its clock after which paced playback restarts the clock (after a pause, a slow frame)."""


@dataclass(frozen=True)
class Step:
    """One frame's pass through a pipeline, as ``on_frame`` callbacks see it.

    ``time`` is the frame's presentation time in seconds, as the source stamped
    it (a file's own timestamps, a camera's capture time).
    """

    index: int
    time: float
    frame: Frame
    out: Frame


@dataclass
class RunStats:
    """What a run did: frames, wall time, why it stopped, and any source warning."""

    frames: int = 0
    seconds: float = 0.0
    stopped_by: str = "end of source"
    warning: str | None = None
    dropped: int = 0
    media_seconds: float = 0.0  # span of the frames' own times (first to last, plus one frame)
    extra: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class _SignalStop:
    """Turn SIGINT/SIGTERM into a request to stop after the current frame.

    A recording then ends with a flushed encoder and a playable file. A second
    Ctrl-C raises KeyboardInterrupt as usual. Only active on the main thread.
    """

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self.waiting = False  # True while the loop waits (for the source, or for the clock)
        self._old: dict = {}

    def _handler(self, signum: int, _frame: object) -> None:
        if self.signal_name is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name
        if self.waiting:  # nothing half-done, and a stalled stream may never send the next frame
            raise StopRequested(self.signal_name)

    def __enter__(self) -> _SignalStop:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """While inside, a signal stops the run at once instead of after the current frame."""
        self.waiting = True
        try:
            if self.signal_name:
                raise StopRequested(self.signal_name)
            yield
        finally:
            self.waiting = False


class _Clock:
    """Paced playback: hold each frame until its own time has come, as a player does."""

    def __init__(self) -> None:
        self._origin: tuple[float, float] | None = None  # (wall clock, media time)

    def delay(self, t: float) -> float:
        now = time.perf_counter()
        if self._origin is None:
            self._origin = (now, t)
        wall0, t0 = self._origin
        late = now - (wall0 + t - t0)
        if late > LATE or t < t0:  # paused, slow or looped back: restart the clock on this frame
            self._origin = (now, t)
            return 0.0
        return max(0.0, -late)


class Pipeline:
    """Run ``source -> processors -> sinks``, one frame at a time (memory stays flat).

    Processing runs on the calling thread, so stateful processors need no
    locks; decoding and encoding run on their own threads. Each sink gets the
    frame with its presentation time. With no processor, no ``on_frame`` and
    only sinks that take planar frames (a plain copy), 8-bit 4:2:0 video goes
    from decoder to encoder as I420, without a round trip through RGB that
    nothing would look at. Every source, processor and sink is closed on any
    exit path, and Ctrl-C or SIGTERM stops after the current frame, so
    recordings are finalized.

    Parameters
    ----------
    source : Source
        An open source (see :func:`videotools.open_source`). Sources are single-pass.
    processors : sequence of callables
        Each maps an ``(H, W, 3) uint8`` RGB frame to another.
    sinks : sequence of Sink
    max_frames : int, optional
        Stop after this many frames.
    progress : bool
        Show a progress bar on stderr (a spinner when the length is unknown).
    on_frame : callable, optional
        Called with a :class:`Step` (index, time, input frame, output frame) after each frame.
    pace : bool
        Hand frames to the sinks at the pace of their own times (playback for a
        window or a browser) instead of as fast as possible.
    hold : bool
        At the end of the source, finalize the other sinks, then keep the
        viewers (window, preview) showing the last frame until the user ends
        them (a key, Ctrl-C).

    Examples
    --------
    >>> from videotools import Pipeline, open_source
    >>> src = open_source("synthetic:traffic?size=160x90&seconds=1")
    >>> stats = Pipeline(src, [], []).run()
    >>> stats.frames, round(stats.media_seconds, 2)
    (25, 1.0)
    """

    def __init__(self, source: Source, processors: Sequence[Processor] = (), sinks: Sequence[Sink] = (), *,
                 max_frames: int | None = None, progress: bool = False,
                 on_frame: Callable[[Step], None] | None = None, description: str = "processing",
                 pace: bool = False, hold: bool = False) -> None:
        self.source = source
        self.processors = list(processors)
        self.sinks = list(sinks)
        self.max_frames = max_frames
        self.progress = progress
        self.on_frame = on_frame
        self.description = description
        self.pace = pace
        self.hold = hold
        self._stop = threading.Event()
        self._closed: set[int] = set()

    def stop(self) -> None:
        """Ask a running pipeline (from another thread or a key) to end after the current frame."""
        self._stop.set()

    def _total(self) -> int | None:
        n = self.source.info.frame_count
        if n is None and self.source.info.duration and not self.source.info.live:
            n = round(self.source.info.duration * self.source.info.fps)  # an estimate; corrected at the end
        if self.max_frames is not None:
            n = min(n, self.max_frames) if n is not None else self.max_frames
        return n

    def runs_planar(self) -> bool:
        """True when frames can stay I420 end to end: the source decodes I420, only video files are
        written, nothing else looks at the frames, and every processor is planar for this stream."""
        i420 = self.source.i420 if isinstance(self.source, PlanarSource) else None
        return (i420 is not None and self.on_frame is None and bool(self.sinks)
                and all(isinstance(sink, PlanarSink) for sink in self.sinks)
                and all(isinstance(p, PlanarProcessor) and p.accepts_yuv(*i420) for p in self.processors))

    def run(self) -> RunStats:
        """Run to the end of the source, ``max_frames``, a quit key or a signal; return the stats."""
        stats = RunStats()
        planar = self.runs_planar()
        clock = _Clock() if self.pace else None
        t0 = time.perf_counter()
        first_t: float | None = None
        with contextlib.ExitStack() as stack:
            stack.callback(self._close_all)
            sig = stack.enter_context(_SignalStop())
            bar = stack.enter_context(_progress(self.progress, self._total(), self.description))
            try:
                frames: Iterator[Any] = iter(self.source.iter_yuv() if planar else self.source)  # type: ignore[attr-defined]
                while True:
                    with sig.interruptible():
                        frame = next(frames, None)
                    if frame is None:
                        break
                    t = self.source.time
                    first_t = t if first_t is None else first_t
                    out: Any = self._process_yuv(frame) if planar else self._process(frame)
                    if clock is not None:
                        with sig.interruptible():
                            self._stop.wait(clock.delay(t))
                    self._write(out, t, planar)
                    if self.on_frame is not None:  # never planar (runs_planar)
                        self.on_frame(Step(stats.frames, t, frame, out))
                    stats.frames += 1
                    stats.media_seconds = t - first_t + 1.0 / self.source.info.fps
                    bar(stats.frames)
                    reason = self._stop_reason(sig, stats.frames)
                    if reason:
                        stats.stopped_by = reason
                        break
                bar(stats.frames, final=True)
                if self.hold and stats.stopped_by == "end of source":
                    self._hold(sig)
            except StopRequested as req:
                stats.stopped_by = str(req) or "quit"
        stats.seconds = time.perf_counter() - t0
        stats.warning = self.source.warning if isinstance(self.source, HasWarning) else None
        stats.dropped = self.source.dropped if isinstance(self.source, Lossy) else 0
        return stats

    def _process(self, frame: Frame) -> Frame:
        out = frame
        for proc in self.processors:
            out = proc(out)
        return check_frame(out)

    def _process_yuv(self, frame: YuvFrame) -> YuvFrame:
        out = frame
        for proc in self.processors:
            out = proc.process_yuv(out)  # type: ignore[attr-defined]  # runs_planar() checked each
        return out

    def _write(self, out: Any, t: float, planar: bool) -> None:
        for sink in self.sinks:
            if planar:
                sink.write_yuv(out, t)  # type: ignore[attr-defined]
            else:
                sink.write(out, t)

    def _stop_reason(self, sig: _SignalStop, frames: int) -> str | None:
        if sig.signal_name:
            return sig.signal_name
        if self._stop.is_set():
            return "stop()"
        if self.max_frames is not None and frames >= self.max_frames:
            return "max frames"
        return None

    def _hold(self, sig: _SignalStop) -> None:
        """Finalize the files, then keep the viewers on the last frame until the user ends them."""
        viewers = [s for s in self.sinks if isinstance(s, Holdable)]
        if not viewers:
            return
        self._close(s for s in self.sinks if not isinstance(s, Holdable))
        with sig.interruptible():
            viewers[0].hold(lambda: self._stop.is_set() or sig.signal_name is not None)

    def _close(self, objects: Iterable[object]) -> list[BaseException]:
        errors: list[BaseException] = []
        for obj in objects:
            if id(obj) in self._closed or not isinstance(obj, Closeable):
                continue
            self._closed.add(id(obj))
            try:
                obj.close()
            except Exception as err:  # noqa: BLE001 - keep closing the others, report the first
                errors.append(err)
        return errors

    def _close_all(self) -> None:
        """Close sinks first (finalize files), then processors, then the source; report the first error."""
        errors = self._close([*self.sinks, *self.processors, self.source])
        if errors:
            raise errors[0]


@contextlib.contextmanager
def _progress(enabled: bool, total: int | None, description: str) -> Iterator[Callable[..., None]]:
    """A rich progress bar (frames, fps, ETA) on stderr; yields an update(frames, final=False) function."""
    if not enabled:
        yield lambda n, final=False: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    cols = [SpinnerColumn(), TextColumn("{task.description}")]
    if total:
        cols += [BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]:.1f} fps"),
                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    else:
        cols += [TextColumn("{task.completed} frames"), TextColumn("{task.fields[fps]:.1f} fps"),
                 TimeElapsedColumn()]
    console = Console(file=sys.stderr)
    with Progress(*cols, console=console, transient=False, refresh_per_second=4) as prog:
        task = prog.add_task(description, total=total, fps=0.0)
        t0 = time.perf_counter()
        last = [0.0]

        def update(n: int, final: bool = False) -> None:
            now = time.perf_counter()
            if final:  # the estimate was only an estimate: end on the true count
                prog.update(task, completed=n, total=n, fps=n / max(now - t0, 1e-9))
            elif now - last[0] >= 0.2 or n == total:
                last[0] = now
                prog.update(task, completed=n, fps=n / max(now - t0, 1e-9))

        yield update


def run(source: Source, processors: Iterable[Processor] = (), sinks: Iterable[Sink] = (),
        **kwargs: Any) -> RunStats:
    """Shorthand for ``Pipeline(source, processors, sinks, **kwargs).run()``."""
    return Pipeline(source, list(processors), list(sinks), **kwargs).run()
