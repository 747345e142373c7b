"""Video files and network streams, decoded by the FFmpeg that imageio-ffmpeg bundles."""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from ..errors import SourceError
from ..frames import Frame, I420ToRGB, YuvFrame
from ..pipes import ffmpeg_header, ffmpeg_process, widen_pipe
from .base import SourceBase, StreamInfo

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")


class FileSource(SourceBase):
    """Frames of a video file or network stream, in RGB, read through ffmpeg.

    Decoding runs in the ffmpeg process; a reader thread keeps up to
    ``prefetch`` frames ready so decoding overlaps processing.

    Parameters
    ----------
    path : str or Path
        Anything ffmpeg opens: a file, or an ``rtsp://``/``http(s)://`` URL.
    start, end : float, optional
        Seconds to seek to before the first frame, and to stop at.
    prefetch : int
        Decoded frames buffered ahead (bounded, so memory stays flat).
    threads : int, optional
        Decoder threads; None lets ffmpeg choose (one per core, plus one). Fewer
        when an encoder shares the machine: see :func:`threads_beside_encoder`.

    Raises
    ------
    SourceError
        If the file is missing, or ffmpeg cannot read a video stream from it.
    """

    def __init__(self, path: str | os.PathLike, *, start: float | None = None,
                 end: float | None = None, prefetch: int = 4, threads: int | None = None) -> None:
        self.path = str(path)
        self.is_stream = self.path.lower().startswith(STREAM_SCHEMES)
        if not self.is_stream:
            p = Path(self.path)
            if not p.exists():
                raise SourceError(f"no such file: {self.path}")
            if p.is_dir():
                raise SourceError(f"is a folder, not a video: {self.path}")
        if start is not None and start < 0:
            raise SourceError(f"--start must be >= 0 seconds, got {start}")
        if end is not None and end <= (start or 0):
            raise SourceError(f"--end ({end}) must be after --start ({start or 0})")
        self.start, self.end = start, end
        if threads is not None and threads < 1:
            raise SourceError(f"decoder threads must be >= 1, got {threads}")
        inp: list[str] = ["-threads", str(threads)] if threads else []
        out: list[str] = []
        if self.is_stream and self.path.lower().startswith(("rtsp://", "rtsps://")):
            inp += ["-rtsp_transport", "tcp"]
        if start:
            inp += ["-ss", f"{start:.6f}"]
        if end is not None:
            out += ["-t", f"{end - (start or 0):.6f}"]
        self._inp, self._out = inp, out
        # Fast path: 8-bit 4:2:0 streams (most video) travel the pipe as I420, half the bytes
        # of RGB, and are converted here with the stream's own colour matrix. Open that way
        # first; a stream of another format (4:4:4, 10-bit, odd size) is reopened as rgb24.
        meta = self._start("yuv420p")
        # (matrix, full_range) when frames travel as I420 (see iter_i420), else None
        self.i420 = yuv420_matrix(meta.get("pix_fmt", ""), *meta["size"])
        if self.i420 is None:
            self._gen.close()
            meta = self._start("rgb24")
        w, h = meta["size"]
        out_fps, aspect = _output_stream(ffmpeg_header(self._gen))
        # The rate ffmpeg emits frames at (its output line), which for variable-frame-rate video
        # (phones) differs from the average rate imageio-ffmpeg reports: ffmpeg repeats or drops
        # frames to keep that rate, so recordings at it stay in sync with the sound.
        fps = out_fps or float(meta.get("fps") or 0) or 25.0
        duration = float(meta.get("duration") or 0) or None
        if duration is not None:
            duration = max(0.0, min(duration, end if end is not None else duration) - (start or 0))
        count = round(duration * fps) if duration and not self.is_stream else None
        self.info = StreamInfo(fps=fps, size=(int(w), int(h)), frame_count=count or None,
                               duration=duration, codec=meta.get("codec"),
                               kind="stream" if self.is_stream else "video",
                               audio_codec=meta.get("audio_codec"), pixel_aspect=aspect)
        self._shape = (int(h), int(w), 3)
        self._prefetch = prefetch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self, pix_fmt: str) -> dict:
        """Start ffmpeg decoding to ``pix_fmt``; return the stream's metadata."""
        bits = 12 if pix_fmt == "yuv420p" else 24
        self._gen = imageio_ffmpeg.read_frames(self.path, pix_fmt=pix_fmt, bits_per_pixel=bits,
                                               input_params=self._inp, output_params=self._out)
        try:
            meta = next(self._gen)
        except (OSError, RuntimeError, StopIteration) as err:
            self._gen.close()
            raise SourceError(f"cannot read a video from {self.path}: {_first_line(err)}") from err
        widen_pipe(self._gen, "stdout")
        return meta

    def _reader(self, q: queue.Queue, convert) -> None:
        try:
            for raw in self._gen:
                frame = convert(np.frombuffer(raw, np.uint8))
                while not self._stop.is_set():
                    try:
                        q.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            q.put(None)
        except Exception as err:  # a damaged file: report what was readable
            q.put(err)

    def __iter__(self) -> Iterator[Frame]:
        if self.i420 is not None:
            # a new writable array per frame, made on the reader thread, so users may draw on frames
            convert = I420ToRGB(*self.info.size, matrix=self.i420[0], full_range=self.i420[1])
        else:
            def convert(buf: np.ndarray) -> Frame:
                return buf.reshape(self._shape).copy()
        return self._frames(convert)

    def iter_i420(self) -> Iterator[YuvFrame]:
        """The frames as decoded, planar I420 (read-only), without converting them to RGB.

        For copying video untouched (a pipeline with no processor). Only for
        8-bit 4:2:0 streams of even size: raises :class:`SourceError` when
        :attr:`i420` is None.
        """
        if self.i420 is None:
            raise SourceError(f"{self.path} is not decoded as I420 (8-bit 4:2:0, even size)")
        w, h = self.info.size
        matrix, full = self.i420

        def wrap(buf: np.ndarray) -> YuvFrame:
            return YuvFrame(buf.reshape(h * 3 // 2, w), matrix, full)

        return self._frames(wrap)

    def _frames(self, convert) -> Iterator:
        if self._thread is not None:
            raise SourceError(f"{self.path} is already being read; open it again to restart")
        q: queue.Queue = queue.Queue(self._prefetch)
        self._thread = threading.Thread(target=self._reader, args=(q, convert), daemon=True,
                                        name="videotools-decode")
        self._thread.start()
        return self._drain(q)

    def _drain(self, q: queue.Queue) -> Iterator:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, Exception):
                self.warning = (f"{self.path}: stopped after {self.frames_read} frames, the rest "
                                f"could not be decoded ({_first_line(item)})")
                log.warning(self.warning)
                return
            self.frames_read += 1
            yield item

    def close(self) -> None:
        """Stop reading and end the ffmpeg process, within about 2 s even if a stream has stalled."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=2)
            if self._thread.is_alive():  # blocked in a read: a stalled stream; unblock it
                proc = ffmpeg_process(self._gen)
                if proc is not None:
                    proc.kill()
                self._thread.join(timeout=2)
        if self._thread is None or not self._thread.is_alive():
            self._gen.close()  # ends the ffmpeg process


def threads_beside_encoder() -> int:
    """Decoder threads for a run that also encodes video: a quarter of the cores, at least one.

    x264 needs the cores far more than decoding does (one thread decodes 1080p
    H.264 at about 400 fps here, several times what x264 encodes), and every
    frame-thread costs CPU in hand-offs. On 2 cores, one decoder thread made a
    1080p copy 6% faster (median of 11 interleaved runs; 0.19 s less CPU per 250 frames).
    """
    return max(1, (os.cpu_count() or 2) // 4)


def yuv420_matrix(pix_fmt: str, width: int, height: int) -> tuple[str, bool] | None:
    """``(matrix, full_range)`` if a stream can be read as I420 and converted exactly here, else None.

    ffmpeg's pix_fmt text looks like ``yuv420p(tv, bt709/bt709/bt709, progressive)``.
    Untagged streams use BT.601, as ffmpeg's own conversion does.
    """
    m = re.match(r"(yuvj?420p)(?:\((.*)\))?$", pix_fmt.strip())
    if not m or width % 2 or height % 2:
        return None
    tags = (m.group(2) or "").lower()
    full = m.group(1) == "yuvj420p" or re.search(r"\b(pc|jpeg)\b", tags) is not None
    space = tags.split(",")[1].strip().split("/")[0] if tags.count(",") >= 2 else ""
    if space in ("bt709",):
        return "bt709", full
    if space.startswith("bt2020"):
        return "bt2020", full
    if space in ("", "unknown", "bt470bg", "smpte170m", "fcc", "progressive", "tv", "pc"):
        return "bt601", full
    return None


def _output_stream(header: str) -> tuple[float | None, tuple[int, int]]:
    """``(fps, pixel_aspect)`` of the video ffmpeg sends down the pipe, from its description."""
    lines = [ln for ln in header.splitlines() if ln.lstrip().startswith("Stream ") and " Video: " in ln]
    if not lines:
        return None, (1, 1)
    line = lines[-1]  # the pipe's output stream
    fps = re.search(r" (\d+(?:\.\d+)?) fps", line)
    sar = re.search(r"\[SAR (\d+):(\d+) ", line)
    aspect = (int(sar.group(1)), int(sar.group(2))) if sar and int(sar.group(1)) and int(sar.group(2)) else (1, 1)
    return (float(fps.group(1)) if fps and float(fps.group(1)) > 0 else None), aspect


_BANNER = re.compile(r"\s*(ffmpeg version|built with|configuration:|lib\w+\s+\d+\.)")


def _first_line(err: BaseException) -> str:
    """The line of an imageio-ffmpeg error that says what went wrong, without ffmpeg's banner."""
    text = str(err).strip()
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and "===" not in ln and not _BANNER.match(ln)]
    if lines == ["Could not load meta information"]:  # ffmpeg said nothing: nothing arrived in 10 s
        return "no video information arrived within 10 s (a stalled stream, or not a video)"
    # ffmpeg's own last line says most (e.g. "Invalid data found when processing input")
    if len(lines) > 1:
        return lines[-1][:200]
    return (lines[0] if lines else type(err).__name__)[:200]
