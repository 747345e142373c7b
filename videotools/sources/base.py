"""The Source protocol and the stream metadata that travels with it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..frames import Frame


@dataclass(frozen=True)
class StreamInfo:
    """What is known of a stream before reading it.

    ``frame_count`` and ``duration`` are None when unknown (cameras, network
    streams); for files they come from the container and may be estimates.
    """

    fps: float
    size: tuple[int, int]  # (W, H)
    frame_count: int | None = None
    duration: float | None = None
    codec: str | None = None
    kind: str = "video"
    audio_codec: str | None = None  # a file's first audio stream, if it has one
    pixel_aspect: tuple[int, int] = (1, 1)  # width:height of one pixel (anamorphic DV/DVD/HDV: not 1:1)


@runtime_checkable
class Source(Protocol):
    """An iterable of RGB frames that is also a context manager."""

    info: StreamInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class SourceBase:
    """Shared plumbing: ``fps``/``size``/``frame_count`` properties and ``with`` support."""

    info: StreamInfo
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

    def close(self) -> None:  # pragma: no cover - overridden where there is something to release
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
