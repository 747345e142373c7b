"""What one camera of a watch does, and the config file that lists many cameras.

A config file is JSON (always) or TOML (where Python has :mod:`tomllib`,
3.11 and later; ``tomli`` is not a dependency)::

    {"defaults": {"segment_seconds": 300, "keep_hours": 24},
     "cameras": [{"name": "north", "source": "rtsp://10.0.0.7/sub"},
                 {"name": "south", "source": "udp://127.0.0.1:5000", "record": "encode"}]}
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError

RECORD_MODES = ("auto", "copy", "encode", "off")
DEFAULT_CHAIN = "background:model=plate"
"""The chain a camera runs unless told otherwise: the clean plate, its masks and their statistics."""


@dataclass(frozen=True)
class Limit:
    """The values one number option of a camera takes: ``lo`` to ``hi`` (``lo`` left out when ``open_low``),
    whole numbers only when ``whole``, and 0 as well when ``zero`` says what 0 means."""

    lo: float
    hi: float
    whole: bool = False
    open_low: bool = False
    zero: str = ""

    def allows(self, value: Any) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            return False
        if self.whole and not float(value).is_integer():
            return False
        return (value == 0 and bool(self.zero)) or ((value > self.lo if self.open_low else value >= self.lo)
                                                    and value <= self.hi)

    @property
    def expected(self) -> str:
        """What :meth:`allows`, in words: ``a whole number in [16, 16384], or 0 (full size)``."""
        kind = "a whole number" if self.whole else "a number"
        span = f"{'(' if self.open_low else '['}{self.lo:g}, {self.hi:g}]"
        return f"{kind} in {span}" + (f", or 0 ({self.zero})" if self.zero else "")


LIMITS = {
    "detect_width": Limit(16, 16384, whole=True, zero="full size"),  # narrower leaves the chain nothing to find
    "detect_fps": Limit(0, 1000),
    "segment_seconds": Limit(1, 86400),
    "plate_seconds": Limit(0.1, 86400),
    "speed": Limit(0.01, 1000),
    "lost_after": Limit(0.5, 3600),
    "crf": Limit(0, 51, whole=True),
    "keep_hours": Limit(0, 1e9, open_low=True),  # 0 would keep nothing: use record=off
    "keep_gb": Limit(0, 1e9, open_low=True),
}
"""The range of each number option of :class:`CameraConfig` (a config file's values and the command's flags)."""


@dataclass(frozen=True)
class CameraConfig:
    """One camera: where its frames come from and what is kept of them.

    Parameters
    ----------
    name : str
        Folder name under the output folder (letters, digits, ``-``, ``_``, ``.``).
    source : str
        Anything :func:`videotools.open_source` opens; for ``record="copy"``, a file or stream URL.
    chain : str
        Processing chain (:func:`videotools.parse_chain`) run on the detection copy of the frames;
        a ``background`` step gives the plate, masks and statistics.
    detect_width : int
        Width of the scaled-down copy the chain sees, 16 or more (0: full size); the height keeps the aspect.
    detect_fps : float
        Frames per second the chain sees (0: every frame); recordings keep every frame.
    record : {"auto", "copy", "encode", "off"}
        ``copy``: the stream's own packets into the segments (no re-encoding; files and streams);
        ``encode``: full-size frames re-encoded with H.264 (any source, synthetic scenes too);
        ``auto``: ``copy`` for files and streams, else ``encode``.
    segment_seconds : float
        Length of each recording segment.
    keep_hours, keep_gb : float, optional
        Retention: oldest segments are removed beyond either limit (None: no limit; 0 is refused,
        as it would keep nothing: ``record="off"`` records nothing).
    plate_seconds : float
        How often ``plate.png`` (and ``latest.jpg``) are rewritten.
    speed : float
        Files and synthetic scenes are played at their own rate times ``speed`` (live sources ignore it).
    lost_after : float
        Seconds without a frame after which a live camera counts as down and is reopened.
    crf, preset
        H.264 quality and speed for ``record="encode"``.
    """

    name: str
    source: str
    chain: str = DEFAULT_CHAIN
    detect_width: int = 320
    detect_fps: float = 5.0
    record: str = "auto"
    segment_seconds: float = 300.0
    keep_hours: float | None = 24.0
    keep_gb: float | None = None
    plate_seconds: float = 10.0
    speed: float = 1.0
    lost_after: float = 10.0
    crf: int = 23
    preset: str = "veryfast"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"camera {self.name!r}"
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", self.name or ""):
            raise ParameterError(f"{where}: name must be 1-64 letters, digits, '.', '_' or '-' "
                                 "(it names a folder)")
        if not str(self.source).strip():
            raise ParameterError(f"{where}: empty source")
        if self.record not in RECORD_MODES:
            raise ParameterError(f"{where}: record must be one of {', '.join(RECORD_MODES)}, got {self.record!r}")
        if self.record == "copy":
            from .feed import copyable

            if not copyable(self.source):
                raise ParameterError(f"{where}: record=copy needs a video file or a stream URL, not "
                                     f"{self.source!r}; use record=encode")
        for key, limit in LIMITS.items():
            value = getattr(self, key)
            if value is not None and not limit.allows(value):
                raise ParameterError(f"{where}: {key} must be {limit.expected}, got {value!r}")

    @property
    def copies(self) -> bool:
        """Whether the recording copies the stream's packets (and the feed must demux them)."""
        if self.record == "auto":
            from .feed import copyable

            return copyable(self.source)
        return self.record == "copy"

    @property
    def keep_seconds(self) -> float | None:
        return None if self.keep_hours is None else self.keep_hours * 3600.0

    @property
    def keep_bytes(self) -> int | None:
        return None if self.keep_gb is None else int(self.keep_gb * 1e9)


OPTIONS = {f.name for f in dataclasses.fields(CameraConfig)} - {"name", "source", "extra"}


def camera(source: str, *, name: str | None = None, **options: Any) -> CameraConfig:
    """A :class:`CameraConfig` for ``source``, named after it unless ``name`` is given."""
    from ..sources import source_name

    unknown = set(options) - OPTIONS
    if unknown:
        raise ParameterError(f"unknown camera option {sorted(unknown)[0]!r}; known: {', '.join(sorted(OPTIONS))}")
    return CameraConfig(name=name or source_name(source), source=str(source), **options)


def unique(cameras: list[CameraConfig]) -> list[CameraConfig]:
    """``cameras`` with their names made distinct (``street``, ``street-2``...), in order."""
    seen: dict[str, int] = {}
    out = []
    for cam in cameras:
        n = seen.get(cam.name, 0) + 1
        seen[cam.name] = n
        out.append(cam if n == 1 else dataclasses.replace(cam, name=f"{cam.name}-{n}"))
    return out


def load_config(path: str | os.PathLike, **defaults: Any) -> list[CameraConfig]:
    """The cameras a JSON or TOML config file lists (``defaults`` first, then the file's, then each camera's).

    Raises
    ------
    ParameterError
        The file is missing or malformed, TOML without :mod:`tomllib`, a camera without a source,
        an unknown option, two cameras of one name, or a bad value (named with the camera).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ParameterError(f"config {p}: cannot read it ({err.strerror or err})", param="config") from None
    if p.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise ParameterError(f"config {p}: TOML needs Python 3.11 or later; write it as JSON",
                                 param="config") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ParameterError(f"config {p}: not valid TOML ({err})", param="config") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ParameterError(f"config {p}: not valid JSON ({err.msg} at line {err.lineno})",
                                 param="config") from None
    if not isinstance(data, dict) or not isinstance(data.get("cameras"), list) or not data["cameras"]:
        raise ParameterError(f"config {p}: expected a 'cameras' list with at least one camera", param="config")
    base = {**defaults, **(data.get("defaults") or {})}
    cams = []
    for i, entry in enumerate(data["cameras"]):
        if not isinstance(entry, dict) or not entry.get("source"):
            raise ParameterError(f"config {p}: camera {i + 1} has no 'source'", param="config")
        entry = dict(entry)
        source, name = str(entry.pop("source")), entry.pop("name", None)
        try:
            cams.append(camera(source, name=name, **{**base, **entry}))
        except (ParameterError, TypeError) as err:
            raise ParameterError(f"config {p}: {err}", param="config") from None
    names = [c.name for c in cams]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise ParameterError(f"config {p}: two cameras are named {twice!r}; give each its own name", param="config")
    return cams
