"""The watch command: many cameras at once, each with its plate, statistics and segmented recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..startup import EXIT_INTERRUPTED
from .app import app
from .failures import EXIT_ERROR, error_line, user_errors
from .options import PresetOpt, QuietOpt, ServeOpt, usage_error


def _limit(key: str) -> Any:
    """A callback checking a camera option by :data:`videotools.watch.config.LIMITS` (exit 2 naming the flag)."""
    from ..watch.config import LIMITS

    limit = LIMITS[key]

    def check(ctx: Any, param: Any, value: Any) -> Any:
        if value is None or ctx.resilient_parsing or limit.allows(value):
            return value
        raise usage_error(param, value, limit.expected)
    return check


def _out_dir(ctx: Any, param: Any, value: Path) -> Path:
    """--out-dir as :func:`videotools.watch.check_out_dir` accepts it (its parent must exist), else exit 2."""
    from ..errors import ParameterError
    from ..watch import check_out_dir

    if value is None or ctx.resilient_parsing:
        return value
    try:
        check_out_dir(value)
    except ParameterError:
        parent = value.absolute().parent
        raise usage_error(param, str(value), f"a folder whose parent exists: {parent} does not; create it "
                          "first or check the path") from None
    return value


@app.command()
def watch(
    sources: Annotated[list[str] | None, typer.Argument(help="Camera sources: stream URLs (rtsp://, udp://...), "
                                                            "files, synthetic:traffic?...", show_default=False)]
    = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", callback=_out_dir, help="Each camera writes under "
                                          "OUT_DIR/NAME/ (OUT_DIR is created if its parent exists).")] = Path("."),
    config: Annotated[Path | None, typer.Option("--config", help="JSON (or TOML on Python 3.11+) file listing "
                                                   "cameras, each with a name, a source and its own options.")]
    = None,
    serve: ServeOpt = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Run each camera as a task on the workers "
                                                     "of this Dask scheduler (tcp://host:8786); OUT_DIR must be "
                                                     "storage every worker sees.")] = None,
    chain: Annotated[str | None, typer.Option("--chain", help="Chain run on the detection copy "
                                                 "(default: background:model=plate).")] = None,
    detect_width: Annotated[int | None, typer.Option(
        "--detect-width", callback=_limit("detect_width"),
        help="Width the chain sees, 16-16384 (default 320; 0: full size).")] = None,
    detect_fps: Annotated[float | None, typer.Option(
        "--detect-fps", callback=_limit("detect_fps"),
        help="Frames a second the chain sees, up to 1000 (default 5; 0: every frame).")] = None,
    record: Annotated[str | None, typer.Option("--record", help="auto (default), copy (packets, no "
                                                  "re-encoding), encode (H.264) or off.")] = None,
    segment_seconds: Annotated[float | None, typer.Option(
        "--segment-seconds", callback=_limit("segment_seconds"),
        help="Length of each recording segment, 1-86400 (default 300).")] = None,
    keep_hours: Annotated[float | None, typer.Option(
        "--keep-hours", callback=_limit("keep_hours"),
        help="Delete segments older than this, > 0 (default 24).")] = None,
    keep_gb: Annotated[float | None, typer.Option(
        "--keep-gb", callback=_limit("keep_gb"),
        help="Delete the oldest segments while a camera's recordings exceed this, > 0.")] = None,
    plate_seconds: Annotated[float | None, typer.Option(
        "--plate-seconds", callback=_limit("plate_seconds"),
        help="How often plate.png is rewritten, 0.1-86400 (default 10).")] = None,
    speed: Annotated[float | None, typer.Option(
        "--speed", callback=_limit("speed"),
        help="Files and synthetic scenes play at their own rate times this, 0.01-1000 (default 1).")] = None,
    lost_after: Annotated[float | None, typer.Option(
        "--lost-after", callback=_limit("lost_after"),
        help="Seconds without a frame before a camera counts as down, 0.5-3600 (default 10).")] = None,
    crf: Annotated[int | None, typer.Option(
        "--crf", callback=_limit("crf"), help="H.264 quality for --record encode, 0-51 (default 23).")] = None,
    preset: PresetOpt = "veryfast",
    quiet: QuietOpt = False,
) -> None:
    """Watch many cameras: per camera a clean plate, foreground statistics and recordings.

    Every camera runs its own chain on a scaled-down copy of its frames at a
    low rate, and writes OUT_DIR/NAME/plate.png and latest.jpg (replaced
    atomically), stats-YYYYMMDD.csv, status.json and rec/YYYYMMDD-HHMMSS.mp4
    segments (UTC start times), the oldest removed beyond --keep-hours and
    --keep-gb. A stream that stops or never answers is shown as down and
    retried (1, 2, 4 ... 60 s); a file that is missing, not a video or fails
    is failed for good; the others go on. Ctrl-C or SIGTERM finishes every
    segment and plate. When every camera has ended or failed, the command
    exits: 0, or 1 if any failed (a line each on stderr). Options set every
    camera's defaults; a config file's own defaults and each camera's
    entries come first.

    Examples:

      videotools watch rtsp://10.0.0.7/sub rtsp://10.0.0.8/sub --out-dir /data/cams --serve 8080

      videotools watch --config cameras.json --out-dir /mnt/shared/cams --scheduler tcp://10.0.0.5:8786
    """
    from ..watch import watch as run_watch

    given = {"chain": chain, "detect_width": detect_width, "detect_fps": detect_fps, "record": record,
             "segment_seconds": segment_seconds, "keep_hours": keep_hours, "keep_gb": keep_gb,
             "plate_seconds": plate_seconds, "speed": speed, "lost_after": lost_after, "crf": crf}
    options: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if preset != "veryfast":
        options["preset"] = preset
    with user_errors():
        result = run_watch(sources or [], out_dir=out_dir, config=config, serve=serve, scheduler=scheduler,
                           on_serve=lambda url: typer.echo(f"videotools: watch page at {url}", err=True),
                           **options)
    if not quiet:
        for cam in result.cameras:
            typer.echo(f"{cam['name']}: {cam['state']}, {cam.get('frames', 0)} frames, "
                       f"{cam.get('segments', 0)} segments, {cam.get('restarts', 0)} restarts", err=True)
    for cam in result.failed:
        error_line(f"camera {cam['name']!r} ({cam.get('source')}) failed: {cam.get('error')}")
    if result.stopped_by == "SIGINT":
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.failed:
        raise typer.Exit(EXIT_ERROR)
