"""A source played again and again (``--loop``), its times running on across repeats."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..frames import Frame
from ..protocols import HasWarning, Source
from .base import SourceBase


class LoopSource(SourceBase):
    """Repeat what ``open_`` opens, forever; an empty source ends the loop.

    Parameters
    ----------
    open_ : callable
        Opens the source afresh (sources are single-pass).
    first : Source, optional
        An unread source to play first (default: ``open_()``).
    """

    def __init__(self, open_: Callable[[], Source], first: Source | None = None) -> None:
        self._open = open_
        self._src = first if first is not None else open_()
        info = self._src.info
        self.info = type(info)(**{**info.__dict__, "frame_count": None, "duration": None})
        self.loops = 0

    def __iter__(self) -> Iterator[Frame]:
        offset = 0.0
        while True:
            base: float | None = None
            for frame in self._src:
                base = self._src.time if base is None else base
                self.time = offset + self._src.time - base
                self.frames_read += 1
                yield frame
            if base is None:
                self.warning = self._src.warning if isinstance(self._src, HasWarning) else None
                return
            offset = self.time + 1.0 / self.info.fps
            self._src.close()
            self._src = self._open()
            self.loops += 1

    def close(self) -> None:
        self._src.close()
