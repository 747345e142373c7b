"""Reading a live stream: every frame dated by its packet's arrival, the stream reopened when it stops, its sound.

:class:`LiveReading` holds the part of :class:`.file.FileSource` that only
live streams (``rtsp://``, ``udp://`` ...) use; the container and decoder
state it works on are the source's own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import av
import av.error

from ..errors import SourceError
from .feed import AudioFeed, LiveSound
from .probe import first_audio, reason, video_stream
from .timing import Timeline

log = logging.getLogger(__name__)


class LiveReading:
    """The live-stream half of :class:`.file.FileSource` (a mixin: the attributes are the source's)."""

    path: str
    live: bool
    lost_after: float
    warning: str | None
    damaged: int
    on_packet: Callable[[Any], None] | None
    timeline: Timeline | None
    _container: Any
    _stream: Any
    _silence: float
    _threads: int | None
    _sound: LiveSound
    _feeds: list[AudioFeed]
    _stop: threading.Event
    _open: Callable[..., Any]

    def _every_live_frame(self) -> Iterator[tuple[Any, float]]:
        """Every frame of a live stream with the time its packet arrived (monotonic clock).

        The stream is opened again whenever it stops (it ended, broke, or was
        silent for the read timeout), until no frame came for ``lost_after``
        seconds. A packet's arrival, not the frame's decoding, dates the
        frame: a decoder holds frames back until more packets come, which
        after an outage is when the stream is back.
        """
        arrived: dict[int, float] = {}  # packet pts -> when it came, for the frames still in the decoder
        last = time.monotonic()
        line = self.timeline
        assert line is not None  # set by _timed before it reads a frame
        sound, hook = self._sound, self.on_packet
        while not self._stop.is_set():
            audio = first_audio(self._container)
            streams = (self._stream, audio) if audio is not None else (self._stream,)  # feeds may come later
            try:
                for packet in self._container.demux(*streams):
                    if packet.stream_index != self._stream.index:
                        if hook is None:
                            sound.take(packet, line)
                        elif packet.dts is not None:
                            hook(packet)
                        continue
                    now = time.monotonic()
                    if packet.pts is not None:
                        arrived[packet.pts] = now
                        if len(arrived) > 64:
                            del arrived[next(iter(arrived))]
                    try:
                        frames = packet.decode()
                    except (av.error.InvalidDataError, av.error.FFmpegError):
                        self.damaged += 1
                        frames = []
                    if hook is not None and packet.size and (packet.dts is not None or packet.pts is not None):
                        hook(packet)
                    for frame in frames:
                        last = now
                        yield frame, arrived.pop(frame.pts, now)
                        sound.pictures_at(line)  # the timeline has placed the frame: sound may follow
                why = "it ended"
            except av.error.ExitError:  # silent for the read timeout (the demuxer then hands out what it held)
                why, last = "silent", min(last, time.monotonic() - self._silence)
            except (av.error.FFmpegError, OSError) as err:  # the link broke
                why = reason(err)
            yield from ((f, arrived.pop(f.pts, last)) for f in self._flush_decoder())
            arrived.clear()
            if self._stop.is_set():
                return
            log.warning("%s: the stream stopped (%s); reopening it for up to %.0f s", self.path, why,
                        self.lost_after - (time.monotonic() - last))
            if not self._reopen(last):
                self.warning = (f"{self.path}: no frame for {self.lost_after:g} s (the stream stopped: {why}); "
                                "the frames before are all there")
                return
            sound.reopened(first_audio(self._container))

    def audio_feed(self) -> AudioFeed | None:
        """A live stream's sound for one recording: packets with their times, from the next frame read on.

        Call before reading the frames; each recording takes a feed of its own.
        None for a file (a recording reads its sound from the file itself) or a
        stream without sound. See :mod:`.feed`.
        """
        if not self.live:
            return None
        audio = first_audio(self._container)
        if audio is None:
            return None
        feed = AudioFeed(audio)
        self._feeds.append(feed)
        return feed

    def _flush_decoder(self) -> list[Any]:
        """The frames a decoder still holds when its stream stops."""
        try:
            return list(self._stream.codec_context.decode(None))
        except (av.error.FFmpegError, OSError):
            return []

    def _reopen(self, last: float) -> bool:
        """Open the stream again, trying until ``lost_after`` s after the frame at ``last`` (monotonic clock)."""
        while not self._stop.is_set():
            left = self.lost_after - (time.monotonic() - last)
            if left <= 0:
                return False
            self._container.close()
            try:
                container = self._open(max(0.5, left))
            except SourceError:
                self._stop.wait(min(0.5, max(0.0, left)))
                continue
            v = video_stream(container)
            if v is None:
                container.close()
                self._stop.wait(min(0.5, max(0.0, left)))
                continue
            self._container = container
            v.thread_type = "AUTO"
            v.codec_context.thread_count = self._threads or 0
            self._stream = v
            return True
        return False
