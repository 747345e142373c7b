"""What a command says once its run is over: one summary line, the files written, and the exit code to come."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import typer

from ..errors import ParameterError
from ..startup import EXIT_INTERRUPTED
from .failures import one_line
from .logs import StderrHandler

_click = typer.core._click  # typer's own copy of click


def _written(path: str) -> bool:
    """Whether an output exists (for a sequence: its first frame)."""
    from ..outputs import is_sequence

    if is_sequence(path):
        try:
            return os.path.exists(path % 0)
        except (TypeError, ValueError):
            return False
    return os.path.isfile(path)


def report(stats: Any, outs: Sequence[str] | None = None, quiet: bool = False) -> None:
    """One summary line, and "wrote X" for each output that exists, on stderr."""
    said = set().union(*(h.said for h in logging.getLogger().handlers if isinstance(h, StderrHandler)))
    if stats.warning and not quiet and one_line(stats.warning) not in said:
        typer.echo(f"videotools: warning: {one_line(stats.warning)}", err=True)
    if quiet:
        return
    line = f"{stats.frames} frames in {stats.seconds:.1f} s ({stats.fps:.1f} fps)"
    if stats.dropped:
        line += f", {stats.dropped} camera frames dropped (latest-frame mode)"
    if stats.stopped_by not in ("end of source",):
        line += f"; stopped: {stats.stopped_by}"
    typer.echo(line, err=True)
    for o in outs or []:
        if _written(o):
            typer.echo(f"wrote {o}", err=True)


def finish_run(stats: Any, *, source: str, out: Sequence[str] | None, quiet: bool, start: float | None = None,
               shown: bool = False, more: bool = False) -> None:
    """Report a finished run; a run stopped by Ctrl-C (its outputs finalized) makes the command exit 130 later.

    ``shown``: a window or a preview showed the frames; ``more``: the command
    writes or prints something of its own (no "nothing was written" note).

    Raises
    ------
    ParameterError
        Outputs were asked for and no frame was read (nothing written).
    """
    written = stats.extra.get("outputs")
    if stats.frames == 0 and out and not written:
        why = f" ({one_line(stats.warning)})" if stats.warning else ""
        where = f" from --start {start:g}" if start else ""
        raise ParameterError(f"no frames read from {source}{where}{why}; nothing written to {', '.join(out)}")
    report(stats, out if written is None else list(written), quiet)
    if stats.stopped_by == "SIGINT":  # outputs finalized; the command finishes its work, then exits 130
        exit_later(EXIT_INTERRUPTED)
    if not (out or shown or quiet or more):
        typer.echo("videotools: note: no --out, --display or --serve was given, so nothing was written", err=True)


def exit_later(code: int) -> None:
    """Make the command exit with ``code`` once it has finished (a run stopped by Ctrl-C: 130)."""
    ctx = _click.globals.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, dict):
        root.obj.setdefault("exit_code", code)
