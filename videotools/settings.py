"""Settings that travel together, as small frozen dataclasses validated when made.

Each names its parameters in errors (``crf``, ``start``); the command line
maps those names to its flags (``--crf``, ``--start``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ParameterError

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
CAMERA_MODES = ("latest", "every")


def _seconds(name: str, value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value) or value < 0):
        raise ParameterError(f"{name} must be a finite number of seconds >= 0, got {value}")


@dataclass(frozen=True)
class Seek:
    """Where to read a file or stream: from ``start`` seconds, stopping before ``end`` (None: its end)."""

    start: float | None = None
    end: float | None = None

    def __post_init__(self) -> None:
        _seconds("start", self.start)
        _seconds("end", self.end)
        if self.end is not None and self.end <= (self.start or 0.0):
            raise ParameterError(f"end ({self.end:g}) must be after start ({self.start or 0:g})")

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
        if isinstance(self.crf, bool) or not isinstance(self.crf, int) or not 0 <= self.crf <= 51:
            raise ParameterError(f"crf must be an integer in 0..51, got {self.crf!r}")
        if self.preset not in PRESETS:
            raise ParameterError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")


@dataclass(frozen=True)
class Camera:
    """How cameras are opened: ``mode`` latest|every (None: every when only recording), ``size`` (W, H), ``fps``."""

    mode: str | None = None
    size: tuple[int, int] | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in CAMERA_MODES:
            raise ParameterError(f"camera mode must be latest or every, got {self.mode!r}")
        if self.size is not None and (len(self.size) != 2 or min(self.size) < 1 or max(self.size) > 16384):
            raise ParameterError(f"camera size must be WIDTHxHEIGHT within 1..16384, got {self.size!r}")
        if self.fps is not None and (not math.isfinite(self.fps) or not 0 < self.fps <= 1000):
            raise ParameterError(f"camera fps must be in (0, 1000], got {self.fps}")


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
            raise ParameterError(f"lost_after must be a number of seconds > 0, got {v!r}")
        if not isinstance(self.deinterlace, bool):
            raise ParameterError(f"deinterlace must be True or False, got {self.deinterlace!r}")


@dataclass(frozen=True)
class Playback:
    """How viewers (window, browser) play files: at their own pace unless ``fast``; ``loop`` repeats a file."""

    fast: bool = False
    loop: bool = False
