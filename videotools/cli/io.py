"""Commands that move frames: run, info, demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError
from ..sinks import free_name
from .app import (
    SAMPLE_SPEC,
    CamFpsOpt,
    CamModeOpt,
    CamSizeOpt,
    ChainOpt,
    CrfOpt,
    DisplayOpt,
    EndOpt,
    MaxOpt,
    NoAudioOpt,
    OutOpt,
    OverwriteOpt,
    PresetOpt,
    QuietOpt,
    ServeOpt,
    SourceArg,
    StartOpt,
    _run_common,
    app,
    sample_path,
    user_errors,
)


@app.command()
def run(source: SourceArg, chain: ChainOpt = "", out: OutOpt = None, display: DisplayOpt = False,
        serve: ServeOpt = None, max_frames: MaxOpt = None, overwrite: OverwriteOpt = False,
        quiet: QuietOpt = False, start: StartOpt = None, end: EndOpt = None, crf: CrfOpt = 20,
        preset: PresetOpt = "veryfast", camera_size: CamSizeOpt = None, camera_fps: CamFpsOpt = None,
        camera_mode: CamModeOpt = None, no_audio: NoAudioOpt = False) -> None:
    """Copy a source to sinks through an optional processor chain (a video's soundtrack comes along).

    Examples:

      videotools run clip.mp4 --out copy.mp4

      videotools run 0 --display --chain 'flip | posterize:k=6'

      videotools run clip.mp4 --chain 'background:alpha=0.01 | posterize:k=6' --out bg.mp4

      videotools run 'shots/*.jpg' --chain 'resize:width=800' --out small/%04d.jpg
    """
    from ..chain import parse_chain

    with user_errors():
        _run_common(source, parse_chain(chain), out=out, display=display, serve=serve,
                    max_frames=max_frames, overwrite=overwrite, quiet=quiet, start=start, end=end, crf=crf,
                    preset=preset, camera_size=camera_size, camera_fps=camera_fps, camera_mode=camera_mode,
                    audio=not no_audio)


@app.command()
def info(source: SourceArg,
         count: Annotated[bool, typer.Option("--count", help="Decode the whole file to count frames exactly.")] = False,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print size, fps, frame count, duration and codec of a source.

    Examples:

      videotools info samples/traffic.mp4

      videotools info clip.mkv --count --json
    """
    from ..sources import open_source

    with user_errors():
        with open_source(source) as src:
            inf = src.info
            doc = {"source": source, "kind": inf.kind, "width": inf.size[0], "height": inf.size[1],
                   "fps": round(inf.fps, 3), "frames": inf.frame_count,
                   "duration": round(inf.duration, 3) if inf.duration else None, "codec": inf.codec,
                   "pixel_aspect": "{}:{}".format(*inf.pixel_aspect)}
        if count and inf.kind in ("video",):
            import imageio_ffmpeg

            try:
                doc["frames"], _ = imageio_ffmpeg.count_frames_and_secs(source)
            except RuntimeError as err:
                raise ParameterError(f"cannot count frames of {source}: {str(err).splitlines()[0]}") from err
        if as_json:
            typer.echo(json.dumps(doc))
            return
        frames = doc["frames"] if doc["frames"] is not None else "unknown"
        if doc["frames"] is not None and not count and inf.kind == "video":
            frames = f"{frames} (from the container; --count decodes to count exactly)"
        typer.echo(f"source:   {source}\nkind:     {doc['kind']}\nsize:     {doc['width']}x{doc['height']}\n"
                   f"fps:      {doc['fps']}\nframes:   {frames}\n"
                   f"duration: {doc['duration'] if doc['duration'] is not None else 'unknown'} s\n"
                   f"codec:    {doc['codec'] or 'unknown'}"
                   + (f"\npixels:   {doc['pixel_aspect']} (anamorphic)" if doc["pixel_aspect"] != "1:1" else ""))


@app.command()
def demo(out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo video.")] = Path("videotools-demo.mp4"),
         quiet: QuietOpt = False) -> None:
    """Posterize the bundled traffic clip and recover its empty road; write both next to you.

    Writes videotools-demo.mp4 (input | fast model | slow model | mask, then the
    posterized picture) and videotools-demo-background.png (the empty road), never
    overwriting: an existing name gets a -2, -3... suffix.
    """
    from ..frames import tile
    from ..processors import Background, Posterize
    from ..sinks import write_image

    with user_errors():
        src = sample_path()
        spec = str(src) if src else SAMPLE_SPEC
        out = free_name(out)
        bg = Background((0.1, 0.01))
        post = Posterize(k=6, fit_frames=1)

        def both(frame):
            bg.model.update(frame)
            views = [frame, *bg.model.backgrounds, post(frame)]
            return tile(views, (frame.shape[1], frame.shape[0]),
                        ["input", "background alpha 0.1", "background alpha 0.01", "posterize k=6"])

        typer.echo(f"demo on {spec}", err=True)
        stats = _run_common(spec, [both], out=[str(out)], display=False, serve=None, max_frames=None,
                            overwrite=False, quiet=quiet, start=None, end=None, crf=20, preset="veryfast",
                            camera_size=None, camera_fps=None, camera_mode=None)
        png = free_name(out.with_name(out.stem + "-background.png"))
        write_image(png, bg.model.background())
        typer.echo(f"wrote {png} (the recovered empty road)", err=True)
        if stats.frames == 0:
            raise ParameterError("the demo read no frames")
