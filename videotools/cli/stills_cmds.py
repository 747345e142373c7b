"""Still-image commands: palette, segment, group."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ParameterError
from ..processors.posterize import FIT_FRAMES
from .app import app
from .failures import user_errors
from .options import OverwriteOpt, QuietOpt, SeedOpt, choice, number, usage_error


def _group_k(ctx, param, value: str) -> str:
    if value != "auto" and not (value.isdigit() and int(value) >= 1):
        raise usage_error(param, value, "'auto' or a whole number >= 1")
    return value


@app.command()
def palette(
    source: Annotated[str, typer.Argument(help="An image, a video (frames sampled over its length), or a folder.",
                                          show_default=False)],
    k: Annotated[int, typer.Option("-k", min=1, max=256, help="Number of colours.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    bar: Annotated[Path | None, typer.Option("--bar", help="Write a palette bar PNG (widths = shares).")] = None,
    bar_labels: Annotated[bool, typer.Option("--bar-labels", help="Print hex and % on the bar.")] = False,
    gpl: Annotated[Path | None, typer.Option("--gpl", help="Write a GIMP palette (.gpl).")] = None,
    save: Annotated[Path | None, typer.Option("--save",
                                              help="Write a palette JSON for posterize --palette-from.")] = None,
    frames: Annotated[int, typer.Option("--frames", min=1, help="Frames sampled across a video.")] = FIT_FRAMES,
    space: Annotated[str, typer.Option("--space", callback=choice(("rgb", "lab"), "a colour space"),
                                       help="rgb or lab.")] = "rgb",
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
) -> None:
    """Print the dominant colours with their share of the pixels (sorted by share).

    Shares are exact: each is the fraction of pixels whose nearest palette colour
    it is, and they sum to 100%. Transparent pixels of an RGBA image are ignored.

    Examples:

      videotools palette samples/coffee.png -k 5

      videotools palette photo.jpg -k 8 --json --bar bar.png --bar-labels --gpl photo.gpl

      videotools palette clip.mp4 -k 6 --frames 32 --save clip-palette.json
    """
    from rich.console import Console
    from rich.table import Table

    from ..stills import extract_palette
    from ..stills.palette import percentages

    with user_errors():
        _, shares = extract_palette(source, k, frames=frames, seed=seed, space=space, bar=bar,
                                    bar_labels=bar_labels, gpl=gpl, save=save, overwrite=overwrite)
        if as_json:
            typer.echo(json.dumps([s.as_dict() for s in shares]))
        else:
            table = Table(title=f"{len(shares)} dominant colours of {source}")
            for col in ("", "hex", "rgb", "share"):
                table.add_column(col, justify="right" if col == "share" else "left")
            for s, pct in zip(shares, percentages(shares)):
                rgb = f"{s.rgb[0]:3d} {s.rgb[1]:3d} {s.rgb[2]:3d}"
                table.add_row(f"[on {s.hex}]    [/]", s.hex, rgb, f"{pct:.1f}%")
            Console().print(table)
        for written in (bar, gpl, save):
            if written is not None:
                typer.echo(f"wrote {written}", err=True)


@app.command()
def segment(
    image: Annotated[str, typer.Argument(help="An image file.", show_default=False)],
    k: Annotated[int, typer.Option("-k", min=1, max=256, help="Number of clusters.")] = 4,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the view here (PNG/JPEG).")] = None,
    view: Annotated[str, typer.Option("--view", callback=choice(("colors", "labels", "overlay"), "a view"),
                                      help="colors (cluster mean colours), labels (distinct "
                                      "colours) or overlay (labels over the image).")] = "colors",
    hide: Annotated[list[int] | None, typer.Option("--hide", min=0, max=255,
                                                   help="Black out this cluster (repeatable).")] = None,
    features: Annotated[str, typer.Option("--features", callback=choice(("rgb", "lab", "rgbxy"), "features"),
                                          help="rgb, lab, or rgbxy (colour + position: "
                                          "spatially coherent regions).")] = "rgb",
    spatial_weight: Annotated[float, typer.Option("--spatial-weight", callback=number(0, 1000),
                                                  help="Weight of position for rgbxy.")] = 1.0,
    labels_out: Annotated[Path | None, typer.Option("--labels-out",
                                                    help="Write the label map as a 16-bit PNG.")] = None,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False, quiet: QuietOpt = False,
) -> None:
    """Segment an image into k colour clusters; list them, render a view, hide clusters.

    Labels are numbered darkest cluster first and are stable for a seed, so
    --hide numbers refer to the list the command prints.

    Examples:

      videotools segment samples/coffee.png -k 4 --out seg.png

      videotools segment photo.jpg -k 6 --view labels --out labels.png --labels-out labels16.png

      videotools segment photo.jpg -k 5 --features rgbxy --view overlay --hide 0 --out fg.png
    """
    from ..kmeans import to_hex
    from ..stills import segment_file
    from ..stills.palette import ColorShare, percentages

    with user_errors():
        if not out and not labels_out:
            raise ParameterError("nothing to write: give --out and/or --labels-out")
        seg = segment_file(image, k, out=out, view=view, hide=tuple(hide or ()), features=features, seed=seed,
                           spatial_weight=spatial_weight, labels_out=labels_out, overwrite=overwrite)
        pct = percentages([ColorShare("", (0, 0, 0), float(s)) for s in seg.shares])
        if not quiet:
            for i, (c, p) in enumerate(zip(seg.colors, pct)):
                typer.echo(f"label {i}: {to_hex(c)}  {p:5.1f}%{'  (hidden)' if hide and i in hide else ''}")
            typer.echo(f"{seg.k} colours: compression ratio {seg.compression_ratio():.1f}:1 "
                       f"against 24-bit RGB", err=True)
        for written in (out, labels_out):
            if written is not None:
                typer.echo(f"wrote {written}", err=True)

@app.command()
def group(
    folder: Annotated[str, typer.Argument(help="A folder (or glob) of images.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: group-01/, group-02/..., groups.csv.")],
    k: Annotated[str, typer.Option("-k", callback=_group_k,
                                   help="Number of groups, or 'auto' (best silhouette).")] = "auto",
    max_k: Annotated[int, typer.Option("--max-k", min=2, max=256, help="Largest k tried by auto.")] = 10,
    link: Annotated[bool, typer.Option("--link", help="Symlink instead of copying.")] = False,
    move: Annotated[bool, typer.Option("--move", help="Move instead of copying.")] = False,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False, quiet: QuietOpt = False,
) -> None:
    """Group images by visual similarity (ORB visual words + colour) into folders.

    Images are copied (or --link / --move) into OUT/group-01/... and listed in
    OUT/groups.csv with their distance to the group's centre. No image is
    deleted or skipped: one without keypoints is grouped by colour and noted;
    unreadable files are listed and the run goes on.

    Examples:

      videotools group photos/ --out grouped/

      videotools group 'shots/*.jpg' --out by-look/ -k 5 --link
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..stills.group import check_out_dir, folder_images, group_images, write_groups

    with user_errors():
        if link and move:
            raise ParameterError("--link and --move exclude each other: give one")
        kk: int | str = "auto" if k == "auto" else int(k)
        paths = folder_images(folder)
        check_out_dir(out, overwrite=overwrite)
        with Progress(TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      disable=quiet or not sys.stderr.isatty(), transient=True) as prog:
            task = prog.add_task("images", total=len(paths))
            res = group_images(paths, kk, seed=seed, max_k=max_k, progress=lambda p: prog.advance(task))
        if res.curve and not quiet:
            typer.echo("k  silhouette (auto picks the highest)", err=True)
            for kv, s in res.curve:
                typer.echo(f"{kv:<2} {s:.3f}{'  <-' if kv == res.k else ''}", err=True)
        csv_path = write_groups(res, out, mode="link" if link else "move" if move else "copy", overwrite=overwrite)
        sizes = [int((res.groups == g).sum()) for g in range(res.k)]
        typer.echo(f"{len(res.files)} images in {res.k} groups ({', '.join(map(str, sizes))}); wrote {csv_path}",
                   err=True)
        if res.no_keypoints:
            typer.echo(f"{len(res.no_keypoints)} image(s) had no keypoints and were grouped by colour", err=True)
        for p, _why in res.unreadable:
            typer.echo(f"unreadable, left in place: {p}", err=True)
