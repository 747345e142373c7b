"""A source file's soundtrack, carried into a recording: stream-copied when the container allows.

The sound follows the pictures: it starts where the video was read from
(``start``) and is cut where the recording's last frame ends, so a run stopped
early, or cut with ``--end``, stays in sync.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Any

import av
import av.error

from ..errors import SourceError

log = logging.getLogger(__name__)

# Audio codecs each container takes as they are; anything else is re-encoded.
COPYABLE = {
    "mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    "mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le"},
    "matroska": None,  # anything
    "avi": {"mp3", "ac3", "pcm_s16le"},
}
REENCODE = {"mp4": "aac", "mov": "aac", "matroska": "aac", "avi": "libmp3lame"}


class AudioTrack:
    """The first audio stream of ``source``, muxed into ``output`` from ``start`` seconds on.

    Create it before the first packet is muxed (a container's streams are fixed
    by then); call :meth:`mux_until` as video is written and :meth:`finish` at
    the end.

    Parameters
    ----------
    source : str
        A media file with an audio stream.
    output : av.container.OutputContainer
    container_format : str
        ``mp4``, ``mov``, ``matroska`` or ``avi``: decides copy or re-encode.
    start : float
        Seconds of the source to skip.
    """

    def __init__(self, source: str, output: Any, *, container_format: str, start: float = 0.0) -> None:
        try:
            self._in = av.open(source)
        except (av.error.FFmpegError, OSError) as err:
            raise SourceError(f"cannot read the soundtrack of {source}: {err}") from err
        if not self._in.streams.audio:
            self._in.close()
            raise SourceError(f"{source} has no audio stream")
        a = self._a = self._in.streams.audio[0]
        self.start = start
        self._tb = a.time_base or Fraction(1, a.rate or 48000)
        self._t0 = float(a.start_time * self._tb) if a.start_time is not None else 0.0
        allowed = COPYABLE.get(container_format, set())
        self.copy = allowed is None or a.codec_context.name in allowed
        if self.copy:
            self._out = output.add_stream_from_template(a)
        else:
            self._out = output.add_stream(REENCODE.get(container_format, "aac"), rate=a.rate or 48000)
            self._out.layout = a.layout.name if a.layout else "stereo"
            self._resampler = av.AudioResampler(format=self._out.format.name, layout=self._out.layout,
                                                rate=self._out.rate, frame_size=self._out.frame_size or None)
            self._samples = 0
        self._output = output
        if start > 0:
            self._in.seek(int((start + self._t0) / self._tb), stream=a, backward=True)
        self._packets = self._in.demux(a)
        self._pending: Any = None  # a packet read but not yet due
        self.done = False

    def describe(self) -> str:
        return f"{self._a.codec_context.name} ({'copied' if self.copy else 're-encoded'})"

    def _next(self) -> Any:
        if self._pending is not None:
            p, self._pending = self._pending, None
            return p
        for p in self._packets:
            if p.pts is not None and p.size:
                return p
        return None

    def mux_until(self, t: float) -> None:
        """Mux the sound that plays before ``t`` seconds of the recording."""
        while not self.done:
            p = self._next()
            if p is None:
                self.done = True
                break
            ts = float(p.pts * self._tb) - self._t0 - self.start  # its time in the recording
            if ts >= t:
                self._pending = p
                break
            if ts < -1e-6 and self.start > 0:  # before the cut (from the file's start, priming packets stay)
                continue
            if self.copy:
                shift = int(round((self.start + self._t0) / self._tb))
                p.pts -= shift
                if p.dts is not None:
                    p.dts -= shift
                p.stream = self._out
                self._output.mux(p)
            else:
                for frame in p.decode():
                    self._encode(frame)

    def _encode(self, frame: Any) -> None:
        frame.pts = None
        for out in self._resampler.resample(frame):
            out.pts = self._samples
            out.time_base = Fraction(1, self._out.rate)
            self._samples += out.samples
            self._output.mux(self._out.encode(out))

    def finish(self, end: float) -> None:
        """Mux the rest of the sound up to ``end`` seconds, flush, and release the source."""
        try:
            self.mux_until(end)
            if not self.copy:
                for out in self._resampler.resample(None):
                    out.pts = self._samples
                    out.time_base = Fraction(1, self._out.rate)
                    self._samples += out.samples
                    self._output.mux(self._out.encode(out))
                self._output.mux(self._out.encode(None))
        finally:
            self.close()

    def close(self) -> None:
        self._in.close()
