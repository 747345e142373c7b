"""Processor commands: posterize, background, and the chain reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..kmeans import SPACES
from ..processors.posterize import FIT_FRAMES
from . import options as opt
from .app import app
from .failures import user_errors
from .summary import finish_run


@app.command()
def posterize(
    source: opt.SourceArg,
    k: Annotated[int, typer.Option("-k", min=1, max=256, help="Number of colours.")] = 8,
    out: opt.OutOpt = None, display: opt.DisplayOpt = False, serve: opt.ServeOpt = None,
    palette_out: Annotated[Path | None, typer.Option("--palette-out", help="Save the palette (JSON) here.")] = None,
    palette_from: Annotated[Path | None, typer.Option(
        "--palette-from", help="Use a saved palette (.json), or fit one on this image.")] = None,
    space: Annotated[str, typer.Option("--space", callback=opt.choice(SPACES, "a colour space"),
                                       help="rgb or lab: where 'nearest colour' is measured.")] = "rgb",
    refit: Annotated[str, typer.Option("--refit", help="never | every:N | scene (refit on scene cuts).")] = "never",
    fit_frames: Annotated[int, typer.Option("--fit-frames", min=1, help="Frames the fit samples: the "
                                            "keyframes nearest N times spread over a video file; the first N of a "
                                            "live source.")] = FIT_FRAMES,
    seed: opt.SeedOpt = 0,
    max_frames: opt.MaxOpt = None, overwrite: opt.OverwriteOpt = False, quiet: opt.QuietOpt = False,
    start: opt.StartOpt = None, end: opt.EndOpt = None, crf: opt.CrfOpt = 20, preset: opt.PresetOpt = "veryfast",
    camera_size: opt.CamSizeOpt = None, camera_fps: opt.CamFpsOpt = None, camera_mode: opt.CamModeOpt = None,
    no_audio: opt.NoAudioOpt = False,
) -> None:
    """Posterize with k colours fitted once and applied to every frame by exact nearest-colour lookup.

    Examples:

      videotools posterize clip.mp4 -k 8 --out poster.mp4 --palette-out pal.json

      videotools posterize other.mp4 --palette-from pal.json --out other-poster.mp4

      videotools posterize photo.jpg -k 6 --out photo-6.png

      videotools posterize 0 -k 8 --display        (webcam; keys: r refit, +/- k)
    """
    from ..posterizing import posterize as run_posterize

    with user_errors():
        stats = run_posterize(source, k=k, space=space, seed=seed, refit=refit, fit_frames=fit_frames,
                              palette=palette_from, palette_out=palette_out, **opt.run_options(
                                  out=out, display=display, serve=serve, max_frames=max_frames, overwrite=overwrite,
                                  quiet=quiet, start=start, end=end, crf=crf, preset=preset, audio=not no_audio,
                                  camera_size=camera_size, camera_fps=camera_fps, camera_mode=camera_mode,
                                  title="videotools posterize"))
        finish_run(stats, source=source, out=out, quiet=quiet, start=start, shown=display or serve is not None,
                   more=palette_out is not None)
        pal = stats.extra.get("palette")
        if pal is not None and not quiet:
            typer.echo(f"palette ({pal.space}, k={pal.k}): {' '.join(pal.hex)}", err=True)
        if palette_out is not None:
            typer.echo(f"wrote {palette_out}", err=True)


@app.command()
def background(
    source: opt.SourceArg,
    alpha: Annotated[list[float] | None, typer.Option(
        "--alpha", "-a", help="Learning rate in (0, 1]; repeat for several models. Default: 0.1 and 0.01.")] = None,
    save_dir: Annotated[Path | None, typer.Option("--save-dir", help="Folder for NAME-background-plate.png and "
                                                  "NAME-background-alpha<A>.png, NAME being the source's (written "
                                                  "at the end and on Ctrl-C). Default: the current folder, with "
                                                  "-2, -3... added when a name is taken (never overwritten).")]
    = None,
    out: opt.OutOpt = None, display: opt.DisplayOpt = False, serve: opt.ServeOpt = None,
    view: Annotated[str, typer.Option(
        "--view", help="side-by-side | background | mask | foreground (what --out/--display/--serve show; "
                       "background is the plate).")] = "side-by-side",
    mask_out: Annotated[str | None, typer.Option(
        "--mask-out", help="Write the foreground masks (white on black): a video (masks.mp4) or an image "
                           "sequence (masks/%05d.png).")] = None,
    stats_out: Annotated[Path | None, typer.Option(
        "--stats-out", help="CSV, one row per frame: index, time, foreground_share, blobs (regions of at least "
                            "--min-area pixels) and their boxes [x, y, w, h] as JSON.")] = None,
    min_area: Annotated[int, typer.Option("--min-area", min=1, help="Pixels a region needs to count as a "
                                          "blob in --stats-out.")] = 50,
    shadows: Annotated[bool, typer.Option("--shadows", help="Leave shadows (ground darkened by a similar "
                                          "factor in every channel) out of the masks and stats.")] = False,
    every: Annotated[int | None, typer.Option("--every", min=1, help="Also save snapshots every N frames.")] = None,
    selective: Annotated[bool, typer.Option("--selective", help="Running averages learn only where the frame "
                                            "matches them, so queues and stopped cars do not smear in.")] = False,
    no_warmup: Annotated[bool, typer.Option("--no-warmup", help="Textbook update from frame 1 "
                                            "(default: cumulative mean until t = 1/alpha).")] = False,
    threshold: Annotated[float, typer.Option("--threshold", help="Grey levels that count as foreground.")] = 25.0,
    max_frames: opt.MaxOpt = None, overwrite: opt.OverwriteOpt = False, quiet: opt.QuietOpt = False,
    start: opt.StartOpt = None, end: opt.EndOpt = None, crf: opt.CrfOpt = 20, preset: opt.PresetOpt = "veryfast",
    camera_size: opt.CamSizeOpt = None, camera_fps: opt.CamFpsOpt = None, camera_mode: opt.CamModeOpt = None,
) -> None:
    """Recover the empty background: a clean plate, and running averages at several learning rates.

    The plate keeps cars queued at lights and people standing for a while out
    and follows slow lighting changes; a fast average (alpha 0.1) follows the
    scene within a second, a slow one (0.01) averages the traffic away. One PNG
    each is saved, named after the source: traffic-background-plate.png,
    traffic-background-alpha0.01.png (in the current folder unless --save-dir
    says otherwise; a second run there writes ...-plate-2.png). Masks are
    measured against the plate, the same plate as the chain step, the demo
    and batches give.

    Examples:

      videotools background traffic.mp4            (traffic-background-plate.png ... here)

      videotools background traffic.mp4 --save-dir out/

      videotools background traffic.mp4 --mask-out masks.mp4 --stats-out fg.csv

      videotools background traffic.mp4 --selective --out side.mp4 --view side-by-side

      videotools background 0 --display --alpha 0.05 --alpha 0.005
    """
    from ..backgrounds import background as run_background

    with user_errors():
        stats = run_background(
            source, alphas=tuple(alpha) if alpha else (0.1, 0.01), save_dir=save_dir, view=view, mask_out=mask_out,
            stats_out=stats_out, min_area=min_area, shadows=shadows, every=every, selective=selective,
            warmup=not no_warmup, threshold=threshold, **opt.run_options(
                out=out, display=display, serve=serve, max_frames=max_frames, overwrite=overwrite, quiet=quiet,
                start=start, end=end, crf=crf, preset=preset, camera_size=camera_size, camera_fps=camera_fps,
                camera_mode=camera_mode, title="videotools background"))
        finish_run(stats, source=source, out=out, quiet=quiet, start=start, shown=display or serve is not None,
                   more=True)
        for written in [*stats.extra["images"], mask_out, stats_out]:
            if written is not None:
                typer.echo(f"wrote {written}", err=True)


@app.command()
def chains() -> None:
    """Explain the --chain syntax and list the processors with their options."""
    from .. import chain

    body = chain.__doc__.strip().replace("``", "").split("\n", 1)[1]  # the module's first line speaks of parsing
    typer.echo('--chain runs processors on every frame, e.g. "resize:width=640 | posterize:k=6".\n' + body)


@app.command()
def cameras(max_index: Annotated[int, typer.Option("--max-index", min=1, max=64, help="Indices to try.")] = 10,
            ) -> None:
    """List the cameras that open, with their capture size and fps."""
    from ..errors import SourceError
    from ..sources import list_cameras

    with user_errors():
        found = list_cameras(max_index)
        if not found:
            raise SourceError(f"no camera opened (tried indices 0..{max_index - 1}); is one plugged in and free?")
        for cam in found:
            fps = f"{cam['fps']:g} fps" if cam["fps"] else "fps unknown"
            typer.echo(f"{cam['index']}  {cam['device']}  {cam['size'][0]}x{cam['size'][1]}  {fps}")
