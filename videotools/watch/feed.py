"""Frames of one camera, with the packets they came in when the recording copies them.

Two kinds: a file or stream is read by :class:`videotools.sources.FileSource`
(:class:`FileFeed`), which hands each packet it demuxes, untouched, to the
recording; any other source goes through :func:`videotools.open_source`
(:class:`SourceFeed`), whose frames can only be re-encoded. Both hand out
:class:`FeedFrame`, which converts to RGB only when asked, at the size asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import SourceError


@dataclass
class FeedFrame:
    """One decoded frame: its time (s from the feed's start) and the frame, converted on demand, upright.

    ``rotation`` is what the file's display matrix asks (0, 90, 180 or 270,
    :attr:`videotools.sources.FileSource.rotation`): the frame is turned as
    :class:`~videotools.sources.FileSource` turns its own, so the chain, the
    pictures and a re-encoded recording see what ``videotools run`` sees.
    """

    t: float
    av_frame: Any = None  # an av.VideoFrame as decoded, not turned (FileFeed)
    array: Any = None  # an (H, W, 3) uint8 RGB ndarray, upright (SourceFeed, or once converted)
    rotation: int = 0

    def rgb(self) -> Any:
        """The full-size frame, ``(H, W, 3) uint8`` RGB, upright."""
        if self.array is None:
            self.array = self._upright(self.av_frame.to_ndarray(format="rgb24"))
        return self.array

    def small(self, width: int) -> Any:
        """The frame scaled to ``width`` (the height keeps the aspect, even), RGB, upright; 0 or wider: full size."""
        w, h = self.size
        if width <= 0 or width >= w:
            return self.rgb()
        height = max(2, round(h * width / w / 2) * 2)
        if self.av_frame is not None and self.array is None:  # swscale scales and converts in one pass
            dw, dh = (height, width) if self.rotation in (90, 270) else (width, height)
            return self._upright(self.av_frame.reformat(width=dw, height=dh, format="rgb24",
                                                        interpolation="AREA").to_ndarray())
        import cv2

        return cv2.resize(self.array, (width, height), interpolation=cv2.INTER_AREA)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` upright."""
        if self.array is not None:
            return int(self.array.shape[1]), int(self.array.shape[0])
        w, h = int(self.av_frame.width), int(self.av_frame.height)
        return (h, w) if self.rotation in (90, 270) else (w, h)

    def _upright(self, rgb: Any) -> Any:
        """``rgb`` (as decoded) turned by :data:`videotools.sources.probe.ROTATE`, the table FileSource turns by."""
        if not self.rotation:
            return rgb
        import cv2

        from ..sources.probe import ROTATE

        return cv2.rotate(rgb, ROTATE[self.rotation])


class FileFeed:
    """A file or stream read by :class:`videotools.sources.FileSource`, its frames left as decoded.

    Each demuxed packet (video and the first sound stream) goes to
    ``on_packet`` (the recorder copies it) from the same read as the frames;
    a live stream that stops is reopened by the source, for up to
    ``lost_after`` s, and then fails (the camera counts as down).

    Raises
    ------
    SourceError
        Nothing answers within ``lost_after``, or it holds no video.
    """

    def __init__(self, spec: str, *, lost_after: float = 10.0,
                 on_packet: Callable[[Any], None] | None = None) -> None:
        from ..sources.file import FileSource

        # decoded on this thread (no reader thread): the packets reach the recorder on the camera's thread
        self.source = FileSource(spec, prefetch=0, timeout=lost_after, lost_after=lost_after, on_packet=on_packet)
        self.spec = spec
        self.live = bool(self.source.live)
        self.fps = float(self.source.info.fps)
        self.size = self.source.info.size  # upright, as the frames are handed out
        self.audio_codec = self.source.info.audio_codec  # its sound, if it has one

    def __iter__(self) -> Iterator[FeedFrame]:
        src = self.source
        for frame in src.iter_decoded():
            yield FeedFrame(src.time, av_frame=frame, rotation=src.rotation)
        if src.warning and self.live:
            raise SourceError(src.warning)

    @property
    def errors(self) -> int:
        """Packets the decoder refused (damaged data from a lossy network)."""
        return self.source.damaged

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> FileFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SourceFeed:
    """Any other source :func:`videotools.open_source` opens (synthetic scenes, cameras, images)."""

    def __init__(self, spec: str, *, lost_after: float = 10.0) -> None:
        from ..sources import open_source

        self.spec = spec
        self.source = open_source(spec, lost_after=lost_after) if live_source(spec) else open_source(spec)
        self.live = bool(self.source.info.live)
        self.fps = float(self.source.info.fps)
        self.size = self.source.info.size
        self.audio_codec = self.source.info.audio_codec
        self.errors = 0

    def __iter__(self) -> Iterator[FeedFrame]:
        for frame in self.source:
            yield FeedFrame(float(self.source.time), array=frame)
        if self.source.warning and self.live:
            raise SourceError(self.source.warning)

    @property
    def dropped(self) -> int:
        return int(getattr(self.source, "dropped", 0) or 0)

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> SourceFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def copyable(spec: str) -> bool:
    """Whether ``spec`` has packets to copy: a stream URL, or an existing video file (not images, scenes, cameras)."""
    from pathlib import Path

    from ..sources import camera_device
    from ..sources.file import STREAM_SCHEMES
    from ..sources.images import is_image_path

    if spec.lower().startswith(STREAM_SCHEMES):
        return True
    if spec.startswith("synthetic:") or camera_device(spec) is not None:
        return False
    p = Path(spec)
    return p.is_file() and not is_image_path(p)


def live_source(spec: str) -> bool:
    """Whether ``spec`` is a stream URL or a camera device: what takes ``lost_after``, and what is worth
    reopening after a failure (a file or a scene opened again would play again from its start)."""
    from ..sources import camera_device
    from ..sources.file import STREAM_SCHEMES

    return spec.lower().startswith(STREAM_SCHEMES) or camera_device(spec) is not None


def open_feed(spec: str, *, lost_after: float, on_packet: Callable[[Any], None] | None = None
              ) -> FileFeed | SourceFeed:
    """The feed for ``spec``: files and streams through :class:`FileFeed` (packets to ``on_packet``, frames
    converted only when and at the size asked), anything else through :func:`videotools.open_source`."""
    if copyable(spec):
        return FileFeed(spec, lost_after=lost_after, on_packet=on_packet)
    return SourceFeed(spec, lost_after=lost_after)
