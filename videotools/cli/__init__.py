"""The ``videotools`` command: a thin typer layer over the Python API (one module per command group).

:func:`main` answers ``--version`` before typer or any command module is imported, so it costs no
more than Python's own start-up; every other command line goes to the typer app, which the command
modules fill when they are imported (under the start-up guard: a Ctrl-C meanwhile exits 130).
``videotools.cli.app`` imports them on first use.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

from .. import startup

startup.prepare_command()  # already done by videotools/__init__; idempotent



def _command_modules() -> list[str]:
    """The modules that register commands on the app when imported: every ``*_cmds`` module here.

    (And ``io``, while it exists: the run, info and demo commands' old module.)
    """
    names = os.listdir(os.path.dirname(__file__))
    return sorted(n[:-3] for n in names if n.endswith("_cmds.py") or n == "io.py")


def _load_app() -> Any:
    """The typer app with every command registered."""
    for name in _command_modules():
        importlib.import_module(f"{__name__}.{name}")
    return importlib.import_module(f"{__name__}.app").app


class _Package(types.ModuleType):
    """This package: its ``app`` is the typer app, imported on first use, never the submodule of that name."""

    @property
    def app(self) -> Any:
        return _load_app()

    @app.setter
    def app(self, value: Any) -> None:
        """The import system sets the submodule ``app`` here once it is imported: the name stays the typer app."""


sys.modules[__name__].__class__ = _Package


def _evaluated(func: Any) -> Any:
    """A copy of ``func`` whose string annotations (``from __future__ import annotations``) are evaluated.

    Evaluated as :func:`inspect.signature` does (``eval`` in the function's globals), once, where typer
    would evaluate them twice (its signature and its type hints).
    """
    notes = getattr(func, "__annotations__", None)
    if not isinstance(func, types.FunctionType) or not notes or not any(isinstance(v, str) for v in notes.values()):
        return func
    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    copy.__annotations__ = {k: eval(v, func.__globals__) if isinstance(v, str) else v  # noqa: S307
                            for k, v in notes.items()}
    return copy


@contextlib.contextmanager
def _signatures_read_once() -> Iterator[None]:
    """While typer builds the click command, read each function's parameters once.

    typer reads a command's signature twice per command and once per option callback, evaluating
    every annotation twice each time; building all commands that way is most of ``--help``'s time.
    The result is a pure function of the function, so it is kept for the build and dropped after it.
    """
    import typer.main

    read = typer.main.get_params_from_function
    seen: dict[Any, Any] = {}

    def once(func: Any) -> Any:
        if func not in seen:
            seen[func] = read(_evaluated(func))
        return dict(seen[func])

    typer.main.get_params_from_function = once
    try:
        yield
    finally:
        typer.main.get_params_from_function = read


def main() -> None:
    """Entry point of the console script and of ``python -m videotools``.

    Every failure ends in one line on stderr and an exit code (see
    :mod:`videotools.cli.app`); Ctrl-C exits 130 at any moment.
    """
    argv = sys.argv[1:]
    if startup.only_version(argv):
        from .. import __version__

        sys.stdout.write(f"videotools {__version__}\n")
        sys.stdout.flush()
        return
    app = _load_app()
    startup.import_heavy(argv)  # under the start-up guard: a Ctrl-C meanwhile exits 130 at once
    import typer.main

    with _signatures_read_once():
        command = typer.main.get_command(app)
    startup.end_startup()  # imports are done: Ctrl-C now raises KeyboardInterrupt, handled by the app
    try:
        command()
    finally:
        startup.interrupt_exits()  # a Ctrl-C while Python shuts down still exits 130, quietly


__all__ = ["app", "main"]
