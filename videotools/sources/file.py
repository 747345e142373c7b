"""Video files and network streams, decoded in process by FFmpeg's libraries through PyAV.

Every frame keeps its presentation time (``FileSource.time``): variable-frame-rate
video comes out frame for frame with its own timing, never padded with repeats, and
times only go forward (:mod:`.timing` repairs those that do not). A live stream that
stops is opened again until it has been away for ``lost_after`` seconds.

:class:`FileSource` is one class over one container and its decoder state; this module opens,
converts and closes. Its other parts each have a module: reading a file forward (:mod:`.decoding`),
seeking and sampling (:mod:`.seeking`), live streams (:mod:`.live_reading`), handing frames to the
caller (:mod:`.handover`), and what FFmpeg says of a stream (:mod:`.probe`).
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable, Generator, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import av.logging
import cv2
import numpy as np

from ..errors import ParameterError, SourceError
from ..frames import Frame, I420ToRGB, YuvFrame
from .base import SourceBase, StreamInfo
from .decoding import FileDecoding, Skipped
from .deinterlace import Deinterlacer
from .feed import AudioFeed, LiveSound
from .handover import Handover
from .live_reading import LiveReading
from .probe import (
    HDR,
    MATRIX,
    ROTATE,
    audio_codec,
    check_range,
    cut_length,
    ffmpeg_says,
    frame_rate,
    pixel_aspect,
    reason,
    rotation_of,
    timestamp,
    video_stream,
)
from .seeking import OPEN_TIMEOUT, Seeking
from .timing import Timeline

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")
LIVE_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "udp://", "tcp://", "srt://")
LOST_AFTER = 20.0
"""Seconds a live stream may stay away (a camera rebooting, a switch restarting) before the run ends."""

def _i420(frame: Any) -> np.ndarray:
    """A decoded frame as even-sized I420 planes; FFmpeg converts the odd one out of a stream that changes
    pixel format or size mid-way (the writer letterboxes a new size)."""
    w, h = frame.width, frame.height
    if frame.format.name in ("yuv420p", "yuvj420p") and not (w % 2 or h % 2):
        return frame.to_ndarray(format=frame.format.name)
    return frame.reformat(width=w + w % 2, height=h + h % 2, format="yuv420p").to_ndarray()


class FileSource(FileDecoding, Seeking, LiveReading, Handover, SourceBase):
    """Frames of a video file or network stream, in RGB, with their presentation times.

    A source is a single-pass iterator: iterate it once (``for frame in src``);
    open it again to read it again. Decoding runs in FFmpeg's libraries in this
    process. A file is decoded on the caller's thread: FFmpeg's own decoder
    threads already decode ahead, and measured on 2 cores a Python reader
    thread only added GIL hand-offs (``benchmarks/io.py``). A network stream
    is read on a thread that keeps up to ``prefetch`` frames ready, so that a
    silent stream never blocks the caller (Ctrl-C, ``close()``).

    8-bit 4:2:0 video (nearly all of it) is converted to RGB by OpenCV with the
    stream's own matrix (BT.601/709/2020, limited or full range); anything else
    by FFmpeg's swscale. Phone video is turned upright as its rotation says.

    Parameters
    ----------
    path : str or PathLike
        A file, or an ``rtsp://``, ``http(s)://`` (also HLS), ``rtmp://``, ``udp://``,
        ``srt://`` URL.
    start, end : float, optional
        Seconds. The first frame is the first whose time is ``>= start`` (seek to
        the keyframe before, then decode up to it: frame-accurate); reading stops
        before the first frame at ``>= end``. Both are times this source hands
        out: in two recordings joined (MPEG-TS/PS whose timestamps start
        again), the second part's follow the first's, and a cut gives the
        frames a whole decode gives (its packets are read first to find them).
    prefetch : int, optional
        Frames a reader thread keeps ready; 0 decodes on the caller's thread.
        Default: 0 for files, 4 for network streams.
    threads : int, optional
        Decoder threads; None lets FFmpeg choose (one per core).
    timeout : float
        Network streams: seconds to open (else :class:`SourceError`), and
        most seconds of silence after which a live stream is reopened (at
        most half of ``lost_after``).
    deinterlace : bool
        Rebuild each frame flagged interlaced from its two fields (FFmpeg's
        ``bwdif``, one frame per frame: count and times unchanged). False
        hands interlaced frames out woven, as FFmpeg's command line does.
    lost_after : float
        Live streams: seconds without a frame after which the stream counts as
        gone and the frames end (with a :attr:`warning`). Until then it is
        reopened as often as it takes, and the frames go on where they were.
    on_packet : callable, optional
        Called with each demuxed packet (``av.Packet``) of the video stream and of
        the first sound stream, in demuxing order, once the source is done with it
        (a video packet after it was decoded, before its frames are yielded): to
        copy the stream untouched (a recording) from the same read as the frames.
        The callee owns the packet (it may change its times or mux it); with a
        hook, a live stream's sound goes to it, not to :meth:`audio_feed`. After a
        live stream is opened again, packets come from new streams. It runs on
        the thread that decodes: a stream's reader thread unless ``prefetch=0``.

    Attributes
    ----------
    time : float
        Presentation time of the last frame yielded, in seconds from the start of
        the file (from the first frame, for live network streams: RTSP, RTMP,
        UDP, SRT, endless HTTP). Always later than the one before: timestamps
        that come out of order (a damaged file), repeat or start again (a live
        stream whose sender restarted) are repaired (:mod:`.timing`); a live
        stream that was away for a while resumes as much later.
    damaged : int
        Packets the decoder refused (damaged data), skipped.

    Raises
    ------
    SourceError
        If the file is missing or is not a video, or no frame can be decoded
        (at or after ``start``).

    Examples
    --------
    >>> with FileSource("samples/traffic.mp4", start=2.0) as src:
    ...     frame = next(iter(src))
    ...     print(frame.shape, round(src.time, 2))
    (360, 640, 3) 2.0
    """

    def __init__(self, path: str | os.PathLike, *, start: float | None = None, end: float | None = None,
                 prefetch: int | None = None, threads: int | None = None,
                 timeout: float = OPEN_TIMEOUT, lost_after: float = LOST_AFTER,
                 deinterlace: bool = False, on_packet: Callable[[Any], None] | None = None) -> None:
        self.path = os.fspath(path)
        self.is_stream = self.path.lower().startswith(STREAM_SCHEMES)
        if not self.is_stream:
            p = Path(self.path)
            if not p.exists():
                raise SourceError(f"no such file: {self.path}")
            if p.is_dir():
                raise SourceError(f"is a folder, not a video: {self.path}")
        check_range(start, end)
        if threads is not None and threads < 1:
            raise ParameterError(f"decoder threads must be >= 1, got {threads}")
        if prefetch is None:
            prefetch = 4 if self.is_stream else 0
        if prefetch < 0:
            raise ParameterError(f"prefetch must be >= 0, got {prefetch}")
        if isinstance(lost_after, bool) or not isinstance(lost_after, (int, float)) \
                or not math.isfinite(lost_after) or lost_after <= 0:
            raise ParameterError(f"lost_after must be a number of seconds > 0, got {lost_after!r}")
        self.start, self.end, self._prefetch = start, end, prefetch
        self.lost_after = float(lost_after)
        self.deinterlace = bool(deinterlace)
        self.on_packet = on_packet
        self.damaged = 0
        self._deint = Deinterlacer()
        self.time = 0.0
        self.timeline: Timeline | None = None
        self._feeds: list[AudioFeed] = []  # live streams: each recording's share of the sound
        self._sound = LiveSound(self._feeds)
        self._stop = threading.Event()
        self._container = self._open(timeout)
        try:
            self._setup(threads)
        except BaseException:
            self._container.close()
            raise
        self._thread: threading.Thread | None = None
        self._started = False

    # -- opening ---------------------------------------------------------------------
    def _open(self, timeout: float, silence: float | None = None) -> Any:
        options: dict[str, str] = {}
        if self.path.lower().startswith(("rtsp://", "rtsps://")):
            options["rtsp_transport"] = "tcp"
        if self.is_stream:  # silent for half of lost_after, a live stream is reopened (at least once)
            silence = self._silence = silence or min(timeout, max(1.0, self.lost_after / 2))
        try:
            return av.open(self.path, options=options, timeout=(timeout, silence) if self.is_stream else None)
        except av.error.ExitError as err:  # the interrupt callback: nothing arrived in time
            raise SourceError(f"cannot read a video from {self.path}: nothing arrived within {timeout:g} s "
                              "(a stalled stream?)") from err
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
            why = "" if self.is_stream else ffmpeg_says(self.path)
            raise SourceError(f"cannot read a video from {self.path}: {reason(err)}{why}") from err

    def _setup(self, threads: int | None) -> None:
        c = self._container
        v = video_stream(c)
        if v is None:
            what = "an audio-only file" if c.streams.audio else "no video stream"
            cover = " (its only picture is cover art)" if c.streams.video else ""
            raise SourceError(f"cannot read a video from {self.path}: {what}{cover}")
        self._stream = v
        self._threads = threads
        v.thread_type = "AUTO"
        v.codec_context.thread_count = threads or 0
        self._tb = v.time_base or Fraction(1, 90000)
        self._t0 = float(v.start_time * self._tb) if v.start_time is not None else 0.0
        self._declared = float(v.duration * self._tb) if v.duration else None  # the video stream's own
        self._unreadable = False  # the container could not be read to its end
        duration = self._declared or (c.duration / 1e6 if c.duration else None)
        self.live = self.path.lower().startswith(LIVE_SCHEMES) or (self.is_stream and not duration)
        self._step = 1.0 / frame_rate(v)
        duration = self._seek_start(duration)
        first = self._first = self._first_frame()
        c, v = self._container, self._stream  # opened again when a seek landed too late (_seek_back)
        self.rotation = rotation_of(first, self.path)
        w, h = (first.height, first.width) if self.rotation in (90, 270) else (first.width, first.height)
        self.i420 = self._planar_matrix(first)
        cut = bool(self.start) or self.end is not None
        self.info = StreamInfo(fps=frame_rate(v), size=(int(w), int(h)),
                               frame_count=None if cut else (v.frames or None),
                               duration=cut_length(duration, self.start, self.end), codec=v.codec_context.name,
                               kind="stream" if self.is_stream else "video", audio_codec=audio_codec(c),
                               pixel_aspect=pixel_aspect(v, self.rotation), time_base=self._tb, live=self.live,
                               interlaced=bool(first.interlaced_frame) or self._deint.interlaced,
                               transfer=HDR.get(int(first.color_trc or 0)))
        if self.info.transfer:
            log.warning("%s: HDR video (%s) is converted to 8-bit RGB as it is, without tone mapping: "
                        "colours look flat and dim", self.path, self.info.transfer.upper())

    def _first_frame(self) -> Any:
        """Decode the first frame now: it fixes size (after rotation), colour matrix and start time,
        and a file that opens but does not decode fails here, not mid-run."""
        self._frames_iter = self._decoded()
        first, self._first_t = next(self._frames_iter, (None, 0.0))
        if first is None:
            where = f" at or after start={self.start:g} s" if self.start else ""
            raise SourceError(f"cannot read a video from {self.path}: no frame could be decoded{where}"
                              + (f" ({self.warning})" if self.warning else ""))
        return first

    def _planar_matrix(self, frame: Any) -> tuple[str, bool] | None:
        """``(matrix, full_range)`` if frames can cross as I420 and be converted here, else None."""
        fmt = frame.format.name
        if fmt not in ("yuv420p", "yuvj420p") or frame.width % 2 or frame.height % 2 or self.rotation:
            return None
        matrix = MATRIX.get(int(frame.colorspace), "unknown") if frame.colorspace is not None else None
        if matrix == "unknown":
            return None
        full = fmt == "yuvj420p" or int(frame.color_range or 0) == 2
        return matrix or "bt601", full  # untagged: BT.601, as FFmpeg's own conversion assumes

    # -- decoding ----------------------------------------------------------------------
    def _decoded(self) -> Iterator[tuple[Any, float]]:
        """Decoded frames from ``start`` to ``end``, with their times (seconds, only going forward).

        Undecodable packets are skipped, as FFmpeg does; a container that cannot be read further ends the frames.
        """
        last: float | None = None
        timed = ((f, t) for f, t in self._from_start() if not isinstance(f, Skipped))
        for frame, t in self._deinterlaced(timed) if self.deinterlace else timed:
            if self._past_end(t):
                return
            if self._before(t, self.start):
                continue
            last = t
            yield frame, t
        self._check_ending(last)

    def _timed(self, frames: Iterator[tuple[Any, float | None]]) -> Generator[tuple[Any, float], None, None]:
        """Each frame (with, live, when its data arrived) given a time later than the one before.

        See :class:`.timing.Timeline`. A file's times count from its video
        stream's start; a live stream's from its first frame.
        """
        line = self.timeline = Timeline(self._step, origin=None if self.live else self._t0, live=self.live)
        for frame, wall in frames:
            yield from line.push(frame, timestamp(frame, self._tb), wall=wall)
        yield from line.flush()
        if line.repaired and not self.live:
            log.info("%s: %d frames were re-timed (timestamps out of order or repeated)", self.path, line.repaired)

    def _deinterlaced(self, frames: Iterator[tuple[Any, float]]) -> Iterator[tuple[Any, float]]:
        """The frames with those flagged interlaced rebuilt from their fields (:class:`.deinterlace.Deinterlacer`)."""
        deint = self._deint
        for frame, t in frames:
            yield from deint.push(frame, t)
        yield from deint.flush()

    def _converter(self, planar: bool) -> Callable[[Any], Frame | YuvFrame]:
        """Turn a decoded frame into what the iterator yields: I420 planes, or an RGB array."""
        if self.i420 is not None:
            matrix, full = self.i420
            if planar:
                return lambda f: YuvFrame.from_decoder(f, _i420, (f.width + f.width % 2, f.height + f.height % 2),
                                                       matrix, full)
            to_rgb = I420ToRGB(self._first.width, self._first.height, matrix=matrix, full_range=full)
            return lambda f: (to_rgb(f.to_ndarray(format=f.format.name))
                              if f.format.name in ("yuv420p", "yuvj420p") and f.width == to_rgb.width
                              else f.to_ndarray(format="rgb24"))
        turn = ROTATE.get(self.rotation)

        def convert(f: Any) -> Frame:
            rgb = f.to_ndarray(format="rgb24")
            return cv2.rotate(rgb, turn) if turn is not None else rgb
        return convert

    def __iter__(self) -> Iterator[Frame]:
        return self._frames(self._converter(planar=False))

    def iter_decoded(self) -> Iterator[Any]:
        """The frames as FFmpeg decoded them (``av.VideoFrame``, not rotated), times in :attr:`time`.

        For callers that convert only some frames, at a size of their own
        (``frame.reformat(width=..., format="rgb24")``).
        """
        return self._frames(lambda f: f)

    def iter_yuv(self) -> Iterator[YuvFrame]:
        """The frames as decoded, planar I420 (Y, U, V), without converting them to RGB.

        For copying video untouched (a pipeline with no processor). Only for
        8-bit 4:2:0 streams of even size without rotation: raises
        :class:`SourceError` when :attr:`i420` is None.
        """
        if self.i420 is None:
            raise SourceError(f"{self.path} cannot be read as I420 (8-bit 4:2:0, even size, upright)")
        return self._frames(self._converter(planar=True))

    def close(self) -> None:
        """Stop reading and release the file; a reader blocked on a silent stream is left to time out."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout=2)
            if thread.is_alive():  # blocked in a network read: it ends at the read timeout
                threading.Thread(target=self._close_after, args=(thread,), daemon=True).start()
                return
        self._container.close()

    def _close_after(self, thread: threading.Thread) -> None:
        thread.join()
        self._container.close()


def count_frames(path: str | os.PathLike) -> int:
    """Decode a whole video and count its frames: the number FFmpeg decodes, exactly."""
    with FileSource(path) as src:
        n = 0
        for _ in src._frames(lambda f: None):
            n += 1
        return n
