"""What the ``videotools`` command sets up before anything heavy is imported.

A command imports numpy, OpenCV and PyAV (a few tenths of a second) when it
first needs them; ``import videotools`` itself loads none of them. A Ctrl-C
while they import would otherwise end in a ``KeyboardInterrupt`` traceback from
deep inside importlib and exit code -2. And OpenCV and Qt read their log
settings from the environment when they load, so quiet defaults must be set
before they are imported.

:func:`prepare_command` does both, and only in the ``videotools`` process
itself (``videotools ...`` or ``python -m videotools ...``); importing the
library from a program changes nothing. ``videotools/__init__`` calls it
before anything else; :func:`videotools.cli.main` calls it again (it is
idempotent) and then hands Ctrl-C back to Python with :func:`end_startup`.
:func:`only_version` lets the command answer ``--version`` before typer loads.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command ended by Ctrl-C

_QUIET_ENV = {
    "OPENCV_LOG_LEVEL": "SILENT",  # OpenCV's [ WARN:0@...] and [ERROR:0@...] lines (real errors raise)
    "OPENCV_VIDEOIO_DEBUG": "0",
    # Qt (OpenCV's window backend): "QFontDatabase: Cannot find font directory ..." and friends
    "QT_LOGGING_RULES": "*.debug=false;*.info=false;*.warning=false",
}


# The command's own numpy does small matrix products only (k-means), so its BLAS gets one thread: OpenBLAS
# starts a thread per core when numpy is imported (60 ms of CPU here) and they spin beside the encoder's.
_LEAN_ENV = {"OPENBLAS_NUM_THREADS": "1"}


def is_command(argv: list[str] | None = None) -> bool:
    """True when this process is the ``videotools`` command (console script or ``python -m videotools``)."""
    orig = list(getattr(sys, "orig_argv", []) or [])[1:]
    i = 0
    while i < len(orig) and orig[i].startswith("-") and orig[i] != "-":
        arg = orig[i]
        if arg == "-m":
            return i + 1 < len(orig) and orig[i + 1] == "videotools"
        if arg.startswith("-m"):
            return arg[2:] == "videotools"
        if arg == "-c":
            return False
        i += 2 if arg in ("-X", "-W", "--check-hash-based-pycs") else 1
    args = sys.argv if argv is None else argv
    name = os.path.basename(args[0]) if args else ""
    return name in ("videotools", "videotools.exe", "videotools-script.py")


GROUP_FLAGS = ("--version", "-v", "--verbose", "-q", "--quiet")  # the group's own options that take no value


def only_version(argv: list[str]) -> bool:
    """True when the command line only asks for the version (``--version``, maybe with ``-v``/``-q``).

    Then the command prints it without importing typer or any command: the options before the first
    word are all the group's own flags and include ``--version``, which click would answer (it is eager)
    before looking at anything after it. Anything else (``--help``, an unknown option) goes to typer.
    """
    lead = []
    for a in argv:
        if not a.startswith("-") or a == "--":
            break
        lead.append(a)
    return "--version" in lead and all(a in GROUP_FLAGS for a in lead)


def wants_verbose(argv: list[str]) -> bool:
    """``-v``/``--verbose`` anywhere before a ``--`` (the flag is accepted at any place on the line)."""
    for a in argv:
        if a == "--":
            return False
        if a in ("-v", "--verbose"):
            return True
    return False


def _interrupted(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    """Ctrl-C while modules import: nothing is open yet, so leave at once, in one line."""
    try:
        os.write(2, b"videotools: interrupted\n")
    finally:
        os._exit(EXIT_INTERRUPTED)


def crash_log(err: BaseException) -> str | None:
    """Write the traceback of an unexpected error to a log file; its path, or None if that failed."""
    import tempfile
    import time
    import traceback

    try:
        fd, path = tempfile.mkstemp(prefix=f"videotools-error-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".log")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"videotools {' '.join(sys.argv[1:])}\n")
            fh.write("".join(traceback.format_exception(type(err), err, err.__traceback__)))
        return path
    except OSError:
        return None


def _excepthook(kind: type[BaseException], err: BaseException, tb) -> None:
    """What escapes everything else (an import that fails, say): one line, the traceback in a log file."""
    if issubclass(kind, KeyboardInterrupt):
        _interrupted(signal.SIGINT, None)
    if wants_verbose(sys.argv[1:]):
        sys.__excepthook__(kind, err, tb)
        return
    where = crash_log(err)
    text = " ".join(f"{kind.__name__}: {err}".split())
    sys.stderr.write(f"videotools: error: internal error: {text} (please report it"
                     f"{'; traceback in ' + where if where else ''}; -v shows it here)\n")


def prepare_command(argv: list[str] | None = None) -> bool:
    """In the ``videotools`` process: exit 130 on Ctrl-C, one line for any uncaught error, quiet logs, one BLAS thread.

    Third-party logs (OpenCV, Qt) stay quiet unless ``-v``/``--verbose`` is on the line.

    Returns whether this process is the command. Safe to call more than once.
    """
    if not is_command():
        return False
    args = sys.argv[1:] if argv is None else argv
    sys.excepthook = _excepthook
    if threading.current_thread() is threading.main_thread():
        current = signal.getsignal(signal.SIGINT)
        if current in (signal.default_int_handler, _interrupted):
            signal.signal(signal.SIGINT, _interrupted)
    if not wants_verbose(args):
        for key, value in _QUIET_ENV.items():
            os.environ.setdefault(key, value)
    for key, value in _LEAN_ENV.items():  # a value the user set is kept
        os.environ.setdefault(key, value)
    return True


def import_heavy(argv: list[str]) -> None:
    """Import numpy, OpenCV and PyAV now, while a Ctrl-C still exits at once, unless the command only prints text.

    A Ctrl-C that lands inside a C extension's import can be swallowed there (the extension clears the
    error it caused), and the command then runs on as if nothing happened; under :func:`_interrupted` it
    exits 130 instead. ``--version`` and ``--help`` stay fast: they need none of them.
    """
    if not argv or {"--version", "-h", "--help"} & set(argv):
        return
    # OpenCV before PyAV: the other order freezes cv2.imshow (both bundle FFmpeg's libraries)
    for name in ("numpy", "cv2", "av"):
        importlib.import_module(name)


def end_startup() -> None:
    """Imports are done: Ctrl-C raises ``KeyboardInterrupt`` again, for the command to handle."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is _interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def interrupt_exits() -> None:
    """From here on (the command is finishing) a Ctrl-C exits 130 at once, without a traceback."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupted)
