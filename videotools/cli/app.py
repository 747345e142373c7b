"""The typer app, the options shared by commands, and the user-error handling.

Every command parses options, calls one API function, and turns a
``VideotoolsError`` (a user's mistake) into one line on stderr and exit code 1.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError, VideotoolsError

app = typer.Typer(
    name="videotools",
    help="Real-time video processing: sources -> processor chains -> windows, files and browsers.\n\n"
         "Sources: a video file, a camera (0, camera:0, /dev/video0), rtsp:// or http(s):// streams, "
         "an image, a folder or glob of images, or synthetic:traffic?size=640x360&seconds=10.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"videotools {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Real-time video processing: sources -> processor chains -> windows, files and browsers."""


# -- shared options ----------------------------------------------------------------------
SourceArg = Annotated[str, typer.Argument(help="Video file, camera (0, /dev/video0), stream URL, image, "
                                               "folder/glob of images, or synthetic:traffic?...",
                                          show_default=False)]
OutOpt = Annotated[list[str] | None, typer.Option(
    "--out", "-o", help="Write here: video (.mp4 .mkv .mov .avi), image sequence (frames/%05d.png) or "
                        "one image (out.png: the last frame). Repeat for several.")]
DisplayOpt = Annotated[bool, typer.Option("--display", "-d", help="Show a window (q/Esc quits, space pauses, ? lists keys).")]
ServeOpt = Annotated[str | None, typer.Option("--serve", help="MJPEG preview for a browser at [HOST:]PORT "
                                                                   "(host defaults to 127.0.0.1).")]
MaxOpt = Annotated[int | None, typer.Option("--max-frames", "-n", min=1, help="Stop after N frames.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", "-y", help="Replace existing outputs.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
StartOpt = Annotated[float | None, typer.Option("--start", min=0, help="Start at this second (files, streams).")]
EndOpt = Annotated[float | None, typer.Option("--end", min=0, help="Stop at this second (files, streams).")]
CrfOpt = Annotated[int, typer.Option("--crf", min=0, max=51, help="H.264 quality: 0 lossless .. 51 worst.")]
PresetOpt = Annotated[str, typer.Option("--preset", help="x264 preset: ultrafast .. veryslow.")]
CamSizeOpt = Annotated[str | None, typer.Option("--camera-size", help="Camera capture size, e.g. 1280x720.")]
CamFpsOpt = Annotated[float | None, typer.Option("--camera-fps", help="Camera capture rate.")]
CamModeOpt = Annotated[str | None, typer.Option(
    "--camera-mode", help="latest (newest frame only, for live) or every (each frame, for recording). "
                          "Default: every when only recording, else latest.")]
NoAudioOpt = Annotated[bool, typer.Option("--no-audio", help="Do not copy the source's soundtrack into "
                                                              "video outputs (it is by default, as AAC).")]
ChainOpt = Annotated[str, typer.Option("--chain", "-c", help="Processors, e.g. 'resize:width=640 | "
                                                               "posterize:k=6'. See 'videotools chains'.")]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn user mistakes into one stderr line and exit 1; Ctrl-C outside a run into exit 130."""
    try:
        yield
    except VideotoolsError as err:
        typer.echo(f"videotools: error: {err}", err=True)
        raise typer.Exit(1) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as err:
        typer.echo(f"videotools: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("videotools: interrupted", err=True)
        raise typer.Exit(130) from None


def parse_size(value: str | None, option: str) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        w, h = (int(v) for v in value.lower().split("x"))
        if w > 0 and h > 0:
            return w, h
    except ValueError:
        pass
    raise ParameterError(f"{option} takes WIDTHxHEIGHT, e.g. 1280x720, got {value!r}")


def report(stats, outs: list[str] | None = None, quiet: bool = False) -> None:
    """One summary line (and where outputs went) on stderr."""
    if stats.warning:
        typer.echo(f"videotools: warning: {stats.warning}", err=True)
    if quiet:
        return
    line = f"{stats.frames} frames in {stats.seconds:.1f} s ({stats.fps:.1f} fps)"
    if stats.dropped:
        line += f", {stats.dropped} camera frames dropped (latest-frame mode)"
    if stats.stopped_by not in ("end of source",):
        line += f"; stopped: {stats.stopped_by}"
    typer.echo(line, err=True)
    for o in outs or []:
        typer.echo(f"wrote {o}", err=True)


def _run_common(source, processors, *, out, display, serve, max_frames, overwrite, quiet, start, end,
                crf, preset, camera_size, camera_fps, camera_mode, title="videotools", on_frame=None,
                keys=None, record_dir=".", audio=True):
    from ..pipeline import process

    stats = process(source, processors, out=out, display=display, serve=serve, max_frames=max_frames,
                    overwrite=overwrite, progress=not quiet and sys.stderr.isatty(), start=start, end=end,
                    crf=crf, preset=preset, camera_mode=camera_mode,
                    camera_size=parse_size(camera_size, "--camera-size"), camera_fps=camera_fps,
                    title=title, on_frame=on_frame, keys=keys, record_dir=record_dir, audio=audio)
    report(stats, out, quiet)
    if not (out or display or serve or on_frame or quiet):
        typer.echo("videotools: note: no --out, --display or --serve was given, so nothing was written", err=True)
    return stats


def sample_path() -> Path | None:
    """The bundled sample clip, from a source checkout or the current folder."""
    for base in (Path(__file__).resolve().parents[2], Path.cwd()):
        p = base / "samples" / "traffic.mp4"
        if p.is_file():
            return p
    return None


SAMPLE_SPEC = "synthetic:traffic?size=640x360&seconds=10&seed=7&noise=1.5"

