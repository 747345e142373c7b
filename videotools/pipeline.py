"""The loop: pull frames from a source, run the processors, push to every sink."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .errors import SinkError, StopRequested
from .frames import Frame, check_frame
from .sinks.base import Sink
from .sources.base import SourceBase

log = logging.getLogger(__name__)


class Processor(Protocol):
    """Maps a frame to a frame; may keep state. Optional: ``reset()``, ``close()``, ``keys``."""

    def __call__(self, frame: Frame) -> Frame: ...


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
        self.waiting = False  # True while the loop waits for the source's next frame
        self._old: dict = {}

    def _handler(self, signum, _frame) -> None:
        if self.signal_name is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal_name = signal.Signals(signum).name
        if self.waiting:  # nothing half-done, and a stalled stream may never send the next frame
            raise StopRequested(self.signal_name)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


class Pipeline:
    """Run ``source -> processors -> sinks``, one frame at a time (memory stays flat).

    Processing runs on the calling thread, so stateful processors need no
    locks; decoding and encoding run in their own threads/processes. With no
    processor, no ``on_frame`` and only video-file sinks (a plain copy), 8-bit
    4:2:0 video goes from decoder to encoder as I420, without a round trip
    through RGB that nothing would look at. Every
    source, processor and sink is closed on any exit path, and Ctrl-C or
    SIGTERM stops after the current frame, so recordings are finalized.

    Parameters
    ----------
    source : Source
        An open source (see :func:`videotools.open_source`).
    processors : sequence of callables
        Each maps an ``(H, W, 3) uint8`` RGB frame to another.
    sinks : sequence of Sink
    max_frames : int, optional
        Stop after this many frames.
    progress : bool
        Show a progress bar on stderr (a spinner when the length is unknown).
    on_frame : callable, optional
        Called with a :class:`Step` (index, time, input frame, output frame) after each frame.

    Examples
    --------
    >>> from videotools import Pipeline, open_source, VideoSink
    >>> src = open_source("synthetic:traffic?size=160x90&seconds=1")
    >>> stats = Pipeline(src, [], []).run()
    >>> stats.frames
    25
    """

    def __init__(self, source: SourceBase, processors: Sequence[Callable[[Frame], Frame]] = (),
                 sinks: Sequence[Sink] = (), *, max_frames: int | None = None,
                 progress: bool = False, on_frame: Callable[[Step], None] | None = None,
                 description: str = "processing") -> None:
        self.source = source
        self.processors = list(processors)
        self.sinks = list(sinks)
        self.max_frames = max_frames
        self.progress = progress
        self.on_frame = on_frame
        self.description = description
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask a running pipeline (from another thread or a key) to end after the current frame."""
        self._stop.set()

    def _total(self) -> int | None:
        n = self.source.frame_count
        if self.max_frames is not None:
            n = min(n, self.max_frames) if n is not None else self.max_frames
        return n

    def _time(self, index: int) -> float:
        t = getattr(self.source, "time", None)
        return float(t) if t is not None else index / self.source.fps

    def _copies_i420(self) -> bool:
        """True when frames can stay I420 end to end: nothing looks at their pixels."""
        return (not self.processors and self.on_frame is None and bool(self.sinks)
                and getattr(self.source, "i420", None) is not None
                and all(hasattr(sink, "write_i420") for sink in self.sinks))

    def run(self) -> RunStats:
        """Run to the end of the source, ``max_frames``, a quit key or a signal; return the stats."""
        stats = RunStats()
        copy = self._copies_i420()
        t0 = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.callback(self._close_all)
            sig = stack.enter_context(_SignalStop())
            bar = stack.enter_context(_progress(self.progress, self._total(), self.description))
            try:
                frames = iter(self.source.iter_i420() if copy else self.source)
                while True:
                    sig.waiting = True
                    try:
                        frame = next(frames)
                    except StopIteration:
                        break
                    finally:
                        sig.waiting = False
                    if copy:
                        for sink in self.sinks:
                            sink.write_i420(frame)
                    else:
                        out = frame
                        for proc in self.processors:
                            out = proc(out)
                        check_frame(out)
                        for sink in self.sinks:
                            sink.write(out)
                        if self.on_frame is not None:
                            self.on_frame(Step(stats.frames, self._time(stats.frames), frame, out))
                    stats.frames += 1
                    bar(stats.frames)
                    if sig.signal_name:
                        stats.stopped_by = sig.signal_name
                        break
                    if self._stop.is_set():
                        stats.stopped_by = "stop()"
                        break
                    if self.max_frames is not None and stats.frames >= self.max_frames:
                        stats.stopped_by = "max frames"
                        break
            except StopRequested as req:
                stats.stopped_by = str(req) or "quit"
        stats.seconds = time.perf_counter() - t0
        stats.warning = getattr(self.source, "warning", None)
        stats.dropped = getattr(self.source, "dropped", 0)
        return stats

    def _close_all(self) -> None:
        """Close sinks first (finalize files), then processors, then the source; report the first error."""
        errors: list[BaseException] = []
        for obj in [*self.sinks, *self.processors, self.source]:
            close = getattr(obj, "close", None)
            if close is None:
                continue
            try:
                close()
            except Exception as err:  # keep closing the others
                errors.append(err)
        if errors:
            raise errors[0]


@contextlib.contextmanager
def _progress(enabled: bool, total: int | None, description: str):
    """A rich progress bar (frames, fps, ETA) on stderr; yields an update(frames) function."""
    if not enabled:
        yield lambda n: None
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

        def update(n: int) -> None:
            now = time.perf_counter()
            if now - last[0] >= 0.2 or n == total:
                last[0] = now
                prog.update(task, completed=n, fps=n / max(now - t0, 1e-9))

        yield update


def run(source: SourceBase, processors: Iterable[Callable[[Frame], Frame]] = (),
        sinks: Iterable[Sink] = (), **kwargs) -> RunStats:
    """Shorthand for ``Pipeline(source, processors, sinks, **kwargs).run()``."""
    return Pipeline(source, list(processors), list(sinks), **kwargs).run()


def process(source: str | SourceBase, processors: Sequence[Callable[[Frame], Frame]] = (), *,
            out: Sequence[str] | str | None = None, display: bool = False, serve: str | None = None,
            max_frames: int | None = None, overwrite: bool = False, progress: bool = False,
            start: float | None = None, end: float | None = None, crf: int = 20,
            preset: str = "veryfast", camera_mode: str | None = None,
            camera_size: tuple[int, int] | None = None, camera_fps: float | None = None,
            title: str = "videotools", keys: dict | None = None, record_dir: str = ".", audio: bool = True,
            on_frame: Callable[[Step], None] | None = None,
            extra_sinks: Sequence[Sink] = ()) -> RunStats:
    """Open ``source``, run ``processors`` and write to every requested sink: what ``videotools run`` does.

    Parameters
    ----------
    source : str or Source
        A spec for :func:`videotools.open_source`, or an open source.
    out : str or list of str
        Output files: videos (``.mp4`` ...), image sequences (``frames/%05d.png``)
        or one image (``out.png``, the last frame).
    display : bool
        Show a window with an overlay and keys (q/Esc quit, space pause, h overlay,
        v side by side, b background, s snapshot, o record, ? help, plus the
        processors' keys); snapshots and recordings go to ``record_dir``.
    serve : str, optional
        ``[HOST:]PORT`` for an MJPEG preview in a browser.
    camera_mode : {"latest", "every"}, optional
        Default: ``every`` when recording from a camera without a window, else ``latest``.
    audio : bool
        Copy the soundtrack of a video file into video outputs (AAC), from
        ``start`` on and cut to the frames written (a run stopped early, or ``end``).

    Raises
    ------
    VideotoolsError
        Bad source, bad output, no display; all sinks are checked before any frame is read.
    """
    from .sinks import MjpegSink, WindowSink, open_sink
    from .sources import open_source

    outs = [out] if isinstance(out, str) else list(out or [])
    if isinstance(source, (str, os.PathLike)) and os.path.exists(source):
        for o in outs:
            if os.path.exists(o) and os.path.samefile(o, source):
                raise SinkError(f"output is the input: {o} (write to another file)")
    if camera_mode is None:
        camera_mode = "every" if outs and not display and not serve else "latest"
    from .sinks.video import VIDEO_EXTENSIONS
    from .sources.file import FileSource, threads_beside_encoder

    encodes = any(os.path.splitext(o)[1].lower() in VIDEO_EXTENSIONS for o in outs)
    own_source = not isinstance(source, SourceBase)
    src = open_source(source, start=start, end=end, camera_mode=camera_mode, camera_size=camera_size,
                      camera_fps=camera_fps,
                      decode_threads=threads_beside_encoder() if encodes else None) if own_source else source
    processors = list(processors)

    keeps_sound = audio and isinstance(src, FileSource) and not src.is_stream and bool(src.info.audio_codec)
    sinks: list[Sink] = []
    try:
        for o in outs:
            sinks.append(open_sink(o, fps=src.fps, crf=crf, preset=preset, overwrite=overwrite,
                                   audio_from=src.path if keeps_sound else None, audio_start=start or 0.0,
                                   pixel_aspect=src.info.pixel_aspect))
        if serve is not None:
            sink = MjpegSink(serve, title=title)
            log.warning("preview at %s", sink.url)
            sinks.append(sink)
        if display:
            from .live import LiveChain, Recorder

            recorder = Recorder(record_dir, fps=src.fps, crf=crf, preset=preset, pixel_aspect=src.info.pixel_aspect)
            live = LiveChain(processors, recorder=recorder, snapshot_dir=record_dir, source=src)
            processors = [live]
            window = WindowSink(title, keys={**live.keys, **(keys or {})}, overlay=live.overlay_lines)
            sinks += [window, recorder]
        sinks.extend(extra_sinks)
    except BaseException:
        for s in sinks:
            s.close()
        if own_source:
            src.close()
        raise
    return Pipeline(src, processors, sinks, max_frames=max_frames, progress=progress,
                    on_frame=on_frame).run()
