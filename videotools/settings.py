"""Settings that travel together, as small frozen dataclasses validated when made.

Each rule of a setting lives here and only here (the command line declares its
options with these limits and builds these values). Errors carry the parameter
they concern (``ParameterError.param``: ``crf``, ``start``) and name it first;
the command line maps it to its flag (``--crf``, ``--start``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ParameterError

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
CAMERA_MODES = ("latest", "every")
CRF_MAX = 51
"""x264's worst quality; 0 is lossless."""
MAX_SIDE = 16384
"""Widest frame a size option accepts (H.264 level 6.2 tops out at 8192; cameras far below)."""
MAX_FPS = 1000.0
"""Highest frame rate a rate option accepts."""


TIME_FORMS = "seconds or [[HH:]MM:]SS[.frac], e.g. 90, 1:30 or 1:02:03.5"
"""How a time in a video may be written: what an error about one says it takes."""
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)", re.ASCII)


def parse_time(text: str, *, param: str = "start") -> float:
    """A time in a video from what a person types: ``"90"``, ``"1.5"``, ``"1:30"``, ``"01:02:03.5"`` -> seconds.

    As FFmpeg's ``-ss`` takes it: plain seconds, or ``[[HH:]MM:]SS[.frac]``
    (minutes and seconds after a colon below 60; the first field any size).
    A plain number passes as it is (its range is :class:`Seek`'s rule).

    Raises
    ------
    ParameterError
        Naming ``param``, for text in neither form (``1:75``, ``-1:30``, ``1:30s``).
    """
    clock = _CLOCK.fullmatch(text.strip())
    if clock is not None:
        hours, minutes, seconds = clock.groups()
        if (hours is None or int(minutes) < 60) and float(seconds) < 60:
            return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    elif ":" not in text:
        try:
            return float(text)
        except ValueError:
            pass
    raise ParameterError(f"{param} takes {TIME_FORMS}, got {text!r}", param=param)


def _seconds(name: str, value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value) or value < 0):
        raise ParameterError(f"{name} must be a finite number of seconds >= 0, got {value}", param=name)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_encoding(crf: object, preset: object) -> None:
    """The x264 settings' rules, for :class:`Encoding` and for a :class:`~videotools.VideoSink` made directly.

    Raises
    ------
    ParameterError
        ``crf`` not an integer in 0..51, or ``preset`` not one of :data:`PRESETS`.
    """
    if not _whole(crf) or not 0 <= crf <= CRF_MAX:  # type: ignore[operator]
        raise ParameterError(f"crf must be an integer in 0..{CRF_MAX}, got {crf!r}", param="crf")
    if preset not in PRESETS:
        raise ParameterError(f"preset must be one of {', '.join(PRESETS)}, got {preset!r}", param="preset")


def parse_size(text: str | None, *, param: str = "camera_size") -> tuple[int, int] | None:
    """``"1280x720"`` -> ``(1280, 720)``; None for an empty value. Its limits are :class:`Camera`'s.

    Raises
    ------
    ParameterError
        Naming ``param``, unless ``text`` is WIDTHxHEIGHT with both in 1..16384.
    """
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if 0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE:
            return w, h
    except ValueError:
        pass
    raise ParameterError(f"{param.replace('_', ' ')} takes WIDTHxHEIGHT, each 1..{MAX_SIDE}, e.g. 1280x720, "
                         f"got {text!r}", param=param)


@dataclass(frozen=True)
class Seek:
    """Where to read a file or stream: from ``start`` seconds, stopping before ``end`` (None: its end)."""

    start: float | None = None
    end: float | None = None

    def __post_init__(self) -> None:
        _seconds("start", self.start)
        _seconds("end", self.end)
        if self.end is not None and self.end <= (self.start or 0.0):
            raise ParameterError(f"end ({self.end:g}) must be after start ({self.start or 0:g})", param="end")

    @property
    def active(self) -> bool:
        return bool(self.start) or self.end is not None


@dataclass(frozen=True)
class Encoding:
    """How video files are written: x264 ``crf`` (0 lossless .. 51), ``preset``, and whether sound comes along."""

    crf: int = 20
    preset: str = "veryfast"
    audio: bool = True

    def __post_init__(self) -> None:
        check_encoding(self.crf, self.preset)


@dataclass(frozen=True)
class Camera:
    """How cameras are opened: ``mode`` latest|every (None: every when only recording), ``size`` (W, H), ``fps``."""

    mode: str | None = None
    size: tuple[int, int] | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in CAMERA_MODES:
            raise ParameterError(f"camera mode must be latest or every, got {self.mode!r}", param="camera_mode")
        if self.size is not None and (len(self.size) != 2 or not all(_whole(v) for v in self.size)
                                      or min(self.size) < 1 or max(self.size) > MAX_SIDE):
            raise ParameterError(f"camera size must be WIDTHxHEIGHT within 1..{MAX_SIDE}, got {self.size!r}",
                                 param="camera_size")
        if self.fps is not None and (isinstance(self.fps, bool) or not isinstance(self.fps, (int, float))
                                     or not math.isfinite(self.fps) or not 0 < self.fps <= MAX_FPS):
            raise ParameterError(f"camera fps must be in (0, {MAX_FPS:g}], got {self.fps!r}", param="camera_fps")


@dataclass(frozen=True)
class Input:
    """How sources are read: ``lost_after`` seconds a camera or a live stream may stay silent before the run
    ends (None: 2 s for a camera, 20 s for a stream), ``deinterlace`` frames flagged interlaced (files, streams)."""

    lost_after: float | None = None
    deinterlace: bool = False

    def __post_init__(self) -> None:
        v = self.lost_after
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                              or v <= 0):
            raise ParameterError(f"lost_after must be a number of seconds > 0, got {v!r}", param="lost_after")
        if not isinstance(self.deinterlace, bool):
            raise ParameterError(f"deinterlace must be True or False, got {self.deinterlace!r}", param="deinterlace")


@dataclass(frozen=True)
class Playback:
    """How viewers (window, browser) play files: at their own pace unless ``fast``; ``loop`` repeats a file."""

    fast: bool = False
    loop: bool = False


def parse_address(spec: str | int) -> tuple[str, int]:
    """``"8080"`` or ``"0.0.0.0:8080"`` -> ``(host, port)``: where a preview or status page listens.

    The host defaults to 127.0.0.1 (this machine only); port 0 lets the system choose one.

    Raises
    ------
    ParameterError
        Naming ``serve``: not ``[HOST:]PORT`` with PORT in 0..65535.
    """
    s = str(spec)
    host, _, port = s.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ParameterError(f"serve takes [HOST:]PORT with PORT in 0..65535, got {spec!r}", param="serve")
    return host, int(port)


def check_alphas(alphas: Sequence[float]) -> tuple[float, ...]:
    """Validate learning rates: at least one, each in (0, 1]."""
    try:
        values = tuple(float(a) for a in alphas)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"alphas must be numbers in (0, 1], got {alphas!r}", param="alphas") from err
    if not values:
        raise ParameterError("alphas: at least one alpha is needed", param="alphas")
    for a in values:
        if not 0 < a <= 1 or a != a:
            raise ParameterError(f"alpha must be in (0, 1], got {a}", param="alpha")
    if len(set(values)) != len(values):
        twice = next(a for a in values if values.count(a) > 1)
        raise ParameterError(f"alpha {twice:g} is given twice (each model needs its own rate)", param="alpha")
    return values
