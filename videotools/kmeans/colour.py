"""Colour spaces and colour names: RGB <-> CIE Lab, luma, and ``#rrggbb`` parsing and printing."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import ParameterError
from .choices import SPACES, check_space


def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    """uint8 RGB ``(..., 3)`` -> float32 coordinates in ``space`` (RGB 0..255, or CIE Lab via OpenCV).

    Examples
    --------
    >>> to_space(np.array([[255, 255, 255]], np.uint8), "lab").round().tolist()
    [[100.0, 0.0, 0.0]]
    """
    a = np.asarray(rgb)
    if check_space(space) == "rgb":
        return a.astype(np.float32)
    flat = a.reshape(-1, 1, 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(a.shape)


def from_space(x: np.ndarray, space: str) -> np.ndarray:
    """Inverse of :func:`to_space`, rounded and clipped to uint8 RGB."""
    a = np.asarray(x, np.float32)
    if check_space(space) == "lab":
        a = cv2.cvtColor(a.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(a.shape) * 255.0
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def luminance(colors: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of ``(k, 3)`` RGB colours (the palette's sort key)."""
    c = np.asarray(colors, np.float64)
    return c @ np.array([0.299, 0.587, 0.114])


def parse_color(value: str | Sequence[int]) -> tuple[int, int, int]:
    """``"#ff8800"``, ``"ff8800"``, ``"#f80"`` or ``(255, 136, 0)`` -> an RGB triple.

    Raises
    ------
    ParameterError
        Naming the value, when it is neither a hex colour nor three integers 0..255.

    Examples
    --------
    >>> parse_color("#f80"), parse_color((1, 2, 3))
    ((255, 136, 0), (1, 2, 3))
    """
    if isinstance(value, str):
        s = value.strip().lstrip("#")
        if len(s) == 3:
            s = "".join(ch * 2 for ch in s)
        if len(s) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in s):
            raise ParameterError(f"bad colour {value!r}: expected #rrggbb")
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    t = tuple(value)
    if len(t) != 3 or not all(isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in t):
        raise ParameterError(f"bad colour {value!r}: expected three integers 0..255")
    return int(t[0]), int(t[1]), int(t[2])


def to_hex(color: Sequence[int] | np.ndarray) -> str:
    """``(255, 136, 0)`` -> ``"#ff8800"``.

    Examples
    --------
    >>> to_hex((255, 136, 0))
    '#ff8800'
    """
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in color))


__all__ = ["SPACES", "check_space", "to_space", "from_space", "luminance", "parse_color", "to_hex"]
