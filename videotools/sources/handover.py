"""Handing decoded frames to the caller: on the caller's thread (files), or from a reader thread (streams).

:class:`Handover` holds that part of :class:`.file.FileSource`: a stream is
read on a thread that keeps a few frames ready, so that a silent stream never
blocks the caller (Ctrl-C, ``close()``); a file is decoded on the caller's
thread, FFmpeg's own decoder threads already decoding ahead. The decoder
state it works on is the source's own.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import av
import av.error

from ..errors import SourceError
from .probe import reason

log = logging.getLogger(__name__)


class Handover:
    """The frame-handing half of :class:`.file.FileSource` (a mixin: the attributes are the source's)."""

    path: str
    time: float
    warning: str | None
    frames_read: int
    _prefetch: int
    _thread: threading.Thread | None
    _started: bool
    _first: Any
    _first_t: float
    _frames_iter: Iterator[tuple[Any, float]]
    _stop: threading.Event

    def _frames(self, convert: Callable[[Any], Any]) -> Iterator[Any]:
        if self._thread is not None or self._started:
            raise SourceError(f"{self.path} is a single-pass source and is already being read; "
                              "open it again to read it again")
        self._started = True
        if not self._prefetch:
            return self._inline(convert)
        q: queue.Queue = queue.Queue(self._prefetch)
        self._thread = threading.Thread(target=self._reader, args=(q, convert), daemon=True,
                                        name="videotools-decode")
        self._thread.start()
        return self._drain(q)

    def _inline(self, convert: Callable[[Any], Any]) -> Iterator[Any]:
        """Decode on the caller's thread (FFmpeg's own threads still decode ahead)."""
        frame, self.time = self._first, self._first_t
        while frame is not None and not self._stop.is_set():
            out = convert(frame)
            self.frames_read += 1
            yield out
            try:
                frame, self.time = next(self._frames_iter, (None, self.time))
            except (av.error.FFmpegError, OSError) as err:
                self.warning = (f"{self.path}: stopped after {self.frames_read} frames, the rest could not be "
                                f"read ({reason(err)})")
                break
        if self.warning:
            log.warning(self.warning)

    def _drain(self, q: queue.Queue) -> Iterator[Any]:
        while True:
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set():  # closed while the reader waits on a silent stream
                    return
                continue
            if item is None:
                if self.warning:
                    log.warning(self.warning)
                return
            self.time, frame = item
            self.frames_read += 1
            yield frame

    def _reader(self, q: queue.Queue, convert: Callable[[Any], Any]) -> None:
        try:
            frames = self._frames_iter
            pending = [(self._first, self._first_t)]
            while not self._stop.is_set():
                frame, t = pending.pop() if pending else next(frames, (None, 0.0))
                if frame is None:
                    break
                item = (t, convert(frame))
                while not self._stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except (av.error.FFmpegError, OSError) as err:  # a stream that failed mid-way
            self.warning = (f"{self.path}: stopped after {self.frames_read} frames, the rest could not be "
                            f"read ({reason(err)})")
        finally:
            while True:
                try:
                    q.put(None, timeout=0.1)
                    break
                except queue.Full:
                    if self._stop.is_set():
                        break

