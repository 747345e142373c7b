"""Log lines of a command: ``videotools: ...`` on stderr, levels set by -v/-q, restored when the command ends.

``-v/--verbose`` (anywhere on the line) also shows third-party logs (FFmpeg,
OpenCV, Qt, Dask) and Python warnings; ``-q/--quiet`` shows nothing but errors.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator

from .failures import one_line

_log = logging.getLogger("videotools")


class _Formatter(logging.Formatter):
    """``videotools: ...`` (``videotools: error: ...`` for errors), one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower() if record.levelno >= logging.ERROR else ""
        text = one_line(record.getMessage())
        if record.exc_info and record.levelno >= logging.ERROR and _log.isEnabledFor(logging.DEBUG):
            text += "\n" + self.formatException(record.exc_info)
        return f"videotools: {level + ': ' if level else ''}{text}"


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: set[str] = set()  # messages already shown: a warning is shown once per command

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = one_line(record.getMessage())
            if record.levelno == logging.WARNING and line in self.said:
                return  # the same warning of the same command (a file read by the fit, then the run) once
            self.said.add(line)
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - a log line must never end a run
            pass


THIRD_PARTY = ("distributed", "libav", "av", "PIL", "asyncio", "bokeh", "tornado")


def configure_output(*, verbose: bool = False, quiet: bool = False) -> None:
    """Log levels for a command: warnings and errors by default, only errors with ``quiet``, all with ``verbose``.

    Third-party loggers (Dask, FFmpeg through PyAV, PIL...) are held
    at ERROR unless ``verbose``; Python warnings are hidden unless ``verbose``.
    :meth:`VideotoolsGroup.main` restores the previous settings when the command ends.
    """
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(_Formatter())
        root.addHandler(handler)
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    root.setLevel(logging.INFO if verbose else logging.ERROR)
    _log.setLevel(level)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)
    warnings.simplefilter("default" if verbose else "ignore")


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """Put log levels, handlers and warning filters back as they were (for commands run in-process)."""
    names = ["", "videotools", *THIRD_PARTY]
    levels = {n: logging.getLogger(n).level for n in names}
    handlers = list(logging.getLogger().handlers)
    with warnings.catch_warnings():
        try:
            yield
        finally:
            for n, lv in levels.items():
                logging.getLogger(n).setLevel(lv)
            logging.getLogger().handlers[:] = handlers
