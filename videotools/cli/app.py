"""The typer app, the options shared by commands, and how every failure becomes one line.

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

``-v/--verbose`` (anywhere on the line) also shows third-party logs (FFmpeg,
OpenCV, Qt, Dask) and Python warnings; ``-q/--quiet`` shows nothing but errors.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from typer.core import TyperGroup

from ..errors import ParameterError, VideotoolsError
from ..startup import EXIT_INTERRUPTED, crash_log, wants_verbose

EXIT_ERROR = 1
EXIT_USAGE = 2
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
CAMERA_MODES = ("latest", "every")
MAX_SIDE = 16384  # widest frame any option accepts (H.264 level 6.2 tops out at 8192; cameras far below)

_click = typer.core._click  # typer's own copy of click: its exceptions are the ones raised here
_log = logging.getLogger("videotools")


def _one_line(text: str) -> str:
    """``text`` on one line: newlines and control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


# library errors name parameters, the command line names its flags
_FLAGS = [(re.compile(p), flag) for p, flag in (
    (r"^start/end\b", "--start/--end"), (r"^start\b", "--start"), (r"^end\b", "--end"), (r"^crf\b", "--crf"),
    (r"^preset\b", "--preset"), (r"^camera mode\b", "--camera-mode"), (r"^camera size\b", "--camera-size"),
    (r"^camera fps\b", "--camera-fps"), (r"^max_frames\b", "--max-frames"), (r"^fit_frames\b", "--fit-frames"),
    (r"^refit\b", "--refit"), (r"^space\b", "--space"), (r"^seed\b", "--seed"), (r"^palette_out\b", "--palette-out"),
)]


def flagged(message: str) -> str:
    """``message`` with a leading library parameter name (``start``, ``crf``) turned into its flag."""
    for pattern, flag in _FLAGS:
        if pattern.match(message):
            return pattern.sub(flag, message, count=1)
    return message


def error_line(message: str) -> None:
    """Print ``videotools: error: MESSAGE`` as one line on stderr."""
    typer.echo(f"videotools: error: {_one_line(message)}", err=True)


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


def _range(param: Any) -> str:
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
        return "a finite number" + _range(param)
    if kind in ("bool_parsing", "path_type"):
        return _EXPECTED[kind] + _range(param)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than") or kind in _EXPECTED:
        return _kind(param) + _range(param)
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


def _value_options(group: Any) -> set[str]:
    """Option names (of every command) that take a value, so ``--out -v`` keeps ``-v`` as a value."""
    names: set[str] = set()
    for cmd in [group, *getattr(group, "commands", {}).values()]:
        for p in getattr(cmd, "params", []):
            if getattr(p, "param_type_name", "") == "option" and not getattr(p, "is_flag", False):
                names.update(p.opts)
    return names


def _strip_verbose(argv: list[str], value_options: set[str]) -> list[str]:
    out: list[str] = []
    prev = ""
    for i, a in enumerate(argv):
        if a == "--":
            return out + argv[i:]
        if a in ("-v", "--verbose") and prev not in value_options:
            prev = a
            continue
        out.append(a)
        prev = a
    return out


class _Formatter(logging.Formatter):
    """``videotools: ...`` (``videotools: error: ...`` for errors), one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower() if record.levelno >= logging.ERROR else ""
        text = _one_line(record.getMessage())
        if record.exc_info and record.levelno >= logging.ERROR and _log.isEnabledFor(logging.DEBUG):
            text += "\n" + self.formatException(record.exc_info)
        return f"videotools: {level + ': ' if level else ''}{text}"


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: set[str] = set()  # messages already shown, so a run's summary does not repeat them

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.said.add(_one_line(record.getMessage()))
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - a log line must never end a run
            pass


THIRD_PARTY = ("distributed", "imageio_ffmpeg", "imageio", "libav", "av", "PIL", "asyncio", "bokeh", "tornado")


def configure_output(*, verbose: bool = False, quiet: bool = False) -> None:
    """Log levels for a command: warnings and errors by default, only errors with ``quiet``, all with ``verbose``.

    Third-party loggers (Dask, FFmpeg through PyAV or imageio, PIL...) are held
    at ERROR unless ``verbose``; Python warnings are hidden unless ``verbose``.
    :meth:`VideotoolsGroup.main` restores the previous settings when the command ends.
    """
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Formatter())
        root.addHandler(handler)
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    root.setLevel(logging.INFO if verbose else logging.ERROR)
    _log.setLevel(level)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)
    warnings.simplefilter("default" if verbose else "ignore")


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
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
        error_line(flagged(str(err)))
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


class _CommandContext(typer.Context):
    """Runs a command's callback after the checks every command shares."""

    def invoke(self, callback: Any, /, *args: Any, **kwargs: Any) -> Any:
        if callback is not None and callback is getattr(self.command, "callback", None):
            check_params(self)
            obj = self.find_root().obj if isinstance(self.find_root().obj, dict) else {}
            configure_output(verbose=bool(obj.get("verbose")),
                             quiet=bool(self.params.get("quiet") or obj.get("quiet")))
            try:
                return super().invoke(cast(Callable[..., Any], callback), *args, **kwargs)
            except KeyboardInterrupt:
                typer.echo("videotools: interrupted", err=True)
                raise typer.Exit(EXIT_INTERRUPTED) from None
        return super().invoke(cast(Callable[..., Any], callback), *args, **kwargs)


class VideotoolsGroup(TyperGroup):
    """The command group: every failure ends in one stderr line and a documented exit code."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None:
            cmd.context_class = _CommandContext
        return name, cmd, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("videotools: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    def _take_quiet(self, argv: list[str]) -> tuple[list[str], bool]:
        """``-q``/``--quiet`` after a command that has no such option of its own is the global one."""
        name = next((a for a in argv if not a.startswith("-")), None)
        cmd = self.commands.get(name) if name else None
        if cmd is None or any(p.name == "quiet" for p in cmd.params):
            return argv, False
        i = argv.index(name) + 1 if name else 0
        values = _value_options(self)
        rest, quiet, prev = [], False, ""
        for j, a in enumerate(argv[i:]):
            if a == "--":
                rest += argv[i + j:]
                break
            if a in ("-q", "--quiet") and prev not in values:
                quiet = True
            else:
                rest.append(a)
            prev = a
        return argv[:i] + rest, quiet

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        verbose = wants_verbose(argv)
        argv = _strip_verbose(argv, _value_options(self))
        argv, quiet = self._take_quiet(argv)
        obj = extra.pop("obj", None)
        obj = obj if isinstance(obj, dict) else {}
        obj["verbose"] = verbose or bool(obj.get("verbose"))
        obj["quiet"] = quiet or bool(obj.get("quiet"))
        with _logging_restored():
            try:
                rv = super().main(args=argv, prog_name=prog_name or "videotools", complete_var=complete_var,
                                  standalone_mode=False, obj=obj, **extra)
                code = rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
                code = code or int(obj.get("exit_code", 0))
            except BaseException as err:  # noqa: BLE001 - every failure is reported in one line here
                try:
                    code = exit_code_for(err, argv=argv, verbose=verbose)
                except Exception:  # noqa: BLE001 - formatting the message failed: still one line
                    error_line(f"{type(err).__name__}: {err}")
                    code = EXIT_ERROR
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    name="videotools", cls=VideotoolsGroup,
    help="Real-time video processing: sources -> processor chains -> windows, files and browsers.\n\n"
         "Sources: a video file, a camera (0, camera:0, /dev/video0), rtsp:// or http(s):// streams, "
         "an image, a folder or glob of images, or synthetic:traffic?size=640x360&seconds=10.\n\n"
         "-v/--verbose anywhere on the line shows FFmpeg, OpenCV, Qt and Dask logs and full tracebacks. "
         "Exit codes: 0 done, 1 error (one line on stderr), 2 malformed command line, 130 Ctrl-C.",
    no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"videotools {__version__}")
        raise typer.Exit()


@app.callback()
def _main(ctx: typer.Context,
          version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False,
          verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show third-party logs (FFmpeg, OpenCV, "
                                                "Qt, Dask) and tracebacks; accepted anywhere on the line.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show nothing but errors.")] = False) -> None:
    """Real-time video processing: sources -> processor chains -> windows, files and browsers."""
    if isinstance(ctx.obj, dict):
        ctx.obj["quiet"] = quiet or bool(ctx.obj.get("quiet"))
        ctx.obj["verbose"] = verbose or bool(ctx.obj.get("verbose"))


# -- checks every command shares --------------------------------------------------------------
def usage_error(param: Any, value: Any, expected: str) -> _click.exceptions.BadParameter:
    """A command-line error (exit 2) for ``param``: ``bad value for --flag: 'value' (expected ...)``."""
    flag = max(getattr(param, "opts", None) or [param.name], key=len)
    return _click.exceptions.BadParameter(f"{str(value)!r} (expected {expected})", param=param,
                                          param_hint=flag)


def check_params(ctx: Any) -> None:
    """Checks of parsed values that typer's types do not make: finite numbers, ``--end`` after ``--start``.

    Raises
    ------
    click.BadParameter
        A usage error (exit 2), naming the option and its value.
    """
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise usage_error(param, v, "a finite number" + _range(param))
    start, end = ctx.params.get("start"), ctx.params.get("end")
    if start is not None and end is not None and end <= start:
        param = next(p for p in ctx.command.params if p.name == "end")
        raise usage_error(param, end, f"a time after --start {start:g}")


def _callback(ok: Callable[[Any], bool], expected: str) -> Callable[[Any, Any, Any], Any]:
    """An option callback that lets ``None`` and values ``ok`` accepts through, else a usage error (exit 2)."""

    def check(ctx: Any, param: Any, value: Any) -> Any:
        if value is None or ctx.resilient_parsing:
            return value
        if not ok(value):
            raise usage_error(param, value, expected)
        return value
    return check


def choice(options: Sequence[str], what: str) -> Callable[[Any, Any, Any], Any]:
    """An option callback accepting only ``options`` (a usage error naming them otherwise)."""
    listed = " or ".join(options) if len(options) < 3 else ", ".join(options)
    return _callback(lambda v: v in options, f"{what}: {listed}")


def number(lo: float, hi: float) -> Callable[[Any, Any, Any], Any]:
    """An option callback accepting finite numbers in ``lo..hi`` (a usage error otherwise)."""
    return _callback(lambda v: math.isfinite(v) and lo <= v <= hi, f"a finite number in {lo:g}..{hi:g}")


def _is_size(value: str) -> bool:
    try:
        parse_size(value, "--camera-size")
    except ParameterError:
        return False
    return True


def _is_host_port(value: str) -> bool:
    host, _, port = value.rpartition(":")
    return port.isdigit() and 1 <= int(port) <= 65535 and not (host and not host.strip("[]"))


_size = _callback(_is_size, f"WIDTHxHEIGHT, e.g. 1280x720, each 1..{MAX_SIDE}")
_serve = _callback(_is_host_port, "[HOST:]PORT with PORT in 1..65535, e.g. 8080 or 0.0.0.0:8080")
_positive = _callback(lambda v: math.isfinite(v) and 0 < v <= 1000, "a number in (0, 1000]")


# -- shared options ----------------------------------------------------------------------
SourceArg = Annotated[str, typer.Argument(help="Video file, camera (0, /dev/video0), stream URL, image, "
                                               "folder/glob of images, or synthetic:traffic?...",
                                          show_default=False)]
OutOpt = Annotated[list[str] | None, typer.Option(
    "--out", "-o", help="Write here: video (.mp4 .mkv .mov .avi), image sequence (frames/%05d.png, its "
                        "folders are created) or one image (out.png: the last frame). Repeat for several.")]
DisplayOpt = Annotated[bool, typer.Option("--display", "-d",
                                          help="Show a window (q/Esc quits, space pauses, ? lists keys).")]
ServeOpt = Annotated[str | None, typer.Option("--serve", callback=_serve, help="MJPEG preview for a browser at "
                                              "[HOST:]PORT (host defaults to 127.0.0.1).")]
MaxOpt = Annotated[int | None, typer.Option("--max-frames", "-n", min=1, help="Stop after N frames.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", "-y", help="Replace existing outputs.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, nothing but errors.")]
StartOpt = Annotated[float | None, typer.Option("--start", min=0, help="Start at this second (files, streams).")]
EndOpt = Annotated[float | None, typer.Option("--end", min=0, help="Stop at this second (files, streams).")]
CrfOpt = Annotated[int, typer.Option("--crf", min=0, max=51, help="H.264 quality: 0 lossless .. 51 worst.")]
PresetOpt = Annotated[str, typer.Option("--preset", callback=choice(PRESETS, "an x264 preset"),
                                        help="x264 preset: ultrafast .. veryslow.")]
CamSizeOpt = Annotated[str | None, typer.Option("--camera-size", callback=_size,
                                                help="Camera capture size, e.g. 1280x720.")]
CamFpsOpt = Annotated[float | None, typer.Option("--camera-fps", callback=_positive, help="Camera capture rate.")]
CamModeOpt = Annotated[str | None, typer.Option(
    "--camera-mode", callback=choice(CAMERA_MODES, "a camera mode"),
    help="latest (newest frame only, for live) or every (each frame, for recording). "
         "Default: every when only recording, else latest.")]
FastOpt = Annotated[bool, typer.Option("--fast", help="With --display/--serve: show a file as fast as it "
                                                     "is processed, not at its own frame rate.")]
LoopOpt = Annotated[bool, typer.Option("--loop", help="Play a file (or synthetic scene) again and again, until "
                                                     "q or Ctrl-C.")]
NoAudioOpt = Annotated[bool, typer.Option("--no-audio", help="Do not copy the source's soundtrack into "
                                                              "video outputs (it is by default, as AAC).")]
ChainOpt = Annotated[str, typer.Option("--chain", "-c", help="Processors, e.g. 'resize:width=640 | "
                                                               "posterize:k=6'. See 'videotools chains'.")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the fit (same seed, same result).")]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn user mistakes and environmental failures into one stderr line and exit 1; Ctrl-C into exit 130."""
    try:
        yield
    except VideotoolsError as err:
        error_line(flagged(str(err)))
        raise typer.Exit(EXIT_ERROR) from None
    except (OSError, MemoryError) as err:
        raise typer.Exit(exit_code_for(err)) from None
    except KeyboardInterrupt:
        typer.echo("videotools: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def parse_size(value: str | None, option: str) -> tuple[int, int] | None:
    """``"1280x720"`` -> ``(1280, 720)``; None for an empty value.

    Raises
    ------
    ParameterError
        Naming ``option`` and the value, unless it is WIDTHxHEIGHT with both in 1..16384.
    """
    if not value:
        return None
    try:
        w, h = (int(v) for v in value.lower().split("x"))
        if 0 < w <= MAX_SIDE and 0 < h <= MAX_SIDE:
            return w, h
    except ValueError:
        pass
    raise ParameterError(f"{option} takes WIDTHxHEIGHT, each 1..{MAX_SIDE}, e.g. 1280x720, got {value!r}")


def _written(path: str) -> bool:
    """Whether an output exists (for a sequence: its first frame)."""
    if "%" in path:
        try:
            return os.path.exists(path % 0)
        except (TypeError, ValueError):
            return False
    return os.path.isfile(path)


def report(stats, outs: list[str] | None = None, quiet: bool = False) -> None:
    """One summary line, and "wrote X" for each output that exists, on stderr."""
    said = set().union(*(h.said for h in logging.getLogger().handlers if isinstance(h, _StderrHandler)))
    if stats.warning and not quiet and _one_line(stats.warning) not in said:
        typer.echo(f"videotools: warning: {_one_line(stats.warning)}", err=True)
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


def _run_common(source, processors, *, out, display, serve, max_frames, overwrite, quiet, start, end,
                crf, preset, camera_size, camera_fps, camera_mode, title="videotools", on_frame=None,
                keys=None, record_dir=".", audio=True, playback=None, also: Sequence[str | os.PathLike] = (),
                run: Callable[..., Any] | None = None):
    """Check every output of the run together (``out`` and ``also``), run it, report it.

    ``also`` names files the command writes itself after the run (background
    PNGs, a palette), so that they are checked with the others, before any work.
    ``run`` is the API function that does the work, called as
    :func:`videotools.process` is (the default): ``run(source, processors, out=..., seek=..., ...)``;
    a command binds its own options to it (``functools.partial(videotools.posterize, k=8)``).

    Raises
    ------
    VideotoolsError
        A bad output (before any work), or a run that read no frame while outputs were asked for.

    A run stopped by Ctrl-C (its outputs finalized) makes the command exit 130
    once it has finished its own work (:func:`exit_later`).
    """
    import videotools

    from ..outputs import check_outputs
    from ..settings import Camera, Encoding, Playback, Seek

    check_outputs(out or [], overwrite=overwrite, source=source, also=also)
    stats = (run or videotools.process)(
        source, processors, out=out, display=display, serve=serve, max_frames=max_frames, overwrite=overwrite,
        progress=not quiet and sys.stderr.isatty(), seek=Seek(start, end), encoding=Encoding(crf, preset, audio),
        camera=Camera(camera_mode, parse_size(camera_size, "--camera-size"), camera_fps),
        playback=playback or Playback(), title=title, on_frame=on_frame, keys=keys, record_dir=record_dir)
    written = stats.extra.get("outputs") if isinstance(stats.extra, dict) else None
    if stats.frames == 0 and out and not written:
        why = f" ({_one_line(stats.warning)})" if stats.warning else ""
        where = f" from --start {start:g}" if start else ""
        raise ParameterError(f"no frames read from {source}{where}{why}; nothing written to {', '.join(out)}")
    report(stats, out if written is None else list(written), quiet)
    if stats.stopped_by == "SIGINT":  # outputs finalized; the command finishes its work, then exits 130
        exit_later(EXIT_INTERRUPTED)
    if not (out or display or serve or on_frame or quiet or also):
        typer.echo("videotools: note: no --out, --display or --serve was given, so nothing was written", err=True)
    return stats


def exit_later(code: int) -> None:
    """Make the command exit with ``code`` once it has finished (a run stopped by Ctrl-C: 130)."""
    ctx = _click.globals.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, dict):
        root.obj.setdefault("exit_code", code)


def sample_path() -> Path | None:
    """The bundled sample clip, from a source checkout or the current folder."""
    for base in (Path(__file__).resolve().parents[2], Path.cwd()):
        p = base / "samples" / "traffic.mp4"
        if p.is_file():
            return p
    return None


SAMPLE_SPEC = "synthetic:traffic?size=640x360&seconds=10&seed=7&noise=1.5"
