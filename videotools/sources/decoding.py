"""Reading a file forward: every frame, damaged packets skipped, the frames a decoder lost at the end
recovered, and a file that stops short of its declared length reported.

:class:`FileDecoding` holds that part of :class:`.file.FileSource`; the
container and decoder state it works on are the source's own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any, NamedTuple

import av
import av.error

from .base import StreamInfo
from .probe import first_audio, reason

log = logging.getLogger(__name__)


class Skipped(NamedTuple):
    """A video packet read but not decoded (before the place reading skips to): its timestamp only, which
    the timeline takes as a decoded frame's, so the frames after it are timed as in a whole decode."""

    pts: int | None
    time_base: Fraction | None
    dts: None = None


class FileDecoding:
    """The forward-decoding half of :class:`.file.FileSource` (a mixin: the attributes are the source's)."""

    path: str
    is_stream: bool
    live: bool
    start: float | None
    end: float | None
    info: StreamInfo
    warning: str | None
    frames_read: int
    damaged: int
    on_packet: Callable[[Any], None] | None
    _container: Any
    _stream: Any
    _tb: Fraction
    _t0: float
    _unreadable: bool
    _declared: float | None
    _skip_to: int

    def _every_frame(self, give_up: float | None = None) -> Iterator[Any]:
        """Every frame decoded from where the file was sought, and those the decoder lost at the end (:meth:`_tail`).

        ``give_up``: seconds; stop when packets reach that time and the decoder has given no frame yet
        (a seek that landed where nothing decodes: :meth:`_from_start`).
        """
        skipped = sent = got = 0
        place = 0  # of the video packet, among those with data
        last_pts: int | None = None
        hook = self.on_packet
        audio = first_audio(self._container) if hook is not None else None
        demux = self._container.demux(self._stream, *([audio] if audio is not None else []))
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                if got < sent and last_pts is not None and self._one_frame_a_packet():
                    yield from self._tail(last_pts)
                break
            except (av.error.FFmpegError, OSError) as err:
                self.warning = (f"{self.path}: stopped after {self.frames_read} frames, the rest could not be "
                                f"read ({reason(err)})")
                self._unreadable = True  # that says why it ends: no cut-off warning on top
                return
            if packet.stream_index != self._stream.index:  # sound, demuxed for the hook only
                if packet.dts is not None:
                    hook(packet)  # type: ignore[misc]
                continue
            if place < self._skip_to:  # before the keyframe at the start of a file whose timestamps restart
                place += packet.size > 0
                if packet.size:
                    yield Skipped(packet.pts, packet.time_base)
                continue
            place += packet.size > 0
            if give_up is not None and not got and packet.dts is not None \
                    and float(packet.dts * self._tb) - self._t0 > give_up:
                return
            try:
                frames = packet.decode()
            except (av.error.InvalidDataError, av.error.FFmpegError) as err:
                skipped += 1
                self.damaged += 1
                if skipped == 1:
                    log.info("%s: skipping undecodable data (%s)", self.path, reason(err))
                frames = None
            if hook is not None and packet.size and (packet.dts is not None or packet.pts is not None):
                hook(packet)  # Matroska leaves the dts of a B-frame stream's first packets unset: muxers derive it
            if frames is None:
                continue
            sent += packet.size > 0
            got += len(frames)
            for frame in frames:
                last_pts = frame.pts if frame.pts is not None else last_pts
                yield frame
        if skipped:
            self.warning = f"{self.path}: {skipped} damaged packets were skipped"

    def _one_frame_a_packet(self) -> bool:
        """A local file whose codec puts exactly one frame in each packet."""
        return not self.is_stream and self._stream.codec_context.name in ("h264", "hevc")

    def _tail(self, after_pts: int) -> Iterator[Any]:
        """The frames after ``after_pts``, decoded again on one thread: those a frame-threaded decoder lost at the end.

        PyAV (18) stops receiving frames when a decode error surfaces during the
        final flush, and nothing can receive them after the end of the stream,
        so a file cut off mid-frame lost the frames still in the decoder (a cut
        H.264 MP4: 248 frames where FFmpeg decodes 250). The decoder only
        signals it by handing out fewer frames than packets, so for codecs with
        one frame a packet the last group of pictures is decoded again, on a
        handle of its own, and the frames after the last one given are added.
        """
        try:
            with av.open(self.path) as container:
                stream = container.streams[self._stream.index]
                stream.codec_context.thread_count = 1
                container.seek(after_pts, stream=stream, backward=True)
                for packet in container.demux(stream):
                    try:
                        frames = packet.decode()
                    except av.error.FFmpegError:
                        continue
                    yield from (f for f in frames if f.pts is not None and f.pts > after_pts)
        except (av.error.FFmpegError, OSError) as err:
            log.info("%s: the frames after the last decoded could not be recovered (%s)", self.path, reason(err))

    def _check_ending(self, last: float | None) -> None:
        """Warn when a file's frames end well before the duration its container declares (a cut-off file).

        Over half a second and 5 % short of the video stream's own duration: a
        recording cut off by a crash or a full disk, or an interrupted download,
        that still opens. (A container's duration may be a longer soundtrack's.)
        """
        if self.live or self._unreadable or last is None or not self._declared:
            return
        stop = min(self._declared, self.end) if self.end is not None else self._declared
        ends = last + 1.0 / self.info.fps
        if stop - ends > max(0.5, 0.05 * (stop - (self.start or 0.0))):
            self.warning = (  # says more than "N damaged packets were skipped"
                f"{self.path}: the video stops at {ends:.2f} s, {stop - ends:.1f} s short of {stop:.2f} s "
                f"(its container declares {self._declared:.2f} s): the file is cut off or damaged")
