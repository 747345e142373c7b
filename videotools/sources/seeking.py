"""Seeking in a file: to ``start`` (again further back when a seek lands late), and keyframes near given times.

:class:`Seeking` holds the part of :class:`.file.FileSource` that moves in
a file rather than reading it forward; the container and decoder state it
works on are the source's own.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Iterator
from fractions import Fraction
from typing import Any

import av
import av.error

from ..errors import ParameterError, SourceError
from ..frames import Frame
from .probe import Stretches, reason, stretches

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 10.0
"""Seconds a network stream may take to open, and may then stay silent, before it is reopened."""
SEEK_BACK = (2.0, 4.0)
"""A seek that landed after ``start`` is tried again this many seconds before it, then this many times further
back each time, and at last from the start of the file."""


class Seeking:
    """The seeking half of :class:`.file.FileSource` (a mixin: the attributes are the source's)."""

    path: str
    live: bool
    is_stream: bool
    start: float | None
    end: float | None
    _declared: float | None
    _skip_to: int
    _stretches: Stretches | None
    _container: Any
    _stream: Any
    _t0: float
    _tb: Fraction
    _step: float
    _threads: int | None
    _thread: Any
    _started: bool
    _first: Any
    _open: Callable[..., Any]
    _converter: Callable[..., Callable[[Any], Any]]
    _timed: Callable[..., Generator[tuple[Any, float], None, None]]
    _every_live_frame: Callable[[], Iterator[tuple[Any, float]]]
    _every_frame: Callable[..., Iterator[Any]]

    def _seek_start(self, duration: float | None) -> float | None:
        """Seek to the keyframe before ``start`` (a start past the end, or on a live stream, is an error).

        Returns the video's length in seconds (``duration``, or a file's
        re-timed length where its timestamps start again).

        Where a file's timestamps start again (recordings joined), a seek by
        timestamp is ambiguous, and its container's duration is one
        recording's: its packets are read first (:func:`.probe.stretches`,
        MPEG-TS/PS only, without decoding), and reading skips the packets
        before the keyframe at or before ``start`` by their place, not their
        timestamp (they still go to the timeline, as ``Skipped``, so the
        frames after them are timed as in a whole decode).
        """
        self._skip_to = 0
        self._stretches = None
        if (self.start or self.end is not None) and not self.is_stream:
            found = self._stretches = stretches(self.path, origin=self._t0, step=self._step)
            if found is not None:
                duration = self._declared = found.length
        if not self.start:
            return duration
        if self.live:
            raise ParameterError(f"start: a live stream cannot seek (got start={self.start})")
        if duration is not None and self.start >= duration:
            raise ParameterError(f"start={self.start:g} s is past the end of {self.path} ({duration:.3f} s long)")
        if self._stretches is not None:
            self._skip_to = self._stretches.keyframe_at(self.start)
        else:
            self._container.seek(int((self.start + self._t0) / self._tb), stream=self._stream, backward=True)
        return duration

    def _from_start(self) -> Iterator[tuple[Any, float]]:
        """The timed frames from where the file was sought, sought again further back while the seek landed late.

        A seek lands before ``start`` on a keyframe where the container has an
        index (MP4, Matroska); in one without (MPEG-TS, a file with a single
        keyframe) it may land past the keyframe before ``start``, and the
        decoder then gives nothing until the next keyframe, or nothing at all.
        Whenever the first frame decoded is later than ``start`` (or none came
        by well after it), the file is sought again ``SEEK_BACK`` times further
        back, and at last read from its beginning: the first frame given is the
        one a whole decode gives first at or after ``start``.
        """
        back: float | None = SEEK_BACK[0] if self._stretches is None else None  # skipped to by place: exact
        while True:
            start = self.start if not self.live else None
            if self.live:
                timed = self._timed(self._every_live_frame())
            else:
                give_up = start + max(0.5, 16 * self._step) if start and back is not None else None
                timed = self._timed((f, None) for f in self._every_frame(give_up=give_up))
            first = next(timed, None)
            if back is None or not start or (first is not None and first[1] <= start + 1e-6):
                if first is not None:
                    yield first
                    yield from timed
                return
            timed.close()
            back = self._seek_back(back, "none" if first is None else f"{first[1]:.3f} s")

    def _seek_back(self, back: float, first: str) -> float | None:
        """Seek ``back`` s before ``start``, or open the file again to read it from its start.

        Returns how far back the next try goes (None: this one read from the start).
        """
        start = self.start or 0.0
        further = start - back > 0
        log.info("%s: the seek to %g s landed after it (first frame: %s); reading %s", self.path, start, first,
                 f"from {start - back:g} s" if further else "from the start")
        if further:
            self._container.seek(int((start - back + self._t0) / self._tb), stream=self._stream, backward=True)
            return back * SEEK_BACK[1]
        index = self._stream.index  # read before the close frees the stream
        self._container.close()
        self._container = self._open(OPEN_TIMEOUT)
        v = self._stream = self._container.streams[index]
        v.thread_type = "AUTO"
        v.codec_context.thread_count = self._threads or 0
        return None

    def frames_near(self, times: list[float]) -> list[Frame]:
        """The keyframe at or before each time (s), for sampling a file (fitting a palette): cheap, not exact.

        A keyframe decodes alone, so each sample costs one seek and one decoded
        frame whatever the file: 5 samples of a 1080p clip take 0.2 s, opening
        included, where decoding forward to the exact times costs up to a decode
        of the clip (0.7 s for 4 s of a noisy one). Camera and phone
        footage has keyframes every 1-2 s, and encoders put one at each scene
        cut, so the samples still spread over the video and its scenes; a time
        whose keyframe was already taken, or lies outside ``start``..``end``,
        adds nothing (a clip with a single keyframe gives one frame; with none
        in range, the first frame at ``start`` stands in). Uses the source up
        (it is single-pass).
        """
        if self._thread is not None or self._started:
            raise SourceError(f"{self.path} is a single-pass source and is already being read")
        self._started = True
        convert = self._converter(planar=False)
        out: list[Frame] = []
        start, self.start = self.start, None
        taken: set[int] = set()
        try:  # a handle of its own: no frame threads, whose pipeline would decode keyframes past the one asked
            with av.open(self.path) as probe:
                stream = probe.streams[self._stream.index]
                if self._stretches is not None:  # timestamps start again: keyframes found by place, not by a seek
                    out = self._keyframes_at(probe, stream, times, start, convert)
                    times = []
                for t in sorted(times):
                    probe.seek(int((t + self._t0) / self._tb), stream=stream, backward=True)
                    # a seek lands on a keyframe where the container has an index; elsewhere (MPEG-TS) read on to one
                    packet = next((p for p in probe.demux(stream) if p.pts is not None and p.is_keyframe), None)
                    t = float(packet.pts * self._tb) - self._t0 if packet is not None else math.inf
                    if packet is None or packet.pts in taken or self._before(t, start) or self._past_end(t):
                        continue
                    taken.add(packet.pts)
                    # the keyframe alone, then a flush: no waiting for the frames a decoder reorders
                    frames = packet.decode() or stream.codec_context.decode(None)
                    if frames:
                        out.append(convert(frames[0]))  # RGB: planar=False
        except (av.error.FFmpegError, OSError) as err:
            log.warning("%s: sampling stopped (%s)", self.path, reason(err))
        finally:
            self.start = start
        return out or [convert(self._first)]  # RGB; no keyframe in range: the first frame

    def _keyframes_at(self, probe: Any, stream: Any, times: list[float], start: float | None,
                      convert: Callable[[Any], Any]) -> list[Frame]:
        """The keyframe at or before each time in a file whose timestamps start again (:attr:`_stretches`),
        within ``start``..``end``: found by their place among the packets, in one read of them."""
        assert self._stretches is not None
        when = {n: t for t, n in self._stretches.keyframes}
        wanted = {n for n in map(self._stretches.keyframe_at, times)
                  if n in when and not self._before(when[n], start) and not self._past_end(when[n])}
        out: list[Frame] = []
        place = 0
        for packet in probe.demux(stream):
            if not packet.size:
                continue
            if place in wanted:
                frames = packet.decode() or stream.codec_context.decode(None)
                stream.codec_context.flush_buffers()
                if frames:
                    out.append(convert(frames[0]))
                if len(out) == len(wanted):
                    break
            place += 1
        return out

    @staticmethod
    def _before(t: float, start: float | None) -> bool:
        return start is not None and t < start - 1e-6

    def _past_end(self, t: float) -> bool:
        return self.end is not None and t >= self.end - 1e-6
