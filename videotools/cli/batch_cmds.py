"""The batch command: many or long videos on Dask distributed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..processors.posterize import FIT_FRAMES
from .app import app
from .failures import user_errors
from .options import CrfOpt, OverwriteOpt, PresetOpt, QuietOpt, choice

JOBS = ("background", "posterize")


@app.command()
def batch(
    ctx: typer.Context,
    inputs: Annotated[str, typer.Argument(help="A folder (searched recursively), a glob in quotes, or one video.",
                                          show_default=False)],
    do: Annotated[str, typer.Option("--do", callback=choice(JOBS, "a batch job"),
                                    help="background or posterize.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Outputs mirror the input names; batch.json reports.")],
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler "
                                                     "(tcp://host:8786). Default: a LocalCluster.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="LocalCluster worker processes "
                                                   "(default: one per core).")] = None,
    alpha: Annotated[list[float] | None, typer.Option("--alpha", "-a", help="background: learning rate, "
                                                         "repeatable (default 0.1 and 0.01).")] = None,
    selective: Annotated[bool, typer.Option("--selective", help="background: selective update.")] = False,
    no_warmup: Annotated[bool, typer.Option("--no-warmup", help="background: textbook update.")] = False,
    chunk_seconds: Annotated[float, typer.Option("--chunk-seconds", min=0, help="posterize: split videos "
                                                 "longer than this into parallel chunks, each at most this long "
                                                 "(0: never).")] = 60.0,
    k: Annotated[int, typer.Option("-k", min=1, max=256, help="posterize: colours.")] = 8,
    palette_from: Annotated[Path | None, typer.Option("--palette-from", help="posterize: a saved palette "
                                                         "or an image to fit one on.")] = None,
    space: Annotated[str, typer.Option("--space", help="posterize: rgb or lab.")] = "rgb",
    fit_frames: Annotated[int, typer.Option("--fit-frames", min=1, help="posterize: frames sampled per input "
                                            "for the shared palette.")] = FIT_FRAMES,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    crf: CrfOpt = 20, preset: PresetOpt = "veryfast", overwrite: OverwriteOpt = False, quiet: QuietOpt = False,
) -> None:
    """Process many videos (or very long ones) in parallel on Dask.

    One task per video; videos to posterize longer than --chunk-seconds are
    split into chunks that run in parallel and are joined without re-encoding
    (a background is one task per video: its plate learns in one pass). Posterize fits one palette on frames from
    all inputs, saves it as OUT_DIR/palette.json before writing any video, and
    a re-run reuses it. Re-running skips inputs whose outputs are complete
    (use --overwrite to redo them); a corrupt input is reported in batch.json,
    the others go on, and the exit code is 1. Relative paths are made
    absolute; with --scheduler, every worker must see them (shared storage).
    With -v, Dask's logs and the dashboard's address (the dashboard needs
    bokeh: the [batch] extra) are shown.

    Examples:

      videotools batch footage/ --do background --out-dir backgrounds/

      videotools batch 'cams/*.mp4' --do posterize -k 6 --out-dir poster/ --workers 4

      videotools batch /data/day.mkv --do background --scheduler tcp://10.0.0.5:8786 --out-dir /data/bg/
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..batch import run_batch
    from ..batch.plan import absolute
    from ..batch.report import summary
    from ..chain import load_palette

    root = ctx.find_root().obj
    root = root if isinstance(root, dict) else {}
    verbose = bool(root.get("verbose"))
    with user_errors():
        pal = load_palette(str(palette_from), k=k, seed=seed, space=space) if palette_from else None
        with Progress(TextColumn(f"batch {do}"), BarColumn(), TextColumn("{task.fields[text]}"),
                      TimeElapsedColumn(), disable=quiet or not sys.stderr.isatty(), transient=True) as prog:
            task = prog.add_task("frames", total=None, text="probing inputs")

            def show(p) -> None:
                eta = f", {p.eta // 60:.0f}:{p.eta % 60:02.0f} left" if p.eta is not None else ""
                prog.update(task, completed=p.frames, total=p.total,
                            text=f"{p.frames}/{p.total or '?'} frames, {p.fps:.0f} fps{eta}; "
                                 f"{p.inputs_done}/{p.inputs} inputs")

            report = run_batch(inputs, out_dir, do=do, alphas=tuple(alpha) if alpha else (0.1, 0.01),
                               warmup=not no_warmup, selective=selective, k=k, palette=pal, seed=seed,
                               space=space, fit_frames=fit_frames, crf=crf, preset=preset,
                               chunk_seconds=chunk_seconds or None, scheduler=scheduler, workers=workers,
                               overwrite=overwrite, verbose=verbose, progress=show,
                               on_connect=(lambda d: typer.echo(d, err=True)) if verbose else None)
        failed = any(it.status not in ("done", "skipped") for it in report)
        if failed or not (quiet or root.get("quiet")):  # -q: nothing on success
            for line in summary(report, absolute(out_dir) / "batch.json"):
                typer.echo(line, err=True)
        if failed:
            raise typer.Exit(1)
