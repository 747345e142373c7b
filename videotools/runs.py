"""A run: its options as one validated value (:class:`Run`), and :func:`execute`, which carries one out.

Every way of running frames goes through here: :func:`process` (``vt.process``,
``videotools run``), :func:`videotools.posterize` and :func:`videotools.background`
each build one :class:`Run` and call :func:`execute`; each command calls one of
them. A Run checks its options when it is made (the settings' rules live in
:mod:`videotools.settings`); :func:`execute` checks every output together, once
(:func:`videotools.outputs.check_outputs`), opens the source once, makes the
sinks and hands them to :class:`~videotools.pipeline.Pipeline`, which owns the
loop and nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .errors import DisplayError, ParameterError
from .outputs import check_folder, check_outputs, is_sequence
from .pipeline import Pipeline, RunStats, Step
from .protocols import KeyMap, Processor, Sink, Source
from .settings import Camera, Encoding, Input, Playback, Seek, parse_address

log = logging.getLogger(__name__)

PathLike = str | os.PathLike
Names = Sequence[PathLike | None] | PathLike | None


def _names(value: Names, param: str) -> tuple[str, ...]:
    """None, one name or several, as a tuple of str (None left out)."""
    items = [value] if isinstance(value, (str, os.PathLike)) else list(value or ())
    for item in items:
        if item is not None and not isinstance(item, (str, os.PathLike)):
            raise ParameterError(f"{param} takes file names, got {item!r}", param=param)
    return tuple(os.fspath(i) for i in items if i is not None)


def _made(names: Names) -> tuple[str, ...]:
    """A names field of a made :class:`Run` (a tuple of str since ``__post_init__``)."""
    return cast(tuple[str, ...], names)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Run:
    """The options of one run, checked when it is made; :func:`execute` carries it out.

    Parameters
    ----------
    source : str, path or Source
        A spec for :func:`videotools.open_source`, or any object with the
        :class:`~videotools.protocols.Source` members (read as it is: no
        ``seek``, no ``loop``).
    processors : sequence of Processor
        Run on every frame, in order.
    out : str, path or sequence of them
        Frame outputs: videos (``.mp4`` ...), image sequences
        (``frames/%05d.png``) or one image (``out.png``, the last frame).
    also : str, path or sequence of them
        Other files the run writes itself (a palette, PNGs, a CSV): checked with ``out``.
    also_frames : str, path or sequence of them
        Other frame outputs the run writes itself (masks): checked as ``out`` is.
    display, serve, record_dir, title, keys
        A window (its snapshots and recordings go to ``record_dir``), a
        browser preview at ``[HOST:]PORT``, their title, extra window keys.
    max_frames : int, optional
        Stop after this many frames.
    overwrite : bool
        Replace existing outputs.
    progress : bool
        Show a progress bar on stderr.
    seek, encoding, camera, playback, reading
        Settings (:mod:`videotools.settings`); ``reading`` None: ``Input()``.
    on_frame : callable, optional
        Called with each :class:`~videotools.pipeline.Step`.
    extra_sinks : sequence of Sink
        More sinks, written after the others.

    Raises
    ------
    ParameterError
        A bad option, naming it (``param``).
    """

    source: PathLike | Source
    processors: Sequence[Processor] = ()
    out: Names = ()
    also: Names = ()
    also_frames: Names = ()
    display: bool = False
    serve: str | None = None
    max_frames: int | None = None
    overwrite: bool = False
    progress: bool = False
    seek: Seek = field(default_factory=Seek)
    encoding: Encoding = field(default_factory=Encoding)
    camera: Camera = field(default_factory=Camera)
    playback: Playback = field(default_factory=Playback)
    reading: Input | None = None
    title: str = "videotools"
    record_dir: PathLike = "."
    keys: KeyMap | None = None
    on_frame: Callable[[Step], None] | None = None
    extra_sinks: Sequence[Sink] = ()

    def __post_init__(self) -> None:
        put = object.__setattr__  # frozen: the normal forms are set once, here
        put(self, "out", _names(self.out, "out"))
        put(self, "also", _names(self.also, "also"))
        put(self, "also_frames", _names(self.also_frames, "also_frames"))
        put(self, "processors", tuple(self.processors))
        put(self, "extra_sinks", tuple(self.extra_sinks))
        put(self, "reading", self.reading or Input())
        for name, kind in (("seek", Seek), ("encoding", Encoding), ("camera", Camera), ("playback", Playback),
                           ("reading", Input)):
            if not isinstance(getattr(self, name), kind):
                raise ParameterError(f"{name} must be a videotools.{kind.__name__}, got {getattr(self, name)!r}",
                                     param=name)
        for p in self.processors:
            if not callable(p):
                raise ParameterError(f"processors must be callables frame -> frame, got {p!r}", param="processors")
        if self.max_frames is not None and (not _whole(self.max_frames) or self.max_frames < 1):
            raise ParameterError(f"max_frames must be an integer >= 1, got {self.max_frames!r}", param="max_frames")
        if self.serve is not None:
            parse_address(self.serve)  # the one rule for an address, naming serve
        if not self.is_spec:
            if not isinstance(self.source, Source):
                raise ParameterError(f"source must be a spec (a file name, a camera, a URL) or an object with "
                                     f"info, time, __iter__ and close, got {type(self.source).__name__}",
                                     param="source")
            if self.seek.active:
                raise ParameterError("seek applies to a source spec: an open source is read as it is",
                                     param="seek")
            if self.playback.loop:
                raise ParameterError("loop needs a source spec to open again, not an open source", param="loop")

    @property
    def is_spec(self) -> bool:
        """Whether ``source`` is a spec for :func:`videotools.open_source` (else an object read as it is)."""
        return isinstance(self.source, (str, os.PathLike))

    @property
    def shown(self) -> bool:
        """Whether a window or a browser shows the frames."""
        return self.display or self.serve is not None

    def check_outputs(self) -> None:
        """Check every output of the run together, and a window's record folder and display; nothing is written.

        Raises
        ------
        VideotoolsError
            See :func:`videotools.outputs.check_outputs` and :func:`~videotools.outputs.check_folder`;
            :class:`~videotools.errors.DisplayError` when ``display`` and no window can open here.
        """
        check_outputs([*_made(self.out), *_made(self.also_frames)], overwrite=self.overwrite,
                      source=cast(PathLike, self.source) if self.is_spec else None, also=_made(self.also))
        if self.display:
            from .sinks import display_problem

            check_folder(self.record_dir, param="record_dir")
            problem = display_problem()
            if problem:
                raise DisplayError(f"cannot open a window: {problem}; use --out FILE or --serve PORT instead",
                                   param="display")


def execute(run: Run, *, prepare: Callable[[Source], None] | None = None) -> RunStats:
    """Carry ``run`` out: check every output, open the source once, run its processors into its sinks.

    Parameters
    ----------
    run : Run
    prepare : callable, optional
        Called with the opened source once every output is checked, before
        the first frame is read (:func:`videotools.posterize` fits its
        palette there). A source it fails on is closed.

    Returns
    -------
    RunStats
        ``stats.extra["outputs"]`` lists the files written and complete.

    Raises
    ------
    VideotoolsError
        A bad output (before the source opens), a source that does not open,
        no display; all sinks are made before the first frame is read.
    """
    run.check_outputs()
    src = _open(run)
    sinks: list[Sink] = []
    try:
        if prepare is not None:
            prepare(src)
        sinks += _file_sinks(src, run)
        processors, shown = _viewers(src, run)
        sinks += [*shown, *run.extra_sinks]
    except BaseException:
        for s in sinks:
            s.close()
        if src is not run.source:
            src.close()
        raise
    live = src.info.live or src.info.kind == "camera"
    stats = Pipeline(src, processors, sinks, max_frames=run.max_frames, progress=run.progress,
                     on_frame=run.on_frame, pace=run.shown and not run.playback.fast and not live,
                     hold=run.shown and not live).run()
    stats.extra["outputs"] = written(sinks, list(_made(run.out)))
    return stats


def _open(run: Run) -> Source:
    """The run's source: opened once from its spec (again and again for ``loop``), or the object given."""
    from .sources import LoopSource, open_source

    if not run.is_spec:
        return cast(Source, run.source)
    reading, camera, seek = run.reading or Input(), run.camera, run.seek
    mode = camera.mode or ("every" if run.out and not run.shown else "latest")

    def opener() -> Source:
        return open_source(cast(PathLike, run.source), start=seek.start, end=seek.end, camera_mode=mode,
                           camera_size=camera.size, camera_fps=camera.fps, lost_after=reading.lost_after,
                           deinterlace=reading.deinterlace)

    src = opener()
    if run.playback.loop:
        if src.info.live or src.info.kind == "camera":
            src.close()
            raise ParameterError(f"loop: {run.source} is live and cannot be repeated", param="loop")
        return LoopSource(opener, first=src)
    return src


def _file_sinks(src: Source, run: Run) -> list[Sink]:
    """The file outputs; videos keep the sound: a file's read from the file, a live stream's from the source."""
    from .protocols import HasSound
    from .sinks import open_sink
    from .sinks.video import VIDEO_EXTENSIONS, VideoSink

    enc, info = run.encoding, src.info
    sound = src if enc.audio and isinstance(src, HasSound) and info.audio_codec else None
    keeps_sound = sound is not None and not sound.live and not run.playback.loop  # a file, or one over http
    queue_size = 4 if info.live or info.kind == "camera" else 0
    sinks: list[Sink] = []
    try:
        for o in _made(run.out):
            if sound is not None and sound.live and Path(o).suffix.lower() in VIDEO_EXTENSIONS:
                sinks.append(VideoSink(o, fps=info.fps, crf=enc.crf, preset=enc.preset, overwrite=run.overwrite,
                                       pixel_aspect=info.pixel_aspect, queue_size=queue_size,
                                       audio_feed=sound.audio_feed()))
                continue
            sinks.append(open_sink(o, fps=info.fps, crf=enc.crf, preset=enc.preset, overwrite=run.overwrite,
                                   audio_from=sound.path if sound and keeps_sound else None,
                                   audio_start=run.seek.start or 0.0, pixel_aspect=info.pixel_aspect,
                                   queue_size=queue_size))
    except BaseException:
        for s in sinks:
            s.close()
        raise
    return sinks


def _viewers(src: Source, run: Run) -> tuple[list[Processor], list[Sink]]:
    """The browser preview and the window (with its live controls wrapped around the processors)."""
    from .sinks import MjpegSink, WindowSink

    processors, sinks = list(run.processors), cast(list[Sink], [])
    if run.serve is not None:
        preview = MjpegSink(run.serve, title=run.title)
        log.warning("preview at %s", preview.url)
        sinks.append(preview)
    if not run.display:
        return processors, sinks
    from .live import LiveChain, Recorder

    folder = Path(run.record_dir)
    recorder = Recorder(folder, fps=src.info.fps, crf=run.encoding.crf, preset=run.encoding.preset,
                        pixel_aspect=src.info.pixel_aspect)
    live = LiveChain(processors, recorder=recorder, snapshot_dir=folder, source=src)
    try:
        window = WindowSink(run.title, keys={**live.keys, **(run.keys or {})}, overlay=live.overlay_lines)
    except BaseException:
        for s in sinks:
            s.close()
        raise
    return [live], [*sinks, window, recorder]


def written(sinks: Sequence[Sink], outs: list[str]) -> list[str]:
    """The outputs that exist and are complete."""
    from .protocols import Finishes

    done = [str(s.path) for s in sinks if isinstance(s, Finishes) and s.finished]
    return done + [o for s, o in zip(sinks, outs) if not isinstance(s, Finishes) and _exists(o)]


def _exists(pattern: str) -> bool:
    return Path(pattern % 0).exists() if is_sequence(pattern) else Path(pattern).exists()


def process(source: PathLike | Source, processors: Sequence[Processor] = (), *, out: Names = (),
            display: bool = False, serve: str | None = None, max_frames: int | None = None, overwrite: bool = False,
            progress: bool = False, seek: Seek | None = None, encoding: Encoding | None = None,
            camera: Camera | None = None, playback: Playback | None = None, reading: Input | None = None,
            title: str = "videotools", keys: KeyMap | None = None, record_dir: PathLike = ".",
            on_frame: Callable[[Step], None] | None = None, extra_sinks: Sequence[Sink] = ()) -> RunStats:
    """Open ``source``, run ``processors`` and write to every requested sink: ``videotools run`` as one call.

    Parameters
    ----------
    source : str, path or Source
        A spec for :func:`videotools.open_source`, or any object with the
        :class:`~videotools.protocols.Source` members (``info``, ``time``,
        ``__iter__``, ``close``): it is read as it is, and closed at the end.
    processors : sequence of Processor
        Run on every frame, in order.
    out, display, serve, ...
        The fields of :class:`Run` of the same names: ``out`` (videos,
        ``frames/%05d.png``, ``out.png``), ``display`` (a window: q/Esc quit,
        space pause, h overlay, v side by side, b background, s snapshot,
        o record, ? help; snapshots and recordings go to ``record_dir``),
        ``serve`` (``[HOST:]PORT``), ``max_frames``, ``overwrite``,
        ``progress``, ``seek``, ``encoding``, ``camera``, ``playback``,
        ``reading``, ``title``, ``keys``, ``on_frame``, ``extra_sinks``. Files and
        synthetic scenes shown in a window or a browser play at their own
        pace unless ``playback.fast``; at their end the window keeps the last
        frame until a key and the preview keeps serving it until Ctrl-C.

    Returns
    -------
    RunStats
        ``stats.extra["outputs"]`` lists the files written and complete.

    Raises
    ------
    VideotoolsError
        A bad option (naming it), a bad output, a source that does not open, no
        display: all before the first frame is read.
    """
    return execute(Run(source, processors, out=out, display=display, serve=serve, max_frames=max_frames,
                       overwrite=overwrite, progress=progress, seek=seek or Seek(), encoding=encoding or Encoding(),
                       camera=camera or Camera(), playback=playback or Playback(), reading=reading, title=title,
                       keys=keys, record_dir=record_dir, on_frame=on_frame, extra_sinks=extra_sinks))


__all__ = ["Run", "execute", "process"]
