"""Video files as sinks."""

from __future__ import annotations

import logging
import os
import queue
import threading
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from ..errors import ParameterError, SinkError
from ..frames import Frame, YuvFrame, check_frame, even_size, fit_into
from ..pipes import widen_pipe
from .base import SinkBase, check_output

log = logging.getLogger(__name__)

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
# extension -> (codec, extra ffmpeg output options)
CONTAINERS = {
    ".mp4": ("libx264", ["-movflags", "+faststart"]),
    ".m4v": ("libx264", ["-movflags", "+faststart"]),
    ".mov": ("libx264", ["-movflags", "+faststart"]),
    ".mkv": ("libx264", []),
    ".avi": ("mjpeg", []),
}
# colour tags written for each YUV matrix: -colorspace, -color_primaries, -color_trc
COLOUR_TAGS = {"bt601": ("smpte170m", "smpte170m", "smpte170m"), "bt709": ("bt709", "bt709", "bt709")}
VIDEO_EXTENSIONS = tuple(CONTAINERS)


class VideoSink(SinkBase):
    """Write RGB frames to a video file through the ffmpeg bundled with imageio-ffmpeg.

    H.264 (libx264, yuv420p) in MP4/MOV/MKV, with ``+faststart`` for MP4 so the
    file streams; ``.avi`` gets Motion-JPEG. The writer opens on the first
    frame and fixes the size from it (odd sizes are padded by one black pixel
    row/column to even, never rescaled; later frames of another size are
    letterboxed into it). Encoding runs in ffmpeg; a writer thread feeds it so
    the pipe never blocks processing. ``close()`` flushes the encoder and waits
    for ffmpeg, so the file is complete and playable.

    Parameters
    ----------
    path : str or PathLike
        ``.mp4``, ``.m4v``, ``.mov``, ``.mkv`` or ``.avi``.
    fps : float
    crf : int
        x264 quality, 0 (lossless) .. 51; 20 is visually near-transparent.
    preset : str
        x264 speed/size trade-off; ``veryfast`` keeps up with live 1080p on 2 cores.
    overwrite : bool
        Replace an existing file.
    audio_from : str, optional
        A media file whose first audio stream is muxed in (re-encoded to AAC),
        cut to the video's length: the soundtrack of the source, when the
        frames keep its timeline. Ignored for ``.avi``.
    audio_start : float
        Seconds of that audio to skip (the source was read from ``--start``).
    pixel_aspect : (int, int)
        Width:height of one pixel, written into the file so players show
        anamorphic video (DV, DVD, HDV) at its true shape.

    Raises
    ------
    SinkError, OutputExistsError, ParameterError
    """

    def __init__(self, path: str | os.PathLike, *, fps: float = 25.0, crf: int = 20,
                 preset: str = "veryfast", overwrite: bool = False, queue_size: int = 4,
                 audio_from: str | None = None, audio_start: float = 0.0,
                 pixel_aspect: tuple[int, int] = (1, 1)) -> None:
        ext = Path(path).suffix.lower()
        if ext not in CONTAINERS:
            raise SinkError(f"unknown video extension {ext or '(none)'!r} in {path}; "
                            f"use one of {', '.join(VIDEO_EXTENSIONS)}")
        if not 0 <= crf <= 51:
            raise ParameterError(f"--crf must be in 0..51, got {crf}")
        if preset not in PRESETS:
            raise ParameterError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
        if not fps or fps <= 0:
            raise ParameterError(f"fps must be > 0, got {fps}")
        self.path = check_output(path, overwrite=overwrite)
        self.fps, self.crf, self.preset = float(fps), crf, preset
        self.codec, self._extra = CONTAINERS[ext]
        self.audio_from = audio_from if ext != ".avi" else None
        self.audio_start = audio_start
        self.pixel_aspect = pixel_aspect
        self.size: tuple[int, int] | None = None
        self.frames_written = 0
        self._gen = None
        self._queue: queue.Queue = queue.Queue(queue_size)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._warned_size = False
        self.matrix = "bt601"  # of the YUV written; RGB frames are converted with BT.601
        self._copying = False  # opened by write_i420: decoded I420 goes to ffmpeg as it is

    def _open(self, frame: Frame | YuvFrame) -> None:
        if isinstance(frame, YuvFrame):
            w, h = frame.size
            self.matrix = frame.matrix
        else:
            h, w = frame.shape[:2]
        self.size = (w, h)
        self._even = even_size(w, h)
        if self._even != (w, h):
            log.info("padding %dx%d to %dx%d for yuv420p", w, h, *self._even)
        out = ["-preset", self.preset, "-crf", str(self.crf)] if self.codec == "libx264" else ["-q:v", "3"]
        # Say what the piped pixels are (BT.601 limited range as converted below, or the copied
        # I420's own matrix) on the input side: ffmpeg then tags the file with all three and
        # converts nothing. (Given as output options instead, ffmpeg 9 converts untagged input
        # to them, and drops the primaries and transfer tags.) Players then do not guess BT.709
        # for BT.601 HD.
        space, primaries, trc = COLOUR_TAGS[self.matrix]
        inp = ["-colorspace", space, "-color_primaries", primaries, "-color_trc", trc, "-color_range", "tv"]
        pix_out = "yuvj420p" if self.codec == "mjpeg" else "yuv420p"
        # Frames go down the pipe as I420, converted here by OpenCV (SIMD, threaded, BT.601
        # limited range like ffmpeg's default): half the bytes of RGB, and ffmpeg's own
        # single-threaded rgb24->yuv420p conversion (3 ms per 1080p frame) is skipped.
        if tuple(self.pixel_aspect) != (1, 1):
            out += ["-vf", "setsar={}/{}".format(*self.pixel_aspect)]
        if self.audio_from:
            out += ["-shortest", "-b:a", "160k"]
            if self.audio_start > 0:
                out += ["-af", f"atrim=start={self.audio_start:.6f},asetpts=PTS-STARTPTS"]
        self._gen = imageio_ffmpeg.write_frames(
            str(self.path), self._even, fps=self.fps, codec=self.codec, quality=None,
            pix_fmt_in="yuv420p", pix_fmt_out=pix_out, macro_block_size=1, ffmpeg_log_level="error",
            input_params=inp, output_params=out + self._extra, audio_path=self.audio_from,
            audio_codec="aac" if self.audio_from else None)
        self._gen.send(None)
        widen_pipe(self._gen, "stdin")
        self._thread = threading.Thread(target=self._writer, daemon=True, name="videotools-encode")
        self._thread.start()

    def _to_i420(self, frame: Frame) -> np.ndarray:
        w, h = self.size
        ew, eh = self._even
        if (ew, eh) != (w, h):  # one black row/column, never a rescale
            frame = cv2.copyMakeBorder(frame, 0, eh - h, 0, ew - w, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        return cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)

    def _writer(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            try:
                self._gen.send(frame)
            except Exception as err:  # keep draining so write() never blocks forever
                self._error = err

    def write(self, frame: Frame) -> None:
        check_frame(frame)
        if self._gen is None:
            self._open(frame)
        elif (frame.shape[1], frame.shape[0]) != self.size:
            if not self._warned_size:
                log.warning("frame size %dx%d differs from the video's %dx%d: letterboxing",
                            frame.shape[1], frame.shape[0], *self.size)
                self._warned_size = True
            frame = fit_into(frame, self.size)
        if self._error is not None:
            raise SinkError(f"writing {self.path} failed: {self._error}") from self._error
        if self.matrix != "bt601":
            raise SinkError(f"{self.path} was opened for copied {self.matrix} I420; RGB frames cannot follow")
        self._queue.put(self._to_i420(np.ascontiguousarray(frame)))
        self.frames_written += 1

    def write_i420(self, frame: YuvFrame) -> None:
        """Write a decoded I420 frame as it is (no RGB round trip), tagged with its own matrix.

        Used when a video is copied with no processor. Frames that cannot be
        encoded as they are (full range, a matrix without tags here, Motion-JPEG
        ``.avi``, a size other than the video's) go through RGB instead.
        """
        if self._gen is None and not frame.full_range and frame.matrix in COLOUR_TAGS \
                and self.codec == "libx264":
            self._open(frame)
            self._copying = True
        elif not (self._copying and frame.matrix == self.matrix and not frame.full_range
                  and frame.size == self.size):
            self.write(frame.to_rgb())
            return
        if self._error is not None:
            raise SinkError(f"writing {self.path} failed: {self._error}") from self._error
        self._queue.put(frame.planes)
        self.frames_written += 1

    def close(self) -> None:
        """Flush queued frames, close ffmpeg's input and wait until the file is finalized."""
        if self._gen is None:
            return
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join()
        gen, self._gen = self._gen, None
        gen.close()  # closes stdin, waits for ffmpeg to write the trailer (moov atom)
        if self._error is not None:
            raise SinkError(f"writing {self.path} failed: {self._error}") from self._error
