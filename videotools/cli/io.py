"""Kept until ``cli/__init__`` imports :mod:`.run_cmds` (the run, info and demo commands) by that name."""

from . import run_cmds  # noqa: F401  (registers its commands)
