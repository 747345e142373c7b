"""Stream metadata, and the plumbing every source shares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..frames import Frame


@dataclass(frozen=True)
class StreamInfo:
    """What is known of a stream before reading it.

    ``frame_count`` is the container's exact count, or None when it does not
    say (Matroska, streams, cameras, a ``start``/``end`` cut); ``duration`` is
    in seconds, None when unknown. ``fps`` is the average rate: frames of a
    variable-frame-rate file keep their own times (``source.time``). Cameras
    are stamped with capture time; ``live`` network streams with their own
    timestamps from the first frame (repaired, and as much later after an
    outage as it lasted).
    """

    fps: float
    size: tuple[int, int]  # (W, H)
    frame_count: int | None = None
    duration: float | None = None
    codec: str | None = None
    kind: str = "video"
    audio_codec: str | None = None  # a file's first audio stream, if it has one
    pixel_aspect: tuple[int, int] = (1, 1)  # width:height of one pixel (anamorphic DV/DVD/HDV: not 1:1)
    time_base: Fraction | None = None  # of the container's timestamps, for files
    live: bool = False
    interlaced: bool = False  # the first frame is (its fields woven unless the source deinterlaces)
    transfer: str | None = None  # "pq" or "hlg" for HDR video (converted as it is, not tone-mapped)


class SourceBase:
    """Shared plumbing: ``fps``/``size``/``frame_count`` properties and ``with`` support.

    Sources are single-pass iterators; ``time`` is the presentation time (s) of
    the frame last yielded, ``warning`` says why a source ended early.
    """

    info: StreamInfo
    time: float = 0.0
    frames_read: int = 0
    warning: str | None = None  # set when a source ended early (damaged file, lost camera)

    @property
    def fps(self) -> float:
        return self.info.fps

    @property
    def size(self) -> tuple[int, int]:
        return self.info.size

    @property
    def frame_count(self) -> int | None:
        return self.info.frame_count

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError(f"{type(self).__name__} does not yield frames")

    def close(self) -> None:
        """Release what the source holds (nothing here)."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
