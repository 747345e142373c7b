"""The values a palette's options take, and their checks: importable without numpy (the command line needs them)."""

from __future__ import annotations

from ..errors import ParameterError

SPACES = ("rgb", "lab")
"""Where "nearest colour" can be measured: plain RGB, or CIE Lab (OpenCV's conversion)."""
MAX_K = 256
"""The most colours a palette holds (a label is one byte)."""
DEFAULT_SAMPLE = 50_000
"""Pixels drawn (without replacement, seeded) to fit a palette: enough for a
stable fit of up to 64 colours, small enough to fit in a few milliseconds."""


def check_space(space: str) -> str:
    """``space`` if it is one of :data:`SPACES`.

    Raises
    ------
    ParameterError
        Naming the bad value and the choices.
    """
    if space not in SPACES:
        raise ParameterError(f"space must be one of {SPACES}, got {space!r}", param="space")
    return space


__all__ = ["DEFAULT_SAMPLE", "MAX_K", "SPACES", "check_space"]
