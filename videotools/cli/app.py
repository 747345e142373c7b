"""The typer app: the command group, its global options, and how a command is invoked.

Failures and exit codes live in :mod:`.failures`, log lines in :mod:`.logs`,
shared options and the checks of their values in :mod:`.options`, what a
command says after its run in :mod:`.summary`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, cast

import typer
from typer.core import TyperGroup

from ..startup import EXIT_INTERRUPTED, wants_verbose
from .failures import EXIT_ERROR, error_line, exit_code_for
from .helptext import format_commands, ordered, plain_metavars
from .logs import configure_output, logging_restored
from .options import check_params

_click = typer.core._click  # typer's own copy of click: its exceptions are the ones raised here


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

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        plain_metavars(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return ordered(list(self.commands))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        cmds = [(n, c) for n in self.list_commands(ctx) if (c := self.commands.get(n)) and not c.hidden]
        format_commands(cmds, formatter)

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
        with logging_restored():
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
        if code == EXIT_INTERRUPTED:  # outputs are finalized; a Ctrl-C that landed in an import must not turn
            sys.stdout.flush()        # Python's own shutdown into a death by SIGINT (exit -2)
            sys.stderr.flush()
            os._exit(code)
        sys.exit(code)


app = typer.Typer(
    name="videotools", cls=VideotoolsGroup,
    help="Real-time video processing: sources -> processor chains -> windows, files and browsers.\n\n"
         "Sources: a video file, a camera (0, camera:0, /dev/video0), rtsp:// or http(s):// streams, "
         "an image, a folder or glob of images, or synthetic:traffic?size=640x360&seconds=10.\n\n"
         "-v/--verbose anywhere on the line shows FFmpeg, OpenCV, Qt and Dask logs and full tracebacks. "
         "Exit codes: 0 done, 1 error (one line on stderr), 2 malformed command line, 130 Ctrl-C.",
    no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None,
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
