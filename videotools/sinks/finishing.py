"""How a recording ends: flushed and given its name (MP4 and MOV rewritten with their index in front), or,
after a failure, abandoned with one line naming the file and FFmpeg's reason.

:class:`Finishing` holds that part of :class:`.video.VideoSink`; the encoder,
container and pending file it works on are the sink's own.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from pathlib import Path
from typing import Any

import av
import av.error
import av.logging

from ..errors import SinkError
from ..files import PendingFile, WholeWrites, describe

log = logging.getLogger(__name__)


class Finishing:
    """The ending half of :class:`.video.VideoSink` (a mixin: the attributes are the sink's)."""

    path: Path
    format: str
    codec: str
    fps: float
    overwrite: bool
    finished: bool
    duration: float
    frames_written: int
    frames_dropped: int
    audio_from: Any
    _out: Any
    _video: Any
    _audio: Any
    _file: WholeWrites | None
    _pending: PendingFile | None
    _thread: threading.Thread | None
    _queue: queue.Queue
    _t_last: float | None
    _error: BaseException | None
    _refusal: str
    _header: int

    def _commit(self) -> None: ...

    def _check(self) -> None:
        if self._error is not None:
            raise SinkError(self._failure())

    def _fail(self, err: BaseException) -> None:
        """Keep the first error; when nothing reached the disk yet, ask the muxer whether it refuses the streams."""
        if self._error is None:
            self._error = err
            if isinstance(err, av.error.FFmpegError) and not self._header:
                self._refusal = self._muxer_refusal()

    def _muxer_refusal(self) -> str:
        """FFmpeg's reason the muxer refuses these streams, or "".

        Logs are off in PyAV (they cost time), so the header is written once more, into memory, with the
        log captured: only after a failure, as ``videotools.sources.file`` does for a file that does not open.
        """
        from .video import MUXER_OPTIONS  # the options the sink opened its container with

        level = av.logging.get_level()
        av.logging.set_level(av.logging.ERROR)
        try:
            with av.logging.Capture() as logs:  # this thread's only, kept off stderr
                try:
                    with av.open(io.BytesIO(), "w", format=self.format,
                                 container_options=MUXER_OPTIONS[self.format]) as dry:
                        for stream in self._out.streams:
                            dry.add_stream_from_template(stream)
                        dry.start_encoding()
                except (av.error.FFmpegError, OSError, ValueError):
                    pass
        finally:
            av.logging.set_level(level)
        said = [str(entry[2]).strip() for entry in logs if entry[1] == self.format.split(",")[0]]
        return said[-1].split(". ")[0].rstrip(".") if said else ""  # its first sentence: the why, not the how

    def _failure(self) -> str:
        """One line: the user's file, FFmpeg's reason, and what to do when the container refuses a stream."""
        err = self._error
        assert err is not None
        reason = describe(err)
        if self._refusal:
            muxer_said = self._refusal
            origin = self.audio_from or "the stream"
            streams = f"{self.codec} video" + (f" and {self._audio.describe()} sound from {origin}"
                                                if self._audio is not None else "")
            fixes = "another container (.mkv takes any codec)" + (", or --no-audio" if self._audio is not None
                                                                   else "")
            return (f"cannot record {self.path}: FFmpeg's {self.format} muxer refuses {streams} "
                    f"({muxer_said}); use {fixes}")
        return f"writing {self.path} failed: {reason}"

    # -- closing -------------------------------------------------------------------------------
    def close(self) -> None:
        """Flush the encoder, finish the soundtrack and give the file its final, playable form."""
        if self._out is None or self.finished:
            return
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self.duration = (self._t_last or 0.0) + 1.0 / self.fps if self.frames_written else 0.0
        try:
            if self._error is None:
                try:
                    self._out.mux(self._video.encode(None))
                    if self._audio is not None:
                        self._audio.finish(self.duration)
                    self._commit()
                    self._out.close()
                    self._commit()
                except (av.error.FFmpegError, OSError, SinkError) as err:
                    self._fail(err)
            if self._error is not None:
                self._abandon()
                raise SinkError(self._failure() + (" (the part written so far plays)" if self._published() else ""))
            if self.format in ("mp4", "mov"):
                self._faststart()
            elif not self._pending.published:  # type: ignore[union-attr]
                self._pending.publish(overwrite=self.overwrite)  # type: ignore[union-attr]
            self.finished = True
            if self.frames_dropped:
                log.warning("%s: %d of %d frames dropped: AVI holds a constant %.4g fps and the video came faster "
                            "at times (variable frame rate); .mp4 or .mkv keep every frame", self.path.name,
                            self.frames_dropped, self.frames_written, self.fps)
        finally:
            if self._audio is not None:
                self._audio.close()
            if self._pending is not None:
                self._pending.close()

    def _published(self) -> bool:
        return self._pending is not None and self._pending.published

    def _abandon(self) -> None:
        """After a failure: close what can be closed (nothing more reaches the disk), drop a file never named."""
        if self._file is not None and self._file.failed is None:
            self._file.failed = OSError("abandoned")
        try:
            self._out.close()
        except (av.error.FFmpegError, OSError):
            pass
        if not self._published():
            self._discard()

    def _discard(self) -> None:
        if self._pending is not None:
            self._pending.discard()

    def _faststart(self) -> None:
        """Rewrite the fragmented recording as a normal MP4 with its index in front, then swap it in."""
        assert self._pending is not None
        final = PendingFile(self.path)
        try:
            with av.open(self._pending.write_path) as src, \
                    av.open(final.write_path, "w", format=self.format, options={"movflags": "+faststart"}) as dst:
                streams = {s.index: dst.add_stream_from_template(s) for s in src.streams
                           if s.type in ("video", "audio")}
                for packet in src.demux(*[s for s in src.streams if s.index in streams]):
                    if packet.dts is None:
                        continue
                    packet.stream = streams[packet.stream.index]
                    dst.mux(packet)
            final.publish(overwrite=self.overwrite or self._pending.published)
        except (av.error.FFmpegError, OSError) as err:
            final.discard()
            if not self._pending.published:
                self._pending.publish(overwrite=self.overwrite)  # the fragmented file plays too
            if not self.path.exists():
                raise SinkError(f"cannot finish {self.path}: {describe(err)} (was its folder removed?)") from None
            log.warning("%s: kept as fragmented MP4 (%s)", self.path.name, describe(err))
        finally:
            final.close()
