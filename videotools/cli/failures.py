"""How every failure becomes one line on stderr and an exit code.

Exit codes (the README's "Exit codes" section says the same):

* 0: done;
* 1: a user mistake found while working (missing or unreadable file, an output
  that exists, a bad chain step...) or an environmental failure (read-only
  folder, disk full, no camera, port in use); one line on stderr;
* 2: the command line itself is malformed (unknown command or option, a value
  of the wrong type or out of range, a missing argument), as click does; one
  line on stderr;
* 130: interrupted by Ctrl-C, at any moment, start-up included;
* 1 also for an unexpected internal error: one line plus the path of a log
  file holding the traceback (``-v`` prints the traceback instead).

Library errors name parameters (``start``, ``fit_frames``); :func:`flagged`
turns them into the flags the user typed (``--start``, ``--fit-frames``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

import typer

from ..errors import VideotoolsError
from ..startup import EXIT_INTERRUPTED, crash_log

EXIT_ERROR = 1
EXIT_USAGE = 2

_click = typer.core._click  # typer's own copy of click: its exceptions are the ones raised here


def one_line(text: str) -> str:
    """``text`` on one line: newlines and control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


# library parameters whose flag is not "--" + the name with dashes
_FLAG_OF = {"k": "-k", "alphas": "--alpha", "palette": "--palette-from"}


def flag_of(param: str) -> str:
    """The flag of a library parameter: ``fit_frames`` -> ``--fit-frames``; ``start/end`` -> ``--start/--end``."""
    return "/".join(_FLAG_OF.get(p, "--" + p.replace("_", "-")) for p in param.split("/"))


def flagged(err: BaseException) -> str:
    """``err``'s message, its leading parameter name (``err.param``: ``start``, ``camera mode``) made a flag."""
    message, param = str(err), getattr(err, "param", None)
    if not param:
        return message
    for name in (param, param.replace("_", " ")):
        rest = message[len(name):]
        if message.startswith(name) and (not rest or not (rest[0].isalnum() or rest[0] == "_")):
            return flag_of(param) + rest
    return message


def error_line(message: str) -> None:
    """Print ``videotools: error: MESSAGE`` as one line on stderr."""
    typer.echo(f"videotools: error: {one_line(message)}", err=True)


# -- command-line (usage) errors ----------------------------------------------------------
_EXPECTED = {
    "int_parsing": "a whole number", "int_from_float": "a whole number", "int_type": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "finite_number": "a finite number",
    "bool_parsing": "true or false", "path_type": "a path", "string_type": "text",
}


def _flag(param: Any, argv: Sequence[str]) -> str:
    """The name the user typed for ``param`` (``-k`` or ``--k``), or its metavar for an argument."""
    opts = list(getattr(param, "opts", []) or [])
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return (getattr(param, "name", None) or "value").upper()
    typed = [o for o in opts if o in argv or any(a.startswith(o + "=") for a in argv)]
    return typed[0] if typed else max(opts, key=len)


def range_text(param: Any) -> str:
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if lo is not None and hi is not None:
        return f" in {lo}..{hi}"
    if lo is not None:
        return f" >= {lo}"
    if hi is not None:
        return f" <= {hi}"
    return ""


def _kind(param: Any) -> str:
    ann = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    text = str(ann)
    if ann is int or ("int" in text and "float" not in text):
        return "a whole number"
    if ann is float or "float" in text:
        return "a finite number"
    return "a value"


def _command(err: Any) -> str:
    return err.ctx.command_path if err.ctx else "videotools"


def _expected(param: Any, first: dict[str, Any]) -> str:
    """What a bad value should have been, from pydantic-style error details and the option's range."""
    value = first.get("input")
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    kind = first.get("type", "")
    if str(value).strip().lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return "a finite number" + range_text(param)
    if kind in ("bool_parsing", "path_type"):
        return _EXPECTED[kind] + range_text(param)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than") or kind in _EXPECTED:
        return _kind(param) + range_text(param)
    return str(first.get("msg", "")).replace("Input should be ", "")


def _bad_value(err: Any, param: Any, argv: Sequence[str]) -> str:
    flag = _flag(param, argv)
    cause = err.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if not errors:
        return f"bad value for {flag}: {err.message}"
    value = errors[0].get("input")
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return f"bad value for {flag}: {str(value)!r} (expected {_expected(param, errors[0])})"


def usage_message(err: Exception, argv: Sequence[str] = ()) -> str:
    """One line for a click/typer usage error: the option, the bad value and what was expected."""
    param = getattr(err, "param", None)
    if isinstance(err, _click.exceptions.NoSuchOption):
        hint = f" (did you mean {', '.join(sorted(err.possibilities))}?)" if err.possibilities else ""
        return f"no such option {err.option_name} for '{_command(err)}'{hint}; see '{_command(err)} --help'"
    if isinstance(err, _click.exceptions.MissingParameter):
        what = "argument" if getattr(param, "param_type_name", "") == "argument" else "option"
        name = _flag(param, argv) if param is not None else "a value"
        return f"missing {what} {name} for '{_command(err)}'; see '{_command(err)} --help'"
    if isinstance(err, _click.exceptions.BadParameter) and param is not None:
        return _bad_value(err, param, argv)
    if isinstance(err, _click.exceptions.UsageError):
        msg = err.format_message().rstrip(".")
        return f"{msg[:1].lower() + msg[1:]}; see '{_command(err)} --help'"
    return str(err)


def exit_code_for(err: BaseException, *, argv: Sequence[str] = (), verbose: bool = False) -> int:
    """Report ``err`` in one line on stderr and return the exit code it stands for."""
    from ..files import describe

    if isinstance(err, typer.Exit):
        return err.exit_code
    if isinstance(err, SystemExit):
        return err.code if isinstance(err.code, int) else (0 if err.code is None else EXIT_ERROR)
    if isinstance(err, KeyboardInterrupt):
        typer.echo("videotools: interrupted", err=True)
        return EXIT_INTERRUPTED
    if isinstance(err, _click.exceptions.NoArgsIsHelpError):
        err.show()
        return EXIT_USAGE
    if isinstance(err, _click.exceptions.UsageError):
        error_line(usage_message(err, argv))
        return EXIT_USAGE
    if isinstance(err, typer.exceptions.Abort):
        typer.echo("videotools: aborted", err=True)
        return EXIT_ERROR
    if isinstance(err, _click.exceptions.ClickException):
        error_line(err.format_message())
        return err.exit_code
    if isinstance(err, VideotoolsError):
        error_line(flagged(err))
        return EXIT_ERROR
    if isinstance(err, MemoryError):
        error_line(f"not enough memory{': ' + str(err) if str(err) else ''} (a frame size or option too large?)")
        return EXIT_ERROR
    if isinstance(err, OSError) and err.errno is not None:
        name = err.filename if err.filename is not None else ""
        error_line(f"{describe(err)}{': ' + os.fspath(name) if name != '' else ''}")
        return EXIT_ERROR
    # a bug: one line, and the traceback where it helps the person who fixes it
    if verbose:
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
        error_line(f"internal error: {type(err).__name__}: {err}")
        return EXIT_ERROR
    log = crash_log(err)
    where = f"; traceback in {log}" if log else ""
    error_line(f"internal error: {type(err).__name__}: {err} (please report it{where}; -v shows it here)")
    return EXIT_ERROR


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn user mistakes and environmental failures into one stderr line and exit 1; Ctrl-C into exit 130."""
    try:
        yield
    except VideotoolsError as err:
        error_line(flagged(err))
        raise typer.Exit(EXIT_ERROR) from None
    except (OSError, MemoryError) as err:
        raise typer.Exit(exit_code_for(err)) from None
    except KeyboardInterrupt:
        typer.echo("videotools: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
