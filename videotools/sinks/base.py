"""What every sink shares: ``with`` support and the output-path checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError, SinkError
from ..protocols import Sink

__all__ = ["Sink", "SinkBase", "check_output", "free_name"]


class SinkBase:
    """``with`` support for sinks."""

    def close(self) -> None:
        """Flush and release (nothing here)."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def free_name(path: str | os.PathLike) -> Path:
    """``path``, or ``stem-2.ext``, ``stem-3.ext``...: the first name not taken, for outputs that never overwrite."""
    p = Path(path)
    i = 2
    while p.exists() or p.is_symlink():
        p = Path(path).with_name(f"{Path(path).stem}-{i}{Path(path).suffix}")
        i += 1
    return p


def check_output(path: str | os.PathLike, *, overwrite: bool) -> Path:
    """Validate an output file path before anything is written.

    Raises
    ------
    SinkError
        If the folder does not exist or the path is a folder.
    OutputExistsError
        If the file exists and ``overwrite`` is False.
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise SinkError(f"output folder does not exist: {parent}")
    if p.is_dir():
        raise SinkError(f"output is a folder, expected a file name: {p}")
    if p.exists() and not overwrite:
        raise OutputExistsError(f"output exists: {p} (use --overwrite to replace it)")
    return p
