"""Build a run from options, the way every command does: source, sinks, viewers, then the pipeline.

:func:`process` is ``videotools run`` as one Python call; the other commands
add their processors and call it too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import ParameterError
from .outputs import check_outputs
from .pipeline import Pipeline, RunStats, Step
from .protocols import Finishes, HasSound, KeyMap, Processor, Sink, Source
from .settings import Camera, Encoding, Input, Playback, Seek
from .sinks import MjpegSink, WindowSink, open_sink
from .sinks.video import VIDEO_EXTENSIONS, VideoSink
from .sources import LoopSource, open_source

log = logging.getLogger(__name__)


def _open(source: str | os.PathLike, seek: Seek, camera: Camera, reading: Input, *, recording_only: bool,
          loop: bool) -> Source:
    mode = camera.mode or ("every" if recording_only else "latest")

    def opener() -> Source:
        return open_source(source, start=seek.start, end=seek.end, camera_mode=mode, camera_size=camera.size,
                           camera_fps=camera.fps, lost_after=reading.lost_after, deinterlace=reading.deinterlace)

    src = opener()
    if loop:
        if src.info.live or src.info.kind == "camera":
            src.close()
            raise ParameterError(f"loop: {source} is live and cannot be repeated")
        return LoopSource(opener, first=src)
    return src


def process(source: str | os.PathLike | Source, processors: Sequence[Processor] = (), *,
            out: Sequence[str] | str | None = None, display: bool = False, serve: str | None = None,
            max_frames: int | None = None, overwrite: bool = False, progress: bool = False,
            seek: Seek = Seek(), encoding: Encoding = Encoding(), camera: Camera = Camera(),
            playback: Playback = Playback(), reading: Input | None = None, title: str = "videotools",
            keys: KeyMap | None = None,
            record_dir: str | os.PathLike = ".", on_frame: Callable[[Step], None] | None = None,
            extra_sinks: Sequence[Sink] = ()) -> RunStats:
    """Open ``source``, run ``processors`` and write to every requested sink: what ``videotools run`` does.

    Parameters
    ----------
    source : str, path or Source
        A spec for :func:`videotools.open_source`, or any object with the
        :class:`~videotools.protocols.Source` members (``info``, ``time``,
        ``__iter__``, ``close``): it is read as it is, and closed at the end.
    out : str or list of str
        Output files: videos (``.mp4`` ...), image sequences (``frames/%05d.png``)
        or one image (``out.png``, the last frame).
    display : bool
        Show a window with an overlay and keys (q/Esc quit, space pause, h overlay,
        v side by side, b background, s snapshot, o record, ? help, plus the
        processors' keys); snapshots and recordings go to ``record_dir``.
    serve : str, optional
        ``[HOST:]PORT`` for an MJPEG preview in a browser.
    seek, encoding, camera, playback, reading
        Settings (see :mod:`videotools.settings`); ``reading`` (an ``Input``,
        None: its defaults) says how long a camera or live stream may stay silent before the run
        ends, and whether interlaced video is deinterlaced. Files and synthetic scenes
        shown in a window or a browser play at their own pace unless
        ``playback.fast``; at their end the window keeps the last frame until a
        key and the preview keeps serving it until Ctrl-C.

    Returns
    -------
    RunStats
        ``stats.extra["outputs"]`` lists the files written and complete.

    Raises
    ------
    VideotoolsError
        Bad source, bad output, no display; all sinks are checked before any frame is read.
    """
    reading = reading or Input()
    outs = [os.fspath(o) for o in ([out] if isinstance(out, (str, os.PathLike)) else list(out or []))]
    if isinstance(source, (str, os.PathLike)):
        check_outputs(outs, overwrite=overwrite, source=source)
        src = _open(source, seek, camera, reading, recording_only=bool(outs) and not (display or serve),
                    loop=playback.loop)
    else:
        check_outputs(outs, overwrite=overwrite)
        src = source
    sinks: list[Sink] = []
    try:
        sinks += _file_sinks(src, outs, seek=seek, encoding=encoding, overwrite=overwrite, loop=playback.loop)
        processors, viewers = _viewers(src, list(processors), display=display, serve=serve, title=title,
                                       keys=keys, record_dir=Path(record_dir), encoding=encoding)
        sinks += [*viewers, *extra_sinks]
    except BaseException:
        for s in sinks:
            s.close()
        if src is not source:
            src.close()
        raise
    shown = display or serve is not None
    live_source = src.info.live or src.info.kind == "camera"
    stats = Pipeline(src, processors, sinks, max_frames=max_frames, progress=progress, on_frame=on_frame,
                     pace=shown and not playback.fast and not live_source, hold=shown and not live_source).run()
    stats.extra["outputs"] = _written(sinks, outs)
    return stats


def _viewers(src: Source, processors: list[Processor], *, display: bool, serve: str | None, title: str,
             keys: KeyMap | None, record_dir: Path, encoding: Encoding) -> tuple[list[Processor], list[Sink]]:
    """The browser preview and the window (with its live controls wrapped around the processors)."""
    sinks: list[Sink] = []
    if serve is not None:
        preview = MjpegSink(serve, title=title)
        log.warning("preview at %s", preview.url)
        sinks.append(preview)
    if display:
        from .live import LiveChain, Recorder

        recorder = Recorder(record_dir, fps=src.info.fps, crf=encoding.crf, preset=encoding.preset,
                            pixel_aspect=src.info.pixel_aspect)
        live = LiveChain(processors, recorder=recorder, snapshot_dir=record_dir, source=src)
        try:
            window = WindowSink(title, keys={**live.keys, **(keys or {})}, overlay=live.overlay_lines)
        except BaseException:
            for s in sinks:
                s.close()
            raise
        return [live], [*sinks, window, recorder]
    return processors, sinks


def _written(sinks: list[Sink], outs: list[str]) -> list[str]:
    """The outputs that exist and are complete."""
    done = [str(s.path) for s in sinks if isinstance(s, Finishes) and s.finished]
    return done + [o for s, o in zip(sinks, outs) if not isinstance(s, Finishes) and _exists(o)]


def _exists(pattern: str) -> bool:
    return Path(pattern % 0).exists() if "%" in pattern else Path(pattern).exists()


def _file_sinks(src: Source, outs: list[str], *, seek: Seek, encoding: Encoding, overwrite: bool,
                loop: bool) -> list[Sink]:
    """The file outputs; video files keep the sound: a file's read from the file, a live stream's from the source."""
    sound = src if encoding.audio and isinstance(src, HasSound) and src.info.audio_codec else None
    keeps_sound = sound is not None and not sound.is_stream and not loop
    live_sound = sound is not None and sound.live
    queue_size = 4 if src.info.live or src.info.kind == "camera" else 0
    sinks: list[Sink] = []
    try:
        for o in outs:
            if sound is not None and live_sound and Path(o).suffix.lower() in VIDEO_EXTENSIONS:
                sinks.append(VideoSink(o, fps=src.info.fps, crf=encoding.crf, preset=encoding.preset,
                                       overwrite=overwrite, pixel_aspect=src.info.pixel_aspect,
                                       queue_size=queue_size, audio_feed=sound.audio_feed()))
                continue
            sinks.append(open_sink(o, fps=src.info.fps, crf=encoding.crf, preset=encoding.preset,
                                   overwrite=overwrite, audio_from=sound.path if sound and keeps_sound else None,
                                   audio_start=seek.start or 0.0, pixel_aspect=src.info.pixel_aspect,
                                   queue_size=queue_size))
    except BaseException:
        for s in sinks:
            s.close()
        raise
    return sinks


__all__ = ["process"]
