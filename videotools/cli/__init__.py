"""The ``videotools`` command: a thin typer layer over the Python API (one module per command group)."""

from __future__ import annotations

import logging

from . import batch_cmds, io, live_cmds, process_cmds, stills_cmds  # noqa: F401  (each module registers its commands on ``app``)
from .app import app


def main() -> None:
    """Entry point of the console script and of ``python -m videotools``."""
    logging.basicConfig(level=logging.WARNING, format="videotools: %(message)s")
    logging.getLogger("distributed").setLevel(logging.ERROR)  # Dask's cluster chatter is not for users
    logging.getLogger("imageio_ffmpeg").setLevel(logging.ERROR)  # e.g. "frame size differs" on rotated phone video
    app()


__all__ = ["app", "main"]
