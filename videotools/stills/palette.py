"""Dominant colours with their exact pixel shares, palette bars and GIMP palettes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ParameterError
from ..frames import Frame
from ..kmeans import Palette, luminance, to_hex
from ..processors.posterize import FIT_FRAMES


@dataclass(frozen=True)
class ColorShare:
    """One dominant colour: ``hex``, ``rgb`` and ``share`` (fraction of pixels whose nearest colour it is)."""

    hex: str
    rgb: tuple[int, int, int]
    share: float

    def as_dict(self) -> dict:
        return {"hex": self.hex, "rgb": list(self.rgb), "share": self.share}


def dominant_colors(images: Frame | Sequence[Frame], k: int = 5, *, seed: int = 0, space: str = "rgb",
                    masks: Sequence[np.ndarray | None] | None = None) -> tuple[Palette, list[ColorShare]]:
    """The ``k`` dominant colours of one or more images, sorted by share (largest first).

    The palette is fitted on a seeded sample; the shares are then counted over
    *every* (opaque) pixel by exact nearest-colour assignment, so a share is
    exactly the fraction of pixels that colour stands for, and the shares sum
    to 1.

    Parameters
    ----------
    images : (H, W, 3) uint8 RGB frame, or a list of them (e.g. frames sampled from a video)
    k : int
    masks : list of (H, W) bool, optional
        True where a pixel counts (e.g. the opaque pixels of an RGBA image).

    Raises
    ------
    ParameterError
        No pixel to count (empty images, fully transparent), bad k.
    """
    frames = [images] if isinstance(images, np.ndarray) and images.ndim == 3 else list(images)
    masks = list(masks) if masks is not None else [None] * len(frames)
    pixels = [f.reshape(-1, 3) if m is None else f[m] for f, m in zip(frames, masks)]
    pixels = [p for p in pixels if len(p)]
    if not pixels:
        raise ParameterError("no pixels to take colours from (empty or fully transparent image)")
    pal = Palette.fit(np.concatenate(pixels) if len(pixels) > 1 else pixels[0], k, seed=seed, space=space)
    counts = np.zeros(pal.k, np.int64)
    for f, m in zip(frames, masks):
        lab = pal.labels(f)
        counts += np.bincount((lab if m is None else lab[m]).ravel(), minlength=pal.k)
    total = counts.sum()
    order = np.argsort(-counts, kind="stable")
    shares = [ColorShare(to_hex(pal.colors[i]), (int(pal.colors[i][0]), int(pal.colors[i][1]), int(pal.colors[i][2])),
                         float(counts[i] / total)) for i in order]
    return pal, shares


def load_pixels(source: str | os.PathLike, frames: int = FIT_FRAMES) -> tuple[list[Frame], list[np.ndarray | None]]:
    """The frames of ``source`` to take colours from, with their masks of pixels that count.

    An image gives itself and the mask of its opaque pixels (None when it has
    no alpha); a video, an image sequence or a synthetic scene gives
    ``frames`` frames spread over its length.

    Raises
    ------
    ParameterError
        A live source (no length to sample over).
    """
    from ..sources import sample_frames
    from ..sources.images import is_image_path, read_image_rgba

    if is_image_path(source) and Path(source).is_file():
        img, alpha = read_image_rgba(source)
        return [img], [alpha]
    got = sample_frames(source, frames)
    if not got:
        raise ParameterError(f"no frames could be sampled from {source} (a live source has no length; "
                             "record a clip first)")
    return got, [None] * len(got)


def source_colors(source: str | os.PathLike, k: int = 5, *, frames: int = FIT_FRAMES, seed: int = 0,
                  space: str = "rgb") -> tuple[Palette, list[ColorShare]]:
    """:func:`dominant_colors` of an image file, or of ``frames`` frames spread over a video: ``videotools palette``.

    Transparent pixels of an RGBA image do not count.
    """
    imgs, masks = load_pixels(source, frames)
    return dominant_colors(imgs, k, seed=seed, space=space, masks=masks)


def percentages(shares: Sequence[ColorShare], decimals: int = 1) -> list[float]:
    """Shares as percentages rounded so that they still sum to exactly 100 (largest remainder)."""
    scale = 10 ** decimals
    raw = np.array([s.share for s in shares]) * 100 * scale
    floor = np.floor(raw).astype(int)
    short = 100 * scale - floor.sum()
    for i in np.argsort(-(raw - floor), kind="stable")[:short]:
        floor[i] += 1
    return (floor / scale).tolist()


def palette_bar(shares: Sequence[ColorShare], *, width: int = 800, height: int = 120,
                labels: bool = False) -> Frame:
    """A bar with one block per colour, widths proportional to share; optionally labelled with hex and %."""
    if width < len(shares) or height < 8:
        raise ParameterError(f"bar of {width}x{height} is too small for {len(shares)} colours", param="bar")
    bar = np.zeros((height, width, 3), np.uint8)
    edges = np.rint(np.cumsum([0.0] + [s.share for s in shares]) * width).astype(int)
    edges[-1] = width
    pct = percentages(shares)
    for s, x0, x1, p in zip(shares, edges[:-1], edges[1:], pct):
        bar[:, x0:x1] = s.rgb
        if labels and x1 - x0 > 40:
            ink = (0, 0, 0) if luminance(np.array([s.rgb]))[0] > 128 else (255, 255, 255)
            scale = min(0.5, (x1 - x0) / 160)
            for line, y in ((s.hex, height // 2 - 4), (f"{p:g}%", height // 2 + 14)):
                cv2.putText(bar, line, (x0 + 4, y), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 1, cv2.LINE_AA)
    return bar


def write_gpl(path: str | os.PathLike, shares: Sequence[ColorShare], *, name: str = "videotools",
              overwrite: bool = True) -> Path:
    """Write a GIMP palette (``.gpl``) with the colours in share order, atomically.

    The file appears whole or not at all, and fails as :func:`videotools.files.write_text` does:
    ``OutputExistsError`` for an existing ``path`` without ``overwrite``, ``SinkError`` naming
    ``path`` and the cause for a missing or read-only folder or a full disk.
    """
    from ..files import write_text

    lines = ["GIMP Palette", f"Name: {name}", f"Columns: {min(len(shares), 16)}", "#"]
    pct = percentages(shares)
    lines += [f"{r:3d} {g:3d} {b:3d}\t{s.hex} {p:g}%" for s, p in zip(shares, pct) for r, g, b in [s.rgb]]
    return write_text(path, "\n".join(lines) + "\n", overwrite=overwrite)


IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def check_image_name(name: str, path: str | os.PathLike | None) -> None:
    """Raise ParameterError naming the parameter ``name`` unless ``path`` is None or an image file name."""
    if path is not None and Path(path).suffix.lower() not in IMAGE_TYPES:
        raise ParameterError(f"{name} {path}: expected an image name (.png, .jpg, .bmp, .tif, .webp)", param=name)


def extract_palette(source: str | os.PathLike, k: int = 5, *, frames: int = FIT_FRAMES, seed: int = 0,
                    space: str = "rgb", bar: str | os.PathLike | None = None, bar_labels: bool = False,
                    gpl: str | os.PathLike | None = None, save: str | os.PathLike | None = None,
                    overwrite: bool = False) -> tuple[Palette, list[ColorShare]]:
    """The dominant colours of ``source`` and the files asked for: ``videotools palette`` as one call.

    Every output (``bar`` PNG, ``gpl`` GIMP palette, ``save`` palette JSON for
    ``posterize --palette-from``) is checked before the source is read.

    Raises
    ------
    ParameterError
        ``bar`` that is not an image name (naming ``bar``), a bad option.
    OutputExistsError, SinkError
        An existing output without ``overwrite``; a missing or read-only folder (before any work).

    Examples
    --------
    >>> pal, shares = extract_palette("samples/coffee.png", k=3)
    >>> len(shares), round(sum(s.share for s in shares), 6)
    (3, 1.0)
    """
    from ..outputs import check_outputs
    from ..sinks import write_image

    check_image_name("bar", bar)
    check_outputs([], also=[p for p in (bar, gpl, save) if p is not None], overwrite=overwrite)
    pal, shares = source_colors(source, k, frames=frames, seed=seed, space=space)
    if bar is not None:
        write_image(bar, palette_bar(shares, labels=bar_labels), overwrite=overwrite)
    if gpl is not None:
        write_gpl(gpl, shares, name=Path(source).stem, overwrite=overwrite)
    if save is not None:
        pal.save(save, overwrite=overwrite)
    return pal, shares
