"""The types the pipeline is written against: sources, processors, sinks, and optional capabilities.

They are :class:`typing.Protocol` s, so nothing needs to subclass them: any
object with the methods fits. The optional capabilities are checked with
``isinstance`` (they are ``runtime_checkable``), never by probing names.

Data flow: a :class:`Source` yields ``(H, W, 3) uint8`` RGB frames, each
:class:`Processor` maps a frame to a frame, every :class:`Sink` consumes the
result. Time travels beside the frames: ``source.time`` is the presentation
time (seconds) of the frame last yielded, and the pipeline hands it to each
sink's ``write(frame, time)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .frames import Frame, YuvFrame

if TYPE_CHECKING:  # the sources package imports this module
    from .sources.base import StreamInfo

KeyMap = dict[str, tuple[Callable[[], object], str]]
"""One-character window key -> (action returning a message, description)."""


@runtime_checkable
class Source(Protocol):
    """A single-pass iterator of RGB frames that can be closed (and used in ``with``).

    ``time`` is the presentation time in seconds of the frame last yielded.
    Nothing else is required: a plain class with these four members is a source.
    """

    info: StreamInfo
    time: float

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


@runtime_checkable
class HasWarning(Protocol):
    """A source that says why it ended early (a damaged file, a lost camera), else None."""

    warning: str | None


@runtime_checkable
class HasSound(Protocol):
    """A source whose soundtrack can follow its frames into video outputs (a file, a live stream).

    ``path`` is read again for a file's sound; a live stream hands its packets
    out through ``audio_feed()`` (None when it has no sound).
    """

    path: str
    is_stream: bool
    live: bool

    def audio_feed(self) -> Any: ...


@runtime_checkable
class Finishes(Protocol):
    """A sink that writes one file and knows whether it was finalized complete."""

    path: Any
    finished: bool


@runtime_checkable
class PlanarSource(Protocol):
    """A source that can hand out frames as decoded I420 planes (for copying without conversion)."""

    i420: tuple[str, bool] | None

    def iter_yuv(self) -> Iterator[YuvFrame]: ...


@runtime_checkable
class Processor(Protocol):
    """Maps a frame to a frame; may keep state between frames (it runs on the pipeline's thread)."""

    def __call__(self, frame: Frame) -> Frame: ...


@runtime_checkable
class PlanarProcessor(Protocol):
    """A processor that can also map decoded I420 frames to I420 frames, sparing two colour conversions.

    When every processor of a run is planar for the stream's format
    (``accepts_yuv(matrix, full_range)``) and every sink writes video files,
    the pipeline calls ``process_yuv`` instead of ``__call__``; its output must
    be what ``__call__`` would give, up to the rounding of the conversions.
    """

    def accepts_yuv(self, matrix: str, full_range: bool) -> bool: ...

    def process_yuv(self, frame: YuvFrame) -> YuvFrame: ...


@runtime_checkable
class Sink(Protocol):
    """Consumes frames with their presentation time (seconds, or None: evenly spaced at the nominal rate)."""

    def write(self, frame: Frame, time: float | None = None) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class PlanarSink(Protocol):
    """A sink that can take decoded I420 frames as they are."""

    def write_yuv(self, frame: YuvFrame, time: float | None = None) -> None: ...


@runtime_checkable
class Separates(Protocol):
    """A processor that learns a background and tells the foreground from it (``background`` in a chain)."""

    def mask_of(self, frame: Frame) -> Any: ...

    def background(self) -> Frame: ...


@runtime_checkable
class Closeable(Protocol):
    def close(self) -> None: ...


@runtime_checkable
class HasKeys(Protocol):
    """A processor with window keys of its own (posterize: ``r`` refit, ``+``/``-`` k)."""

    @property
    def keys(self) -> KeyMap: ...


@runtime_checkable
class Resettable(Protocol):
    """A stateful processor that can forget what it learnt (a refit, a new scene)."""

    def reset(self) -> None: ...


@runtime_checkable
class HasStatus(Protocol):
    """A processor that describes its state in one line for the window's overlay."""

    def status(self) -> str: ...


@runtime_checkable
class Lossy(Protocol):
    """A source that drops frames to stay live (a camera in latest-frame mode) and counts them."""

    dropped: int


@runtime_checkable
class Holdable(Protocol):
    """A viewer (window, browser preview) that can keep showing the last frame after the source ends.

    ``hold(done)`` blocks until the user ends it (a key, closing the window) or ``done()`` turns true.
    """

    def hold(self, done: Callable[[], bool]) -> None: ...
