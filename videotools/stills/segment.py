"""k-means segmentation of an image: label maps, cluster colours, readable label views, hidden clusters."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ParameterError, SinkError
from ..frames import Frame, check_frame
from ..kmeans import DEFAULT_SAMPLE, Palette, kmeans, luminance, nearest

FEATURES = ("rgb", "lab", "rgbxy")
VIEWS = ("colors", "labels", "overlay")


def label_colors(k: int) -> np.ndarray:
    """``(k, 3) uint8`` distinct, readable colours for label views (golden-angle hues, alternating lightness)."""
    hues = (np.arange(k) * 137.508) % 360
    hsv = np.zeros((k, 1, 3), np.float32)
    hsv[:, 0, 0] = hues
    hsv[:, 0, 1] = np.where(np.arange(k) % 3 == 2, 0.55, 0.85)
    hsv[:, 0, 2] = np.where(np.arange(k) % 2 == 0, 0.95, 0.7)
    return (cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[:, 0] * 255).round().astype(np.uint8)


@dataclass
class Segmentation:
    """A label map ``(H, W) uint16`` with each cluster's mean colour ``(k, 3) uint8`` RGB and share."""

    labels: np.ndarray
    colors: np.ndarray
    shares: np.ndarray
    features: str

    @property
    def k(self) -> int:
        return len(self.colors)

    def view(self, image: Frame, kind: str = "colors", *, hide: tuple[int, ...] = (),
             alpha: float = 0.5) -> Frame:
        """Render ``colors`` (mean colour per cluster), ``labels`` (distinct colours) or ``overlay``.

        ``overlay`` blends the distinct label colours over the image.

        Clusters listed in ``hide`` are painted black.
        """
        if kind not in VIEWS:
            raise ParameterError(f"view must be one of {', '.join(VIEWS)}, got {kind!r}", param="view")
        bad = [h for h in hide if not 0 <= h < self.k]
        if bad:
            raise ParameterError(f"hide {bad[0]}: labels run from 0 to {self.k - 1}", param="hide")
        if kind == "colors":
            table = self.colors.copy()
        else:
            table = label_colors(self.k)
        table[list(hide)] = 0
        out = table[self.labels]
        if kind == "overlay":
            out = cv2.addWeighted(image, 1 - alpha, out, alpha, 0)
            if hide:
                out[np.isin(self.labels, hide)] = 0
        return out

    def compression_ratio(self) -> float:
        """24-bit RGB size over the size of a k-colour indexed image (ceil(log2 k) bits/pixel + the palette)."""
        n = self.labels.size
        bits = max(1, math.ceil(math.log2(self.k))) if self.k > 1 else 1
        return (n * 24) / (n * bits + self.k * 24)


def segment(image: Frame, k: int = 4, *, features: str = "rgb", seed: int = 0, spatial_weight: float = 1.0,
            sample: int = DEFAULT_SAMPLE) -> Segmentation:
    """Segment ``image`` into ``k`` clusters by k-means.

    Parameters
    ----------
    image : (H, W, 3) uint8 RGB
    k : int
        1..256 (1..65535 is not useful for segmentation).
    features : {"rgb", "lab", "rgbxy"}
        Colour alone (RGB, or CIE Lab for perceptual distances), or colour plus
        position for spatially coherent regions. For ``rgbxy`` both parts are
        min-max scaled inside to 0..1 (colour /255, x/W, y/H) and position is
        weighted by ``spatial_weight``, so no scaling is left to the user.
    seed, sample
        The fit uses a seeded sample of ``sample`` pixels; every pixel is then
        assigned exactly to its nearest centre.

    Returns
    -------
    Segmentation
        Labels are numbered darkest cluster first (stable for a seed).

    Raises
    ------
    ParameterError, FrameError
    """
    check_frame(image)
    if features not in FEATURES:
        raise ParameterError(f"features must be one of {', '.join(FEATURES)}, got {features!r}", param="features")
    if features in ("rgb", "lab"):
        pal = Palette.fit(image, k, seed=seed, sample=sample, space=features)
        labels = pal.labels(image).astype(np.uint16)
        colors = pal.colors.copy()
    else:
        if not 1 <= k <= 256:
            raise ParameterError(f"k must be an integer in 1..256, got {k!r}", param="k")
        if spatial_weight < 0:
            raise ParameterError(f"spatial weight must be >= 0, got {spatial_weight}", param="spatial_weight")
        h, w = image.shape[:2]
        rng = np.random.default_rng(seed)
        n = h * w
        idx = rng.choice(n, min(sample, n), replace=False) if n > sample else np.arange(n)
        feats = _rgbxy(image, idx, spatial_weight)
        if k > len(np.unique(feats, axis=0)):
            raise ParameterError(f"k = {k} is more than the {len(np.unique(feats, axis=0))} distinct "
                                 "pixels of the image")
        res = kmeans(feats, k, seed=seed, max_iter=50, tol=1e-3)
        order = np.argsort(luminance(res.centres[:, :3] * 255), kind="stable")
        centres = res.centres[order]
        labels = np.empty(n, np.uint16)
        step = 1 << 20
        for s in range(0, n, step):
            labels[s:s + step] = nearest(_rgbxy(image, np.arange(s, min(n, s + step)), spatial_weight), centres)
        labels = labels.reshape(h, w)
        flat_labels = labels.ravel()
        counts = np.bincount(flat_labels, minlength=k)
        sums = np.stack([np.bincount(flat_labels, weights=image[..., c].ravel(), minlength=k)
                         for c in range(3)], 1)  # mean colour of each cluster
        colors = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None],
                          centres[:, :3] * 255).round().astype(np.uint8)
    shares = np.bincount(labels.ravel(), minlength=len(colors)) / labels.size
    return Segmentation(labels=labels, colors=colors, shares=shares, features=features)


def write_labels(path: str | os.PathLike, labels: np.ndarray, *, overwrite: bool = False) -> Path:
    """Write a label map as a 16-bit grey PNG, atomically (label i is grey level i).

    Raises
    ------
    ParameterError
        If ``path`` is not a ``.png`` (only PNG keeps 16 bits losslessly here).
    OutputExistsError, SinkError
        An existing file without ``overwrite``; a missing or read-only folder, a full disk.
    """
    from ..files import write_bytes

    p = Path(path)
    if p.suffix.lower() != ".png":
        raise ParameterError(f"a label map is written as a 16-bit .png, got {p}", param="labels_out")
    ok, buf = cv2.imencode(".png", np.asarray(labels).astype(np.uint16))
    if not ok:
        raise SinkError(f"cannot encode the label map for {p}")
    return write_bytes(p, buf.tobytes(), overwrite=overwrite)


def _rgbxy(image: Frame, idx: np.ndarray, weight: float) -> np.ndarray:
    h, w = image.shape[:2]
    flat = image.reshape(-1, 3)
    y, x = np.divmod(idx, w)
    out = np.empty((len(idx), 5), np.float32)
    out[:, :3] = flat[idx] / 255.0
    out[:, 3] = x / max(1, w - 1) * weight
    out[:, 4] = y / max(1, h - 1) * weight
    return out


def segment_file(image: str | os.PathLike, k: int = 4, *, out: str | os.PathLike | None = None,
                 view: str = "colors", hide: tuple[int, ...] = (), features: str = "rgb", seed: int = 0,
                 spatial_weight: float = 1.0, labels_out: str | os.PathLike | None = None,
                 overwrite: bool = False) -> Segmentation:
    """Segment an image file and write its view and label map: ``videotools segment`` as one call.

    ``out`` gets the ``view`` (see :meth:`Segmentation.view`) with the ``hide``
    clusters blacked out; ``labels_out`` the label map as a 16-bit PNG. Both
    are checked before the image is read.

    Raises
    ------
    ParameterError
        ``out`` that is not an image name, ``labels_out`` that is not a ``.png`` (each naming its parameter).
    OutputExistsError, SinkError
        An existing output without ``overwrite``; a missing or read-only folder (before any work).
    """
    from ..outputs import check_outputs
    from ..sinks import write_image
    from ..sources import read_image
    from .palette import check_image_name

    check_image_name("out", out)
    if labels_out is not None and Path(labels_out).suffix.lower() != ".png":
        raise ParameterError(f"labels_out {labels_out}: expected a .png name (the map is 16-bit)", param="labels_out")
    check_outputs([], also=[p for p in (out, labels_out) if p is not None], overwrite=overwrite)
    img = read_image(image)
    seg = segment(img, k, features=features, seed=seed, spatial_weight=spatial_weight)
    if out is not None:
        write_image(out, seg.view(img, view, hide=tuple(hide)), overwrite=overwrite)
    if labels_out is not None:
        write_labels(labels_out, seg.labels, overwrite=overwrite)
    return seg
