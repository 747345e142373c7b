"""Frames of one camera, with the packets they came in when the recording copies them.

Two kinds: :class:`PacketFeed` demuxes a file or stream itself (PyAV), so the
same packets go to the decoder and, untouched, to the recording; any other
source goes through :func:`videotools.open_source` (:class:`SourceFeed`),
whose frames can only be re-encoded. Both hand out :class:`FeedFrame`, which
converts to RGB only when asked, at the size asked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..errors import SourceError

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")


@dataclass
class FeedFrame:
    """One decoded frame: its time (s from the feed's start) and the frame, converted on demand."""

    t: float
    av_frame: Any = None  # an av.VideoFrame (PacketFeed)
    array: Any = None  # an (H, W, 3) uint8 RGB ndarray (SourceFeed)

    def rgb(self) -> Any:
        """The full-size frame, ``(H, W, 3) uint8`` RGB."""
        if self.array is None:
            self.array = self.av_frame.to_ndarray(format="rgb24")
        return self.array

    def small(self, width: int) -> Any:
        """The frame scaled to ``width`` (the height keeps the aspect, even), RGB; 0 or wider: full size."""
        w, h = self.size
        if width <= 0 or width >= w:
            return self.rgb()
        height = max(2, round(h * width / w / 2) * 2)
        if self.av_frame is not None and self.array is None:  # swscale scales and converts in one pass
            return self.av_frame.reformat(width=width, height=height, format="rgb24",
                                          interpolation="AREA").to_ndarray()
        import cv2

        return cv2.resize(self.array, (width, height), interpolation=cv2.INTER_AREA)

    @property
    def size(self) -> tuple[int, int]:
        if self.array is not None:
            return int(self.array.shape[1]), int(self.array.shape[0])
        return int(self.av_frame.width), int(self.av_frame.height)


class PacketFeed:
    """A file or stream demuxed here: each packet goes to ``on_packet`` (the recorder), video ones to the decoder.

    Parameters
    ----------
    spec : str
        A video file or a stream URL (``udp://``, ``rtsp://``...).
    timeout : float
        Streams: seconds to answer when opened, and of silence after which reading fails (the camera
        counts as down).

    Raises
    ------
    SourceError
        Nothing answers within ``timeout``, or it holds no video.
    """

    def __init__(self, spec: str, *, timeout: float = 10.0) -> None:
        import av
        import av.error

        self.spec = spec
        self.is_stream = spec.lower().startswith(STREAM_SCHEMES)
        options = {"rtsp_transport": "tcp"} if spec.lower().startswith(("rtsp://", "rtsps://")) else {}
        self.timeout = timeout
        try:
            self.container = av.open(spec, options=options,
                                     timeout=(timeout, timeout) if self.is_stream else None)
        except av.error.ExitError:  # the interrupt callback: nothing came in time
            raise SourceError(f"cannot open {spec}: nothing arrived within {timeout:g} s") from None
        except (av.error.FFmpegError, OSError) as err:
            raise SourceError(f"cannot open {spec}: {_reason(err)}") from None
        if not self.container.streams.video:
            self.container.close()
            raise SourceError(f"cannot open {spec}: no video stream")
        self.video = self.container.streams.video[0]
        self.video.thread_type = "AUTO"
        self.audio = self.container.streams.audio[0] if self.container.streams.audio else None
        self.live = self.is_stream and not self.container.duration
        rate = self.video.average_rate or self.video.guessed_rate or 25
        self.fps = float(rate) if 0 < float(rate) < 1000 else 25.0
        self.size = (self.video.codec_context.width, self.video.codec_context.height)
        self.on_packet: Callable[[Any], None] | None = None
        self.errors = 0  # packets the decoder refused (damaged data from a lossy network)
        self._tb: Fraction = self.video.time_base or Fraction(1, 90000)
        self._t0: float | None = None
        self._clock0 = time.monotonic()

    def __iter__(self) -> Iterator[FeedFrame]:
        import av.error

        streams = [s for s in (self.video, self.audio) if s is not None]
        try:
            for packet in self.container.demux(streams):
                frames = []
                if packet.stream is self.video:
                    try:
                        frames = packet.decode()
                    except av.error.InvalidDataError:
                        self.errors += 1
                if self.on_packet is not None and packet.dts is not None:
                    self.on_packet(packet)
                for f in frames:
                    yield FeedFrame(self._time(f), av_frame=f)
        except av.error.ExitError:
            raise SourceError(f"{self.spec}: no data for {self.timeout:g} s") from None
        except (av.error.FFmpegError, OSError) as err:
            raise SourceError(f"{self.spec}: reading failed ({_reason(err)})") from None

    def _time(self, frame: Any) -> float:
        if self.live:  # a live stream's clock is its arrival: restarted senders restart their timestamps
            return time.monotonic() - self._clock0
        t = float(frame.pts * self._tb) if frame.pts is not None else 0.0
        if self._t0 is None:
            self._t0 = t
        return t - self._t0

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> PacketFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SourceFeed:
    """Any source :func:`videotools.open_source` opens (synthetic scenes, cameras, images, files, streams)."""

    def __init__(self, spec: str, *, lost_after: float = 10.0) -> None:
        from ..sources import open_source

        self.spec = spec
        self.source = open_source(spec, lost_after=lost_after) if _lossy(spec) else open_source(spec)
        self.live = bool(self.source.info.live)
        self.fps = float(self.source.info.fps)
        self.size = self.source.info.size
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
    from ..sources.images import is_image_path

    if spec.lower().startswith(STREAM_SCHEMES):
        return True
    if spec.startswith("synthetic:") or camera_device(spec) is not None:
        return False
    p = Path(spec)
    return p.is_file() and not is_image_path(p)


def _lossy(spec: str) -> bool:
    """Whether ``spec`` is a stream or a camera (the sources that take ``lost_after``)."""
    from ..sources import camera_device

    return spec.lower().startswith(STREAM_SCHEMES) or camera_device(spec) is not None


def _reason(err: BaseException) -> str:
    reason = getattr(err, "strerror", None)
    return str(reason or err or type(err).__name__)


def open_feed(spec: str, *, copy: bool, lost_after: float) -> PacketFeed | SourceFeed:
    """The feed for ``spec``: demuxed here when ``copy`` (files and streams: packets to copy, and frames
    converted only when and at the size asked), else through :func:`videotools.open_source`."""
    if copy:
        return PacketFeed(spec, timeout=lost_after)
    return SourceFeed(spec, lost_after=lost_after)
