"""Presentation times that only go forward, from the timestamps a decoder hands out.

Damaged files and live streams give timestamps a recording cannot keep: an AVI
holding H.264 with B-frames stamps each picture with its packet's decode-order
number, so pictures come out of the decoder as 3, 5, 4, 6, 8, 7...; a live
stream repeats a timestamp, or starts again from zero when its sender restarts.
:class:`Timeline` turns them into strictly increasing times, evenly spaced
where the input meant them so, the way FFmpeg's own command line re-times them:

* a few frames are held back and the smallest timestamp among them goes to the
  oldest frame (a reorder buffer: a permutation within the window comes out sorted);
* a timestamp that jumps back by more than the window can explain (a reset), or,
  on a live stream, forward by more than the time that passed (a sender that
  restarted elsewhere), starts a new stretch right after the last one: one frame
  later, or on a live stream as much later as the outage lasted;
* a time that is still not after the last one (a repeat) gets the next slot at
  the nominal rate; a frame without any timestamp too.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

WINDOW = 5
"""Frames held back to sort their timestamps: deeper than the reordering of B-frames with a pyramid (x264: 4)."""
JUMP = 1.0
"""Seconds a timestamp may go back (beyond the window) or, live, run ahead of the clock before it counts as a reset."""


class Timeline(Generic[T]):
    """Give each item (a decoded frame) a time in seconds that is later than the one before.

    Parameters
    ----------
    step : float
        Seconds between frames at the nominal rate (``1 / fps``).
    origin : float, optional
        Subtracted from every timestamp (a file's start time); None: the first
        timestamp seen, so the first frame is at 0 (live streams).
    live : bool
        Measure outages with the wall clock (``push(..., wall=)``, when the
        frame's data arrived): a stream that comes back with other timestamps
        resumes as much later as it was away, and a forward jump the clock
        does not explain is a reset too.
    window : int
        Frames held back to sort their timestamps (0: none, times as they come).

    Examples
    --------
    >>> line = Timeline(step=1.0, origin=0.0)
    >>> [t for _, t in line.run((i, float(ts)) for i, ts in enumerate([0, 2, 3, 1, 4, 4, 5]))]
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    """

    def __init__(self, step: float, *, origin: float | None = None, live: bool = False,
                 window: int = WINDOW) -> None:
        self.step, self.live, self.window = step, live, window
        self.resets = 0  # stretches started again after a reset or an outage
        self.repaired = 0  # frames whose time is not the one their timestamp said
        self._offset = None if origin is None else -origin
        self._items: deque[tuple[T, float | None]] = deque()  # held back, in the order they came
        self._times: list[tuple[float, int]] = []  # heap of their (time, arrival number)
        self._count = itertools.count()
        self._top: float | None = None  # the latest time seen in this stretch
        self._lead: float | None = None  # live: the least a frame's arrival was ahead of its time
        self._last: float | None = None  # the time last given out

    def push(self, item: T, ts: float | None, *, wall: float | None = None) -> list[tuple[T, float]]:
        """Take one item with its timestamp in seconds (None: it has none); return the items now timed."""
        t = self._unwrap(ts, wall)
        self._items.append((item, t))
        if t is not None:
            heapq.heappush(self._times, (t, next(self._count)))
        out = []
        while len(self._items) > self.window:
            out.append(self._pop())
        return out

    def flush(self) -> list[tuple[T, float]]:
        """The items still held back, timed (at the end of the input)."""
        return [self._pop() for _ in range(len(self._items))]

    def run(self, items: Iterable[tuple[T, float | None]]) -> Iterator[tuple[T, float]]:
        """Time every ``(item, timestamp)`` of a finite input (files; tests)."""
        for item, ts in items:
            yield from self.push(item, ts)
        yield from self.flush()

    def place(self, ts: float) -> float | None:
        """Where a timestamp of the same clock (another stream's: the sound's) falls on this timeline now.

        With the offset the frames pushed so far were given (shifted at each
        reset); None before the first frame. It does not hold, sort or
        repair: the caller checks the time is near :attr:`latest`.
        """
        return None if self._offset is None else ts + self._offset

    @property
    def latest(self) -> float | None:
        """The latest time a frame pushed so far has on this timeline (None before the first)."""
        return self._top

    def _unwrap(self, ts: float | None, wall: float | None) -> float | None:
        """The timestamp on this timeline: moved to just after the stretch before it when it jumped.

        Live, ``lead`` is the least a frame's arrival (wall clock) has been
        ahead of its time: where the stream's clock and the wall clock stand
        when nothing delays a frame. A stream that comes back after an outage
        resumes where that puts it, and a stamp that runs ahead of it by more
        than :data:`JUMP` is a jump the outage does not explain.
        """
        if ts is None:
            return None
        if self._offset is None:
            self._offset = -ts
        t = ts + self._offset
        now = wall if self.live else None  # the wall clock counts only live
        if self._top is not None:
            back = t - self._top < -max(JUMP, (self.window + 1) * self.step)
            ahead = now is not None and self._lead is not None and t > now - self._lead + JUMP
            if back or ahead:
                self.resets += 1
                resumed = self._top + self.step
                if now is not None and self._lead is not None:
                    resumed = max(resumed, now - self._lead)
                self._offset += resumed - t
                t = resumed
        self._top = t if self._top is None else max(self._top, t)
        if now is not None:
            self._lead = now - t if self._lead is None else min(self._lead, now - t)
        return t

    def _pop(self) -> tuple[T, float]:
        item, own = self._items.popleft()
        t: float | None = None
        if own is not None:
            t, _ = heapq.heappop(self._times)  # the smallest held: the oldest frame's, had they come in order
        if t is None:
            t = 0.0 if self._last is None else self._last + self.step
        elif self._last is not None and t <= self._last + 1e-9:  # a repeat, or later than the window could sort
            t = self._last + self.step
        if own is None or abs(t - own) > 1e-9:
            self.repaired += 1
        self._last = t
        return item, t
