"""Interlaced video made progressive: FFmpeg's bwdif filter on the frames flagged interlaced.

Interlaced video (DV, broadcast TS, some security DVRs) holds two fields shot
1/50 or 1/60 s apart woven into each frame: moving edges look combed. Sources
hand out frames woven, as FFmpeg's own command line does, unless asked to
deinterlace; then each frame flagged interlaced is rebuilt from its fields
(``bwdif``, one frame out per frame in, so the count and times do not change)
and progressive frames pass through untouched.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import av.error
import av.filter

from ..errors import SourceError

FILTER = "bwdif"
OPTIONS = "mode=send_frame:parity=auto:deint=interlaced"
TIME_BASE = Fraction(1, 1000)
"""Of the frame counter that stands in for the frames' own timestamps inside the filter."""


class Deinterlacer:
    """Feed decoded frames with their times; get them back deinterlaced, a frame or so later, in order.

    The filter graph is built for the first frame's size and pixel format, and
    built again (after handing out what it holds) when a stream changes them.
    """

    def __init__(self) -> None:
        self._graph: Any = None
        self._key: tuple[int, int, str] | None = None
        self._times: dict[int, float] = {}
        self._n = 0
        self.interlaced = False  # a frame flagged interlaced came in

    def push(self, frame: Any, t: float) -> list[tuple[Any, float]]:
        """Take one decoded frame shown at ``t`` seconds; return the frames now ready."""
        key = (frame.width, frame.height, frame.format.name)
        self.interlaced = self.interlaced or bool(frame.interlaced_frame)
        out = self.flush() if self._key not in (None, key) else []
        if self._graph is None:
            self._build(frame)
            self._key = key
        frame.pts, frame.time_base = self._n, TIME_BASE  # a counter: the times travel beside it
        self._times[self._n] = t
        self._n += 1
        try:
            self._graph.vpush(frame)
        except av.error.FFmpegError as err:
            raise SourceError(f"deinterlacing failed ({err.strerror or err})") from err
        return out + self._pull()

    def flush(self) -> list[tuple[Any, float]]:
        """The frames the filter still holds (at the end, or before the stream changes size)."""
        if self._graph is None:
            return []
        self._graph.vpush(None)
        out = self._pull()
        self._graph, self._key = None, None
        return out

    def _build(self, frame: Any) -> None:
        graph = av.filter.Graph()
        source = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name,
                                  time_base=TIME_BASE)
        deint = graph.add(FILTER, OPTIONS)
        sink = graph.add("buffersink")
        source.link_to(deint)
        deint.link_to(sink)
        graph.configure()
        self._graph = graph

    def _pull(self) -> list[tuple[Any, float]]:
        out: list[tuple[Any, float]] = []
        while True:
            try:
                frame = self._graph.vpull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return out
            n = round(frame.pts * (frame.time_base or TIME_BASE) / TIME_BASE)  # bwdif halves the time base
            out.append((frame, self._times.pop(n)))
