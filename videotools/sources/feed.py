"""A live stream's sound, handed from the source that reads it to the recordings that keep it.

A file's soundtrack is read again from the file by the recording
(:class:`videotools.sinks.audio.AudioTrack`); a live stream cannot be read
twice, so its reader demuxes the sound beside the pictures and gives each sound
packet the time the pictures' timeline gives the same clock (:meth:`.Timeline.place`):
after a reset or an outage the sound moves with the pictures, and its times keep
increasing with theirs. Packets travel through a bounded queue per recording:
one that falls far behind loses sound (counted, with a warning), never memory.
"""

from __future__ import annotations

import io
import logging
import queue
import time
from typing import Any

import av

from .timing import JUMP, Timeline

log = logging.getLogger(__name__)

FEED_PACKETS = 1024
"""Sound packets a recording may fall behind before they are dropped: about 20 s of AAC at 48 kHz."""
HOLD_SECONDS = 5.0
"""Seconds a sound packet may wait for pictures of its own stretch (after a reset) before it is dropped."""


class AudioFeed:
    """Sound packets of a live stream with their times (seconds, the source's ``time``), for one recording.

    Attributes
    ----------
    template : av.stream.Stream
        Holds the codec parameters of the stream's first sound (for ``add_stream_from_template``);
        valid while the feed lives, whatever becomes of the source's own connection.
    codec : str
        FFmpeg's name of the codec (``aac``).
    dropped : int
        Packets dropped because the recording fell behind.
    """

    def __init__(self, stream: Any, *, size: int = FEED_PACKETS) -> None:
        # an output container that is never written holds a copy of the parameters: the source's stream
        # is freed when a stalled stream is opened again
        self._holder = av.open(io.BytesIO(), "w", format="nut")
        self.template = self._holder.add_stream_from_template(stream)
        codec = stream.codec_context.codec
        self.codec: str = getattr(codec, "canonical_name", None) or codec.name
        self.rate = int(stream.rate or 0)
        self.channels = int(stream.channels or 0)
        self.dropped = 0
        self._queue: queue.Queue[tuple[float, Any]] = queue.Queue(size)

    def matches(self, stream: Any) -> bool:
        """Whether ``stream`` (after the source opened its stream again) has the same codec, rate and channels."""
        codec = stream.codec_context.codec
        return ((getattr(codec, "canonical_name", None) or codec.name) == self.codec
                and int(stream.rate or 0) == self.rate and int(stream.channels or 0) == self.channels)

    def put(self, t: float, packet: Any) -> None:
        """Queue one packet shown at ``t`` seconds; drop it (counted) when the recording is too far behind."""
        try:
            self._queue.put_nowait((t, packet))
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("a recording fell %d sound packets behind the stream: dropping sound", self._queue.maxsize)

    def get(self) -> tuple[float, Any] | None:
        """The next packet and its time, or None when none is waiting."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None


class LiveSound:
    """Place a live stream's sound packets on its pictures' timeline and hand them to the feeds.

    A packet waits (``HOLD_SECONDS`` at most) while its time is not within
    :data:`.timing.JUMP` of the latest picture: the sound of a sender that
    restarted arrives before the pictures that tell the timeline where the new
    stretch goes. After the stream is opened again, sound waits for the first
    picture of the new connection.
    """

    def __init__(self, feeds: list[AudioFeed]) -> None:
        self.feeds = feeds
        self._held: list[tuple[float, float, Any]] = []  # (arrival, timestamp in s, packet)
        self._gated = False  # opened again: wait for a picture of the new connection
        self._mismatch = False  # the stream came back with another sound: not fed

    def reopened(self, stream: Any | None) -> None:
        """The source opened its stream again (``stream``: its sound, if it has one)."""
        self._held.clear()
        self._gated = True
        self._mismatch = stream is None or not all(f.matches(stream) for f in self.feeds)
        if stream is not None and self._mismatch and self.feeds:
            log.warning("the stream came back with other sound (%s): it is not recorded",
                        stream.codec_context.name)

    def take(self, packet: Any, line: Timeline) -> None:
        """A sound packet as demuxed, on the way to the feeds (now, if ``line`` places it)."""
        if self._mismatch or packet.pts is None or not packet.size or not packet.time_base:
            return
        self._held.append((time.monotonic(), float(packet.pts * packet.time_base), packet))
        self.release(line)

    def pictures_at(self, line: Timeline) -> None:
        """A picture was timed on ``line``: hand out the held packets it places, drop the stale."""
        self._gated = False
        self.release(line)

    def release(self, line: Timeline) -> None:
        """Hand out the held packets ``line`` places near its latest picture; drop those held too long."""
        now = time.monotonic()
        if not self.feeds:  # no recording asked yet: keep the last seconds for the one that will
            while self._held and now - self._held[0][0] >= HOLD_SECONDS:
                self._held.pop(0)
            return
        if self._gated or not self._held:
            return
        latest = line.latest
        keep = []
        for arrived, ts, packet in self._held:
            t = line.place(ts)
            if t is not None and latest is not None and abs(t - latest) <= JUMP:
                for feed in self.feeds:
                    feed.put(t, packet)
            elif now - arrived < HOLD_SECONDS:
                keep.append((arrived, ts, packet))
        self._held = keep
