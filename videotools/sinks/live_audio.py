"""A live stream's sound, pushed by its source as it arrives, carried into a recording.

Where :class:`.audio.AudioTrack` reads a file's soundtrack itself, a live
stream's sound comes from the source's reader (:class:`videotools.sources.feed.AudioFeed`)
with the times it was received at; the copy, re-encoding and ADTS handling are the same.
"""

from __future__ import annotations

import logging
from typing import Any

import av

from .audio import COPYABLE, REENCODE, AudioTrack, channel_layout

log = logging.getLogger(__name__)


class LiveAudioTrack(AudioTrack):
    """A live stream's sound, pushed by its source (:class:`videotools.sources.feed.AudioFeed`), muxed into ``output``.

    Copied where the container takes the codec (AAC from MPEG-TS loses its
    ADTS headers on the way: ``aac_adtstoasc``), else decoded and encoded as
    :class:`AudioTrack` does. Each packet is placed by the time its source gave
    it, against the recording's first frame (:meth:`begin_at`); sound before
    that frame, after the last one, or not later than the sound already muxed
    (the overlap of a stream that started again) is dropped. A copy keeps the
    gaps of an outage as gaps; an encoded track fills them with silence.
    """

    def __init__(self, feed: Any, output: Any, *, container_format: str) -> None:
        self._feed = feed
        a = feed.template
        self.start = self._zero = 0.0
        self.codec = feed.codec
        self._output = output
        self._pending: Any = None  # (time, packet) taken but not yet due
        self.done = False
        self._clamp = False
        self._shift = 0.0
        self._end = 0.0  # recording seconds where the sound muxed so far ends
        self._bsf: Any = None
        self._checked = False  # whether the first copied packet was looked at (ADTS headers)
        self._refused = 0
        allowed = COPYABLE.get(container_format, set())
        self._out = self._copy_stream(output, a, fresh=False) if allowed is None or self.codec in allowed else None
        self.copy = self._out is not None
        if not self.copy:
            self._reencode_stream(output, a, REENCODE.get(container_format, "aac"))
            self._decoder = av.CodecContext.create(a.codec_context.codec.name, "r")
            self._decoder.extradata = a.codec_context.extradata
            self._decoder.sample_rate, self._decoder.layout = a.rate, channel_layout(a)

    def begin_at(self, time: float) -> None:
        """Make the recording's time 0 the source's ``time`` seconds (its first frame written)."""
        self._zero = time

    def _next(self) -> Any:
        if self._pending is not None:
            p, self._pending = self._pending, None
            return p
        return self._feed.get()

    def mux_until(self, t: float) -> None:
        """Mux the sound waiting that plays before ``t`` seconds of the recording."""
        while True:
            item = self._next()
            if item is None:
                break
            ts, p = item[0] - self._zero, item[1]
            if ts >= t:
                self._pending = item
                break
            duration = float(p.duration * p.time_base) if p.duration else 0.0
            if ts < 0 or ts < self._end - 0.002:  # before the first frame, or over sound already muxed
                continue
            if self.copy:
                self._mux_live(p, ts)
            else:
                self._decode_live(p, ts)
            self._end = ts + duration
        if not self.copy:
            self._drain(int(t * self._rate), final=False)

    def _mux_live(self, p: Any, ts: float) -> None:
        p.pts = p.dts = int(round(ts / p.time_base))
        self._mux_stripped(p, self._feed.template)

    def _decode_live(self, p: Any, ts: float) -> None:
        for frame in self._decoder.decode(p):
            if not self._started:
                self._queue(frame, ts)
                continue
            have = self._written + self._fifo.samples
            gap = round(ts * self._rate) - have
            if gap > self._rate // 10:  # an outage: silence, so the sound after it stays with its pictures
                for k in range(0, gap, self._rate):
                    self._fifo.write(self._silence(min(self._rate, gap - k)))
                    self._drain(have + k + min(self._rate, gap - k), final=False)
            self._queue(frame, ts)
            ts += frame.samples / (frame.sample_rate or self._rate)

    def close(self) -> None:
        if self._refused:
            log.warning("%d damaged sound packets were skipped", self._refused)
            self._refused = 0
        if self._feed.dropped:
            log.warning("%d sound packets of the stream were dropped: the recording fell behind", self._feed.dropped)
            self._feed.dropped = 0
