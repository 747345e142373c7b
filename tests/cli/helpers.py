"""Run a ``videotools`` command in-process, as the tests of each CLI module do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from videotools.cli import app


def invoke(*args: str, cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """``videotools ARGS`` through typer's CliRunner: exit code, stdout and stderr, as a subprocess would give them."""
    before = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        r = CliRunner().invoke(app, list(args))
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(list(args), r.exit_code, r.stdout, r.stderr)
