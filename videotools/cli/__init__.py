"""The ``videotools`` command: a thin typer layer over the Python API (one module per command group)."""

from __future__ import annotations

import sys

from .. import startup

startup.prepare_command()  # already done by videotools/__init__; idempotent

from . import batch_cmds, io, live_cmds, process_cmds, stills_cmds  # noqa: E402, F401  (each registers its commands)
from .app import app  # noqa: E402
from .watch_cmds import watch as _watch  # noqa: E402, F401  (registers the watch command)


def main() -> None:
    """Entry point of the console script and of ``python -m videotools``.

    Every failure ends in one line on stderr and an exit code (see
    :mod:`videotools.cli.app`); Ctrl-C exits 130 at any moment.
    """
    startup.import_heavy(sys.argv[1:])  # under the start-up guard: a Ctrl-C meanwhile exits 130 at once
    startup.end_startup()  # imports are done: Ctrl-C now raises KeyboardInterrupt, handled by the app
    try:
        app()
    finally:
        startup.interrupt_exits()  # a Ctrl-C while Python shuts down still exits 130, quietly


__all__ = ["app", "main"]
