"""Video files as sinks: encoded in process by FFmpeg's libraries through PyAV, playable whatever happens.

How a recording survives a crash (``kill -9``, a full disk, a vanished folder):

* The muxer writes through :class:`videotools.files.WholeWrites`: its bytes
  reach the disk a whole piece at a time, in one write each (a fragment of
  an MP4/MOV, a cluster of a Matroska file, a chunk of an AVI). A crash at
  any moment leaves a file that ends at the end of a piece, and a write the
  disk refuses is cut back to the last whole piece: no torn tail, ever.
* The file is written *nameless* (``videotools.files.PendingFile``) and gets
  its name as soon as its first whole piece of video is on disk, so an early
  crash leaves nothing at all.
* MP4/MOV are written as *fragmented* MP4 while recording: a self-contained
  fragment every ``FRAGMENT`` seconds, each playable on its own (the index,
  ``moov``, goes out with the first fragment: AC-3 and E-AC-3 need their first
  packet before it can be written). A crash loses at most the last fragment and
  what the encoder held. A clean stop (end, ``q``, Ctrl-C, SIGTERM) rewrites
  the file as a normal MP4 with its index in front (``+faststart``, stream copy:
  about a millisecond per second of video), nameless again until it replaces
  the fragmented one in a single rename.
* Matroska gets a cluster every ``FRAGMENT`` seconds; AVI is written a packet at
  a time. Both play when cut short at the end of a piece.

One module past 300 lines on purpose: the encoder, the muxer and the nameless file are one
state machine (open on the first frame, publish, finalize or abandon); split, each step would
reach into the others.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import av.error
import av.logging
import cv2
import numpy as np
from av.video.frame import PictureType

from ..errors import ParameterError, SinkError, SourceError
from ..files import PendingFile, WholeWrites, describe
from ..frames import Frame, YuvFrame, check_frame, even_size, fit_into, letterbox_i420
from ..settings import check_encoding
from .audio import AudioTrack
from .base import SinkBase, check_output
from .finishing import Finishing
from .live_audio import LiveAudioTrack

if TYPE_CHECKING:
    from ..sources.feed import AudioFeed

log = logging.getLogger(__name__)

# extension -> (FFmpeg container format, video codec)
CONTAINERS = {
    ".mp4": ("mp4", "libx264"),
    ".m4v": ("mp4", "libx264"),
    ".mov": ("mov", "libx264"),
    ".mkv": ("matroska", "libx264"),
    ".avi": ("avi", "mjpeg"),
}
VIDEO_EXTENSIONS = tuple(CONTAINERS)
FRAGMENT = 0.5
"""Seconds of video in each fragment (MP4/MOV) or cluster (Matroska) while recording: what a crash can lose."""
# Muxer options while recording. flush_packets: each packet the muxer finishes is handed to the file object at
# once, so a piece is whole in memory when mux() returns and is committed in one write.
MUXER_OPTIONS = {
    # no negative_cts_offsets: with it the muxer writes no edit list for x264's B-frame delay, and the video
    # started two frames after its sound
    "mp4": {"movflags": "frag_keyframe+empty_moov+delay_moov+default_base_moof",
            "frag_duration": str(int(FRAGMENT * 1e6)), "flush_packets": "1"},
    # bitexact: no random segment UID, so the same frames give the same bytes
    "matroska": {"cluster_time_limit": str(int(FRAGMENT * 1e3)), "flush_packets": "1", "fflags": "+bitexact"},
    "avi": {"flush_packets": "1"},
}
MUXER_OPTIONS["mov"] = MUXER_OPTIONS["mp4"]
# FFmpeg's AVColorSpace / primaries / transfer for the YUV matrices written here
COLOUR_TAGS = {"bt601": (6, 6, 6), "bt709": (1, 1, 1)}
TIME_BASE = Fraction(1, 90000)
"""Timestamps of H.264 recordings: 90 kHz, exact for 24, 25, 30, 50, 60 and the NTSC rates."""
ENCODER_THREADS = 6
"""x264's frame threads. Its output is a function of its thread count, and FFmpeg's default (1.5 per core)
would make the same run give other bytes on a machine with another number of cores (or another CPU affinity):
a fixed count makes the same input and options give the same bytes everywhere."""


class VideoSink(Finishing, SinkBase):
    """Write RGB frames, with their presentation times, to a video file.

    H.264 (libx264, yuv420p, BT.601 tags) in MP4/MOV/MKV; ``.avi`` gets
    Motion-JPEG. The encoder opens on the first frame and fixes the size from it
    (odd sizes are padded by one black row/column, never rescaled; later frames
    of another size are letterboxed). Frames keep the times they are written
    with, so variable-frame-rate video and live captures last as long as they
    did; without times, frames are spaced at ``fps``. Encoding and muxing run
    on the caller's thread (or on a writer thread: ``queue_size``). ``close()``
    flushes and finalizes; see the module docstring for what a crash leaves.

    Parameters
    ----------
    path : str or PathLike
        ``.mp4``, ``.m4v``, ``.mov``, ``.mkv`` or ``.avi``.
    fps : float
        Nominal rate: stored in the file, and the spacing of frames written without a time.
    crf : int
        x264 quality, 0 (lossless) .. 51; 20 is visually near-transparent.
    preset : str
        x264 speed/size trade-off; ``veryfast`` keeps up with live 1080p on 2 cores.
    overwrite : bool
        Replace an existing file.
    audio_from : str, optional
        A media file whose first audio stream is carried along (copied when the
        container takes it, else re-encoded), from ``audio_start`` seconds on and
        cut to the frames written.
    audio_start : float
    audio_feed : AudioFeed, optional
        A live stream's sound, pushed by its source
        (:meth:`videotools.sources.FileSource.audio_feed`): copied when the
        container takes it (else re-encoded), placed by the times the source
        gave it, cut to the frames written. Instead of ``audio_from``.
    pixel_aspect : (int, int)
        Width:height of one pixel, so anamorphic video (DV, DVD, HDV) plays at its true shape.
    threads : int, optional
        x264 threads (None: ``ENCODER_THREADS``, the same on every machine, so the same frames give the
        same bytes; a count of your own trades that for speed on many cores).
    queue_size : int
        0 encodes on the caller's thread (x264's own threads already encode
        ahead: the fastest on 2 cores, see ``benchmarks/io.py``); N > 0 hands
        frames to a writer thread through a queue of N, so that a live view
        never waits on the encoder.

    Raises
    ------
    SinkError, OutputExistsError, ParameterError

    Examples
    --------
    >>> import videotools as vt
    >>> with vt.open_source("synthetic:traffic?size=160x90&seconds=1") as src, \\
    ...         vt.VideoSink("/tmp/videotools-doctest.mp4", fps=src.fps, overwrite=True) as sink:
    ...     for frame in src:
    ...         sink.write(frame, src.time)
    >>> sink.frames_written
    25
    """

    def __init__(self, path: str | os.PathLike, *, fps: float = 25.0, crf: int = 20, preset: str = "veryfast",
                 overwrite: bool = False, queue_size: int = 0, audio_from: str | None = None,
                 audio_start: float = 0.0, pixel_aspect: tuple[int, int] = (1, 1),
                 threads: int | None = None, audio_feed: AudioFeed | None = None) -> None:
        ext = Path(path).suffix.lower()
        if ext not in CONTAINERS:
            raise SinkError(f"unknown video extension {ext or '(none)'!r} in {path}; "
                            f"use one of {', '.join(VIDEO_EXTENSIONS)}")
        check_encoding(crf, preset)
        if not isinstance(fps, (int, float)) or not 0 < fps <= 1000:
            raise ParameterError(f"fps must be in (0, 1000], got {fps!r}", param="fps")
        self.path = check_output(path, overwrite=overwrite)
        self.overwrite = overwrite
        self.fps, self.crf, self.preset = float(fps), crf, preset
        self.format, self.codec = CONTAINERS[ext]
        self.audio_from, self.audio_start, self.audio_feed = audio_from, audio_start, audio_feed
        self.pixel_aspect = tuple(pixel_aspect)
        self.threads = threads
        self.size: tuple[int, int] | None = None
        self.matrix = "bt601"  # of the YUV written; RGB frames are converted with BT.601
        self.frames_written = 0
        self.frames_dropped = 0  # AVI only: frames faster than its constant rate (see _encode)
        self.duration = 0.0  # seconds of video written
        self.finished = False  # True once close() left a complete file under its name
        self._queue_size = queue_size
        self._queue: queue.Queue = queue.Queue(max(1, queue_size))
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._copying = False  # opened by write_yuv: decoded I420 goes to the encoder as it is
        self._t_first: float | None = None
        self._t_last: float | None = None
        self._warned_size = False
        self._pending: PendingFile | None = None
        self._file: WholeWrites | None = None
        self._header = 0  # bytes on disk after the first write (the container's header, at least)
        self._refusal = ""  # why the muxer refuses the streams, when it does
        self._out: Any = None

    # -- opening -----------------------------------------------------------------------
    def _open(self, width: int, height: int) -> None:
        self.size = (width, height)
        self._even = even_size(width, height)
        if self._even != (width, height):
            log.info("padding %dx%d to %dx%d for yuv420p", width, height, *self._even)
        try:
            self._pending = PendingFile(self.path)
            assert self._pending.fd is not None
            self._file = WholeWrites(self._pending.fd)
            self._out = av.open(self._file, "w", format=self.format, container_options=MUXER_OPTIONS[self.format])
        except (av.error.FFmpegError, OSError) as err:
            self._discard()
            raise SinkError(f"cannot write {self.path}: {describe(err)}") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        v = self._video = self._out.add_stream(self.codec, rate=rate)
        v.width, v.height = self._even
        cc = v.codec_context
        if self.codec == "libx264":
            v.pix_fmt = "yuv420p"
            v.time_base = cc.time_base = TIME_BASE
            cc.options = {"crf": str(self.crf), "preset": self.preset}
            space, primaries, trc = COLOUR_TAGS[self.matrix]
            cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = space, primaries, trc, 1
            self._tb = TIME_BASE
        else:  # Motion-JPEG in AVI: constant rate, frame-numbered timestamps
            v.pix_fmt = "yuvj420p"
            cc.qscale = 3
            v.time_base = cc.time_base = self._tb = 1 / rate
        # frame threads, as the ffmpeg command uses (PyAV's default, slices only, makes x264 use sliced
        # threads: faster to start, slower to run)
        cc.thread_type = "AUTO"
        if self.codec == "libx264" or self.threads:
            cc.thread_count = self.threads or ENCODER_THREADS
        if self.pixel_aspect != (1, 1):
            cc.sample_aspect_ratio = Fraction(*self.pixel_aspect)
        self._audio: AudioTrack | None = None
        if self.audio_feed is not None:
            try:
                self._audio = LiveAudioTrack(self.audio_feed, self._out, container_format=self.format)
            except (ValueError, av.error.FFmpegError) as err:
                log.warning("no sound in %s: the stream's %s cannot be recorded (%s)", self.path.name,
                            self.audio_feed.codec, describe(err))
        elif self.audio_from:
            try:
                self._audio = AudioTrack(self.audio_from, self._out, container_format=self.format,
                                         start=self.audio_start)
            except SourceError as err:
                log.warning("no soundtrack in %s: %s", self.path.name, err)
        self._last_pts = -1
        if self._queue_size:
            self._thread = threading.Thread(target=self._writer, daemon=True, name="videotools-encode")
            self._thread.start()

    # -- the writer thread ---------------------------------------------------------------
    def _writer(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:  # after an error, keep draining so write() never blocks forever
                self._encode(*item)

    def _encode(self, item: np.ndarray | av.VideoFrame, t: float) -> None:
        v = self._video
        try:
            if isinstance(item, av.VideoFrame):  # a decoded frame, copied
                frame = item
                frame.pict_type = PictureType.NONE  # the decoder's I/P/B would force x264's choices
            else:
                frame = av.VideoFrame.from_ndarray(item, format=v.pix_fmt)
            pts = max(int(round(t / self._tb)), self._last_pts + 1)
            if self.codec == "mjpeg" and pts - t / self._tb > 1.0:
                # AVI holds a constant rate: a frame that came faster than it (variable frame rate) and would be
                # played a whole frame late is dropped, as FFmpeg's cfr does, so pictures and sound stay together;
                # the muxer fills the gaps of slower stretches with empty chunks (the frame before is shown on)
                self.frames_dropped += 1
                return
            frame.pts, frame.time_base, self._last_pts = pts, self._tb, pts
            packets = v.encode(frame)
            if self._audio is not None:
                self._audio.mux_until(t)
            self._out.mux(packets)
            self._commit()
        except (av.error.FFmpegError, OSError, SinkError) as err:
            self._fail(err)

    def _put(self, item: np.ndarray | av.VideoFrame, t: float) -> None:
        if self._thread is None:
            self._encode(item, t)
        else:
            self._queue.put((item, t))

    def _commit(self) -> None:
        """Put what the muxer finished on disk (whole pieces, one write), and name the file once it plays."""
        assert self._file is not None and self._pending is not None
        before = self._file.size
        size = self._file.commit()
        if size > before:
            self._header = self._header or size
            if not self._pending.published and _holds_video(self._pending.write_path):
                self._pending.publish(overwrite=self.overwrite)

    # -- writing ---------------------------------------------------------------------------
    def _time(self, time: float | None) -> float:
        """Seconds since the first frame written; None continues at the nominal rate."""
        if time is None:
            rel = 0.0 if self._t_last is None else self._t_last + 1.0 / self.fps
        else:
            if self._t_first is None:
                self._t_first = time
                if self._audio is not None:  # the sound starts with the first frame, which a cut may put late
                    self._audio.begin_at(time)
            rel = time - self._t_first
        self._t_last = rel
        return rel

    def write(self, frame: Frame, time: float | None = None) -> None:
        """Encode one ``(H, W, 3) uint8`` RGB frame shown at ``time`` seconds (source time)."""
        check_frame(frame)
        h, w = frame.shape[:2]
        if self.size is None:
            self._open(w, h)
        elif (w, h) != self.size:
            self._warn_size(w, h)
            frame = fit_into(frame, self.size)
        self._check()
        if self._copying:
            raise SinkError(f"{self.path} was opened for copied {self.matrix} I420; RGB frames cannot follow")
        self._put(self._to_yuv(np.ascontiguousarray(frame)), self._time(time))
        self.frames_written += 1

    def _to_yuv(self, frame: Frame) -> np.ndarray:
        w, h = self.size  # type: ignore[misc]
        ew, eh = self._even
        if (ew, eh) != (w, h):  # one black row/column, never a rescale
            frame = cv2.copyMakeBorder(frame, 0, eh - h, 0, ew - w, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        if self.codec == "mjpeg":  # full-range YUV, as JPEG wants
            yuv = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV)
            return _pack_i420(yuv)
        return cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)

    def _warn_size(self, w: int, h: int) -> None:
        if not self._warned_size:
            log.warning("frame size %dx%d differs from the video's %dx%d: letterboxing", w, h, *self.size)  # type: ignore[misc]
            self._warned_size = True

    def write_yuv(self, frame: YuvFrame, time: float | None = None) -> None:
        """Encode a decoded I420 frame as it is (no RGB round trip), tagged with its own matrix.

        Used when frames stay planar (a copy, planar processors). A file whose
        first frame cannot be encoded as it is (full range, a matrix without
        tags here, Motion-JPEG ``.avi``) is written from RGB. Once a file is
        written as I420, a frame of another size is letterboxed plane by plane
        (with one warning, as :meth:`write` does), and a full-range one is
        brought to limited range.
        """
        if (self._out is None and not frame.full_range and frame.matrix in COLOUR_TAGS
                and self.codec == "libx264"):
            self.matrix = frame.matrix
            self._open(*frame.size)
            self._copying = True
        elif not self._copying:
            self.write(frame.to_rgb(), time)
            return
        if frame.size != self.size:
            self._warn_size(*frame.size)
            frame = letterbox_i420(frame, self.size)  # type: ignore[arg-type]  # set by _open
        decoded = frame.pristine
        if (decoded is not None and not frame.full_range and decoded.format.name == "yuv420p"
                and (decoded.width, decoded.height) == self.size):
            item: Any = decoded  # the decoder's own frame, as it is
        elif frame.full_range:
            item = _limited(frame.planes, frame.size[1])
        else:  # a writer thread reads it later: the processor that made it may reuse its buffer by then
            item = frame.planes if self._thread is None else frame.planes.copy()
        self._check()
        self._put(item, self._time(time))
        self.frames_written += 1

def _holds_video(path: str) -> bool:
    """Whether the file at ``path`` opens and holds a packet of video (a header alone does not)."""
    try:
        with av.open(path) as probe:
            if not probe.streams.video:
                return False
            return any(p.size for p in itertools.islice(probe.demux(probe.streams.video[0]), 2))
    except (av.error.FFmpegError, OSError):
        return False


_TO_LIMITED = (np.round(16 + np.arange(256) * 219 / 255).astype(np.uint8),
               np.round(128 + (np.arange(256) - 128) * 224 / 255).astype(np.uint8))


def _limited(planes: np.ndarray, height: int) -> np.ndarray:
    """Full-range ("pc") I420 planes -> limited ("tv") range: luma to 16..235, chroma to 16..240."""
    return np.concatenate([cv2.LUT(planes[:height], _TO_LIMITED[0]), cv2.LUT(planes[height:], _TO_LIMITED[1])])


def _pack_i420(yuv: np.ndarray) -> np.ndarray:
    """A full-resolution ``(H, W, 3)`` YUV image -> planar I420 with 2x2-averaged chroma."""
    h, w = yuv.shape[:2]
    y = yuv[:, :, 0]
    u = cv2.resize(yuv[:, :, 1], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    v = cv2.resize(yuv[:, :, 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(h * 3 // 2, w)
