"""The batch command: many or long videos on Dask distributed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import CrfOpt, OverwriteOpt, PresetOpt, QuietOpt, app, user_errors


@app.command()
def batch(
    inputs: Annotated[str, typer.Argument(help="A folder (searched recursively), a glob in quotes, or one video.",
                                          show_default=False)],
    do: Annotated[str, typer.Option("--do", help="background or posterize.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Outputs mirror the input names; batch.json reports.")],
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler "
                                                     "(tcp://host:8786). Default: a LocalCluster.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="LocalCluster worker processes "
                                                   "(default: one per core).")] = None,
    alpha: Annotated[list[float] | None, typer.Option("--alpha", "-a", help="background: learning rate, "
                                                         "repeatable (default 0.1 and 0.01).")] = None,
    selective: Annotated[bool, typer.Option("--selective", help="background: selective update "
                                            "(one task per video: it cannot be chunked).")] = False,
    no_warmup: Annotated[bool, typer.Option("--no-warmup", help="background: textbook update.")] = False,
    chunk_seconds: Annotated[float, typer.Option("--chunk-seconds", min=0, help="background: split videos "
                                                 "longer than this into parallel chunks (0: never).")] = 60.0,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=256, help="posterize: colours.")] = 8,
    palette_from: Annotated[Path | None, typer.Option("--palette-from", help="posterize: a saved palette "
                                                         "or an image to fit one on.")] = None,
    space: Annotated[str, typer.Option("--space", help="posterize: rgb or lab.")] = "rgb",
    fit_frames: Annotated[int, typer.Option("--fit-frames", min=1, help="posterize: frames sampled per input "
                                            "for the shared palette.")] = 4,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    crf: CrfOpt = 20, preset: PresetOpt = "veryfast", overwrite: OverwriteOpt = False, quiet: QuietOpt = False,
) -> None:
    """Process many videos (or very long ones) in parallel on Dask.

    One task per video; backgrounds of long videos are split into chunks that
    run in parallel and combine into exactly the sequential result. Posterize
    fits one palette on frames from all inputs and sends it to every worker
    once, so all outputs share it. Re-running skips inputs whose outputs are
    complete (use --overwrite to redo them); a corrupt input is reported in
    batch.json and the others go on.

    Examples:

      videotools batch footage/ --do background --out-dir backgrounds/

      videotools batch 'cams/*.mp4' --do posterize -k 6 --out-dir poster/ --workers 4

      videotools batch day.mkv --do background --chunk-seconds 300 --scheduler tcp://10.0.0.5:8786 --out-dir bg/
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..batch import run_batch
    from ..chain import load_palette

    with user_errors():
        pal = load_palette(str(palette_from), k=k, seed=seed, space=space) if palette_from else None
        with Progress(TextColumn(f"batch {do}"), BarColumn(), MofNCompleteColumn(), TextColumn("tasks"),
                      TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                      disable=quiet or not sys.stderr.isatty(), transient=True) as prog:
            task = prog.add_task("tasks", total=None)
            report = run_batch(inputs, out_dir, do=do, alphas=tuple(alpha) if alpha else (0.1, 0.01),
                               warmup=not no_warmup, selective=selective, k=k, palette=pal, seed=seed,
                               space=space, fit_frames=fit_frames, crf=crf, preset=preset,
                               chunk_seconds=chunk_seconds or None, scheduler=scheduler, workers=workers,
                               overwrite=overwrite, progress=lambda d, t: prog.update(task, completed=d, total=t))
        counts = {s: sum(1 for it in report if it.status == s) for s in ("done", "skipped", "failed")}
        typer.echo(f"{len(report)} inputs: {counts['done']} done, {counts['skipped']} skipped (complete), "
                   f"{counts['failed']} failed; report: {out_dir / 'batch.json'}", err=True)
        for it in report:
            if it.status == "failed":
                typer.echo(f"failed: {it.input}: {it.error}", err=True)
        if counts["failed"] and not counts["done"] and not counts["skipped"]:
            raise typer.Exit(1)
