"""The options commands share, their values checked by the settings' own rules (a bad one exits 2),
and :func:`run_options`: the keywords of a :class:`videotools.runs.Run` they stand for."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from ..errors import ParameterError
from ..settings import (
    CAMERA_MODES,
    CRF_MAX,
    MAX_FPS,
    MAX_SIDE,
    PRESETS,
    TIME_FORMS,
    Camera,
    Encoding,
    Input,
    Seek,
    parse_address,
    parse_size,
    parse_time,
)
from .failures import range_text

_click = typer.core._click  # typer's own copy of click


# -- checks every command shares --------------------------------------------------------------
def usage_error(param: Any, value: Any, expected: str) -> _click.exceptions.BadParameter:
    """A command-line error (exit 2) for ``param``: ``bad value for --flag: 'value' (expected ...)``."""
    flag = max(getattr(param, "opts", None) or [param.name], key=len)
    shown = f"{value:g}" if isinstance(value, float) else str(value)  # as typed: 0, not 0.0
    return _click.exceptions.BadParameter(f"{shown!r} (expected {expected})", param=param,
                                          param_hint=flag)


def check_params(ctx: Any) -> None:
    """Checks of parsed values that typer's types do not make: finite numbers, ``--end`` after ``--start`` (by
    :class:`~videotools.settings.Seek`'s rule).

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
                raise usage_error(param, v, "a finite number" + range_text(param))
    start, end = ctx.params.get("start"), ctx.params.get("end")
    try:
        Seek(start, end)
    except ParameterError:
        param = next(p for p in ctx.command.params if p.name == "end")
        raise usage_error(param, end, f"a time after --start {start:g}") from None


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


def _setting(make: Callable[[Any], object], expected: str) -> Callable[[Any, Any, Any], Any]:
    """An option callback that lets a value through when ``make(value)`` (a setting) accepts it."""

    def ok(value: Any) -> bool:
        try:
            make(value)
        except ParameterError:
            return False
        return True
    return _callback(ok, expected)


def _is_host_port(value: str) -> bool:
    """The library's rule (``settings.parse_address``), and a port the user names: not 0, not ``[]:``."""
    try:
        _, port = parse_address(value)
    except ParameterError:
        return False
    host = value.rpartition(":")[0]
    return port >= 1 and not (host and not host.strip("[]"))


_serve = _callback(_is_host_port, "[HOST:]PORT with PORT in 1..65535, e.g. 8080 or 0.0.0.0:8080")


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
MaxOpt = Annotated[int | None, typer.Option("--max-frames", min=1, help="Stop after N frames.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", "-y", help="Replace existing outputs.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, nothing but errors.")]
def _time(text: str) -> float:
    """A time option's text in seconds (``settings.parse_time``), else a usage error naming the forms it takes."""
    try:
        return parse_time(text)
    except ParameterError:
        raise _click.exceptions.BadParameter(f"{text!r} (expected {TIME_FORMS})") from None


StartOpt = Annotated[float | None, typer.Option(
    "--start", parser=_time, callback=_setting(lambda v: Seek(start=v), f"a time >= 0: {TIME_FORMS}"),
    help="Start at this time: seconds (90) or [[HH:]MM:]SS[.frac] (1:30) (files, streams).")]
EndOpt = Annotated[float | None, typer.Option(
    "--end", parser=_time, callback=_setting(lambda v: Seek(end=v), f"a time > 0: {TIME_FORMS}"),
    help="Stop at this time: seconds (90) or [[HH:]MM:]SS[.frac] (1:30) (files, streams).")]
CrfOpt = Annotated[int, typer.Option("--crf", callback=_setting(lambda v: Encoding(crf=v),
                                                                f"a whole number in 0..{CRF_MAX}"),
                                     help=f"H.264 quality: 0 lossless .. {CRF_MAX} worst.")]
PresetOpt = Annotated[str, typer.Option("--preset", callback=_setting(lambda v: Encoding(preset=v),
                                                                      f"an x264 preset: {', '.join(PRESETS)}"),
                                        help="x264 preset: ultrafast .. veryslow.")]
CamSizeOpt = Annotated[str | None, typer.Option(
    "--camera-size", callback=_setting(lambda v: Camera(size=parse_size(v)),
                                       f"WIDTHxHEIGHT, e.g. 1280x720, each 1..{MAX_SIDE}"),
    help="Camera capture size, e.g. 1280x720.")]
CamFpsOpt = Annotated[float | None, typer.Option("--camera-fps", callback=_setting(lambda v: Camera(fps=v),
                                                                                   f"a number in (0, {MAX_FPS:g}]"),
                                                 help="Camera capture rate.")]
CamModeOpt = Annotated[str | None, typer.Option(
    "--camera-mode", callback=_setting(lambda v: Camera(mode=v), f"a camera mode: {' or '.join(CAMERA_MODES)}"),
    help="latest (newest frame only, for live) or every (each frame, for recording). "
         "Default: every when only recording, else latest.")]
LostAfterOpt = Annotated[float | None, typer.Option(
    "--lost-after", callback=_setting(lambda v: Input(lost_after=v), "a number of seconds > 0"),
    help="Seconds a camera or live stream may stay silent (it is reopened meanwhile) before the run ends, "
         "its outputs finalized. Default: 2 for cameras, 20 for streams.", show_default=False)]
DeinterlaceOpt = Annotated[bool, typer.Option("--deinterlace", help="Rebuild interlaced frames from their two "
                                                                    "fields (FFmpeg's bwdif; files and streams).")]
FastOpt = Annotated[bool, typer.Option("--fast", help="With --display/--serve: show a file as fast as it "
                                                     "is processed, not at its own frame rate.")]
LoopOpt = Annotated[bool, typer.Option("--loop", help="Play a file (or synthetic scene) again and again, until "
                                                     "q or Ctrl-C.")]
NoAudioOpt = Annotated[bool, typer.Option("--no-audio", help="Do not copy the source's soundtrack into "
                                                              "video outputs (it is by default, as AAC).")]
ChainOpt = Annotated[str, typer.Option("--chain", "-c", help="Processors, e.g. 'resize:width=640 | "
                                                               "posterize:k=6'. See 'videotools chains'.")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="Seed of the fit (same seed, same result).")]


def run_options(*, out: list[str] | None = None, display: bool = False, serve: str | None = None,
                max_frames: int | None = None, overwrite: bool = False, quiet: bool = False,
                start: float | None = None, end: float | None = None, crf: int = 20, preset: str = "veryfast",
                audio: bool = True, camera_size: str | None = None, camera_fps: float | None = None,
                camera_mode: str | None = None, fast: bool = False, loop: bool = False,
                lost_after: float | None = None, deinterlace: bool = False, **fields: Any) -> dict[str, Any]:
    """The keywords of a :class:`~videotools.runs.Run` the shared flags stand for (``fields`` pass as they are).

    Raises
    ------
    ParameterError
        From the settings, naming the parameter.
    """
    from ..settings import Playback

    return dict(out=out or [], display=display, serve=serve, max_frames=max_frames, overwrite=overwrite,
                progress=not quiet and sys.stderr.isatty(), seek=Seek(start, end),
                encoding=Encoding(crf, preset, audio),
                camera=Camera(camera_mode, parse_size(camera_size), camera_fps),
                playback=Playback(fast=fast, loop=loop), reading=Input(lost_after=lost_after, deinterlace=deinterlace),
                **fields)
