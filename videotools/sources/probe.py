"""What FFmpeg says of a file or stream: its rate, pixel shape, rotation, colour tags, timestamps, and why it
does not open (in FFmpeg's own words), for :mod:`.file`."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import av.error
import av.logging
import cv2

from ..errors import ParameterError
from .timing import Timeline

log = logging.getLogger(__name__)

# FFmpeg's AVColorSpace values -> the matrix names of frames.I420ToRGB
MATRIX = {1: "bt709", 2: None, 5: "bt601", 6: "bt601", 9: "bt2020", 10: "bt2020", 4: "bt601"}
HDR = {16: "pq", 18: "hlg"}  # FFmpeg's AVColorTransferCharacteristic values of HDR video
ROTATE = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, -90: cv2.ROTATE_90_CLOCKWISE, 270: cv2.ROTATE_90_CLOCKWISE,
           -270: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, -180: cv2.ROTATE_180}


def reason(err: BaseException) -> str:
    """FFmpeg's own words for an error ("Invalid data found when processing input"), without the path."""
    if isinstance(err, av.error.FFmpegError):
        return (err.strerror or type(err).__name__).strip()
    return str(err).splitlines()[0][:200] if str(err) else type(err).__name__


_ISO_BOXES = (b"ftyp", b"mdat", b"free", b"skip", b"wide", b"pnot")  # what an MP4/MOV file begins with


def ffmpeg_says(path: str) -> str:
    """FFmpeg's own log line on why a local file does not open (" (moov atom not found: ...)"), or "".

    The error code alone says "Invalid data found"; the demuxer's log names the
    cause. Logs are off in PyAV (they cost time), so the open is tried once more
    with them captured, only after it failed.
    """
    level = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        before, _ = av.logging.get_last_error()
        with av.logging.Capture():  # kept off stderr: it goes into the one-line message
            try:
                av.open(path).close()
            except (av.error.FFmpegError, OSError, UnicodeDecodeError):
                pass
        count, last = av.logging.get_last_error()  # counted even when a message repeats (and is not logged)
    finally:
        av.logging.set_level(level)
    if count == before or not last:
        return ""
    said = str(last[2]).strip()
    if "moov atom not found" in said:  # FFmpeg says so of any unknown file named .mp4, too
        try:
            with open(path, "rb") as fh:
                if fh.read(8)[4:] not in _ISO_BOXES:
                    return ""
        except OSError:
            return ""
        said += ": an MP4/MOV recording cut off before it was finished has no index, so it cannot be read"
    return f" ({said})"


def frame_rate(stream: Any) -> float:
    """The stream's average frame rate (25 when it states none that makes sense)."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 25.0
    return fps if math.isfinite(fps) and 0 < fps <= 1000 else 25.0


def pixel_aspect(stream: Any, rotation: int) -> tuple[int, int]:
    """Width:height of one pixel as shown (swapped for a video turned a quarter)."""
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    aspect = (sar.numerator, sar.denominator) if sar and sar.numerator and sar.denominator else (1, 1)
    return (aspect[1], aspect[0]) if rotation in (90, 270) else aspect


def cut_length(duration: float | None, start: float | None, end: float | None) -> float | None:
    """Seconds between ``start`` and ``end`` within a video ``duration`` long."""
    if duration is None:
        return None
    stop = min(duration, end) if end is not None else duration
    return max(0.0, stop - (start or 0.0))


def timestamp(frame: Any, time_base: Fraction) -> float | None:
    """A decoded frame's timestamp in seconds: its pts, else its packet's dts, else None."""
    ts = frame.pts if frame.pts is not None else frame.dts
    return None if ts is None else float(ts * (frame.time_base or time_base))


def first_audio(container: Any) -> Any:
    """The container's first audio stream, or None."""
    return container.streams.audio[0] if container.streams.audio else None


TS_DISCONT = 0x0200
"""FFmpeg's AVFMT_TS_DISCONT: formats whose timestamps may jump or start again (MPEG-TS, MPEG-PS)."""


def timestamps_restart(path: str) -> bool:
    """Whether a file's video timestamps start again somewhere (recordings joined: ``cat a.ts b.ts``).

    Such a file plays whole (the source re-times it, see ``timing``), but a
    seek by timestamp is ambiguous in it. Only formats that allow it (MPEG-TS,
    MPEG-PS) are read (:func:`stretches`); any other file gives False at once.
    """
    return stretches(path) is not None


@dataclass(frozen=True)
class Stretches:
    """The video of a file whose timestamps start again, from its packets: how long it plays re-timed (as
    :class:`.file.FileSource` times it), and where its keyframes are.

    ``keyframes`` holds ``(time, packet)`` pairs: a keyframe's re-timed time in
    seconds, and its place among the video stream's packets (counting those
    with data, from 0).
    """

    length: float
    keyframes: tuple[tuple[float, int], ...]

    def keyframe_at(self, time: float) -> int:
        """The place of the last keyframe at or before ``time`` (0, the first packet, when there is none)."""
        return max((n for t, n in self.keyframes if t <= time + 1e-6), default=0)


def stretches(path: str, *, origin: float = 0.0, step: float | None = None) -> Stretches | None:
    """The re-timed length and keyframes of a file whose video timestamps start again; None for any other.

    Reads every video packet, without decoding (some hundreds of MB a second),
    of MPEG-TS and MPEG-PS files only; other formats give None at once. The
    times are those :class:`.timing.Timeline` gives the decoded frames (the same
    ``origin`` and ``step``, the frame duration: the stream's own by default): a
    frame's time is the smallest timestamp among those held back, whichever
    order they come in.
    """
    with av.open(path) as c:
        v = video_stream(c)
        if v is None or not c.format.flags & TS_DISCONT:
            return None
        step = step or 1.0 / frame_rate(v)
        line: Timeline[None] = Timeline(step, origin=origin)
        keyframes: list[tuple[float, int]] = []
        last: float | None = None
        count = 0
        for p in c.demux(v):
            if not p.size:
                continue
            ts = float(p.pts * p.time_base) if p.pts is not None and p.time_base else None
            timed = line.push(None, ts)
            if p.is_keyframe and ts is not None:
                at = line.place(ts)
                if at is not None:
                    keyframes.append((at, count))
            count += 1
            last = timed[-1][1] if timed else last
        timed = line.flush()
        last = timed[-1][1] if timed else last
    if not line.resets or last is None:
        return None
    return Stretches(last + step, tuple(keyframes))


def video_stream(container: Any) -> Any:
    """The container's first video stream that is not an attached picture (cover art, a thumbnail), or None."""
    return next((v for v in container.streams.video if not v.disposition & av.stream.Disposition.attached_pic), None)


def audio_codec(container: Any) -> str | None:
    """FFmpeg's name of the first audio stream's codec (``mp3``, not its decoder's ``mp3float``), or None."""
    if not container.streams.audio:
        return None
    codec = container.streams.audio[0].codec_context.codec
    return getattr(codec, "canonical_name", None) or codec.name


def rotation_of(frame: Any, path: str) -> int:
    """Degrees a decoded frame must be turned (0, 90, 180 or 270), from its display matrix."""
    rotation = int(round(getattr(frame, "rotation", 0) or 0)) % 360
    if rotation not in (0, 90, 180, 270):
        log.warning("%s: rotation %d degrees is not a multiple of 90; ignored", path, rotation)
        return 0
    return rotation


def check_range(start: float | None, end: float | None) -> None:
    """Validate ``start``/``end`` seconds (finite, ``0 <= start < end``)."""
    for name, v in (("start", start), ("end", end)):
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ParameterError(f"{name} must be a finite number of seconds >= 0, got {v}")
    if end is not None and end <= (start or 0):
        raise ParameterError(f"end ({end:g}) must be after start ({start or 0:g})")
