"""The live command: a camera through a chain, in a window and/or a browser, with keys and recording."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app
from .failures import user_errors
from .options import (
    CamFpsOpt,
    CamSizeOpt,
    ChainOpt,
    CrfOpt,
    MaxOpt,
    OutOpt,
    OverwriteOpt,
    PresetOpt,
    QuietOpt,
    ServeOpt,
    run_options,
)
from .summary import finish_run


@app.command()
def live(
    camera: Annotated[str, typer.Argument(help="Camera index or device (0, /dev/video0), or any source.")] = "0",
    chain: ChainOpt = "posterize:k=8",
    out: OutOpt = None, serve: ServeOpt = None,
    record_dir: Annotated[Path, typer.Option("--record-dir",
                                             help="Where o (record) and s (snapshot) write.")] = Path("."),
    camera_size: CamSizeOpt = None, camera_fps: CamFpsOpt = None, max_frames: MaxOpt = None,
    overwrite: OverwriteOpt = False, quiet: QuietOpt = False, crf: CrfOpt = 20, preset: PresetOpt = "superfast",
) -> None:
    """Live camera processing with no lag: posterize k=8 by default, overlay and keys.

    The newest camera frame is always the one shown (older ones are dropped and
    counted). Keys: q/Esc quit, space pause, h overlay, r refit palette, +/- k,
    b background view, v original | processed, s snapshot PNG, o start/stop
    recording (timestamped MP4, finalized on stop, quit or Ctrl-C), ? keys.

    Examples:

      videotools live

      videotools live 1 --camera-size 1280x720 --chain 'flip | posterize:k=6,space=lab'

      videotools live --serve 8080          (headless box: watch at http://127.0.0.1:8080/)
    """
    from ..chain import parse_chain
    from ..runs import process
    from ..sinks import display_problem

    with user_errors():
        processors = parse_chain(chain)
        problem = display_problem() if serve or out else None  # with another output, no window is no error
        stats = process(camera, processors, **run_options(
            out=out, display=problem is None, serve=serve, max_frames=max_frames, overwrite=overwrite, quiet=quiet,
            crf=crf, preset=preset, camera_size=camera_size, camera_fps=camera_fps, camera_mode="latest",
            title="videotools live", record_dir=record_dir))
        finish_run(stats, source=camera, out=out, quiet=quiet, shown=True)
