"""The commands of one source as it is: run (copy it to sinks through a chain), info (describe it), demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError
from . import options as opt
from .app import app
from .failures import user_errors
from .summary import finish_run


@app.command()
def run(source: opt.SourceArg, chain: opt.ChainOpt = "", out: opt.OutOpt = None, display: opt.DisplayOpt = False,
        serve: opt.ServeOpt = None, max_frames: opt.MaxOpt = None, overwrite: opt.OverwriteOpt = False,
        quiet: opt.QuietOpt = False, start: opt.StartOpt = None, end: opt.EndOpt = None, crf: opt.CrfOpt = 20,
        preset: opt.PresetOpt = "veryfast", camera_size: opt.CamSizeOpt = None, camera_fps: opt.CamFpsOpt = None,
        camera_mode: opt.CamModeOpt = None, no_audio: opt.NoAudioOpt = False, fast: opt.FastOpt = False,
        loop: opt.LoopOpt = False, lost_after: opt.LostAfterOpt = None,
        deinterlace: opt.DeinterlaceOpt = False) -> None:
    """Copy a source to sinks through an optional processor chain (a video's soundtrack comes along).

    Files shown with --display or --serve play at their own frame rate (--fast: as fast as they decode);
    at their end the window keeps the last frame until a key, the preview until Ctrl-C.

    Examples:

      videotools run clip.mp4 --out copy.mp4

      videotools run 0 --display --chain 'flip | posterize:k=6'

      videotools run clip.mp4 --chain 'background:alpha=0.01 | posterize:k=6' --out bg.mp4

      videotools run 'shots/*.jpg' --chain 'resize:width=800' --out small/%04d.jpg

      videotools run rtsp://camera/stream --lost-after 60 --out night.mp4
    """
    from ..chain import parse_chain
    from ..runs import process

    with user_errors():
        stats = process(source, parse_chain(chain), **opt.run_options(
            out=out, display=display, serve=serve, max_frames=max_frames, overwrite=overwrite, quiet=quiet,
            start=start, end=end, crf=crf, preset=preset, audio=not no_audio, camera_size=camera_size,
            camera_fps=camera_fps, camera_mode=camera_mode, fast=fast, loop=loop, lost_after=lost_after,
            deinterlace=deinterlace))
        finish_run(stats, source=source, out=out, quiet=quiet, start=start, shown=display or serve is not None)


@app.command()
def info(source: opt.SourceArg,
         count: Annotated[bool, typer.Option("--count", help="Decode the whole file to count frames exactly.")] = False,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print size, fps, frame count, duration and codec of a source.

    Examples:

      videotools info samples/traffic.mp4

      videotools info clip.mkv --count --json
    """
    from ..info import describe

    with user_errors():
        doc = describe(source, count=count)
        if as_json:
            typer.echo(json.dumps(doc))
            return
        frames = doc["frames"] if doc["frames"] is not None else "unknown"
        if doc["frames"] is not None and doc["kind"] == "video":
            frames = f"{frames} (decoded and counted)" if doc["frames_exact"] else \
                f"{frames} (from the container; --count decodes to count exactly)"
        lines = [f"source:   {source}", f"kind:     {doc['kind']}", f"size:     {doc['width']}x{doc['height']}",
                 f"fps:      {doc['fps']}", f"frames:   {frames}",
                 f"duration: {doc['duration'] if doc['duration'] is not None else 'unknown'} s",
                 f"codec:    {doc['codec'] or 'unknown'}"]
        if doc.get("audio"):
            lines.append(f"audio:    {doc['audio']}")
        if doc["pixel_aspect"] != "1:1":
            lines.append(f"pixels:   {doc['pixel_aspect']} (anamorphic)")
        if doc.get("rotation"):
            lines.append(f"rotation: {doc['rotation']} degrees (frames come out upright)")
        if doc.get("interlaced"):
            lines.append("scan:     interlaced (--deinterlace rebuilds each frame from its fields)")
        if doc.get("hdr"):
            lines.append(f"hdr:      {doc['hdr'].upper()} (converted as it is, not tone-mapped)")
        typer.echo("\n".join(lines))


@app.command()
def demo(out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo video.")]
         = Path("videotools-demo.mp4"), quiet: opt.QuietOpt = False) -> None:
    """Recover the empty road of the bundled traffic clip and posterize it; write both next to you.

    Writes videotools-demo.mp4, six views side by side: the input, the fast and
    the slow running average (alpha 0.1 and 0.01: cars waiting at the lights
    smear into them), the plate (the clean background: queued cars stay out),
    the foreground mask measured against the plate, and the input posterized
    with 6 colours. Then videotools-demo-background.png: the plate at the end,
    the empty road. An existing name gets a -2, -3... suffix, never overwritten.
    """
    from .. import demo as scene
    from ..runs import Run, execute
    from ..sinks import free_name, write_image

    with user_errors():
        src = scene.sample_path()
        spec = str(src) if src else scene.SAMPLE_SPEC
        out = free_name(out)
        view = scene.DemoView()
        said = f"demo on {spec}" if src else f"demo on a generated traffic scene ({spec}): the bundled " \
            "samples/traffic.mp4 is not here (it comes with a source checkout)"
        stats = execute(Run(spec, [view], **opt.run_options(out=[str(out)], quiet=quiet)),
                        prepare=lambda _: typer.echo(said, err=True))  # outputs checked, the source open
        if stats.frames == 0:
            raise ParameterError("the demo read no frames")
        finish_run(stats, source=spec, out=[str(out)], quiet=quiet)
        png = free_name(out.with_name(out.stem + "-background.png"))
        write_image(png, view.plate)
        typer.echo(f"wrote {png} (the plate: the empty road)", err=True)
