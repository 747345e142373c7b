"""What every sink shares: ``with`` support and the output-path checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
    """Check one output file before anything is written: the rules of :func:`videotools.outputs.check_outputs`.

    A sink made on its own checks its file here; a run has checked it with the others already.

    Raises
    ------
    SinkError
        A missing or read-only folder, a path that is a folder.
    OutputExistsError
        If the file exists and ``overwrite`` is False.
    """
    from ..outputs import check_outputs

    check_outputs([], also=[path], overwrite=overwrite)
    return Path(path)
