"""Group a folder of images by visual similarity: ORB bag of visual words plus colour, k-means over images.

Each image becomes one vector: a histogram over a vocabulary of visual words
(ORB descriptors clustered by the shared k-means; for binary descriptors
unpacked to 0/1, squared Euclidean distance *is* the Hamming distance) and a
colour histogram (hue x saturation, 18 x 8 bins, so exposure changes do not
matter), each L2-normalised, so images with
few or no keypoints still group by colour. Images are then clustered with the
same k-means core. With ``k="auto"`` every k from 2 to ``max_k`` is tried and
the one with the highest mean silhouette wins (a silhouette near 1 means
tight, well separated groups); the curve is returned for the user to see.

Just past 300 lines: features, vocabulary, the choice of k and the output folder are the steps of
one command.
"""

from __future__ import annotations

import csv
import errno
import io
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..errors import OutputExistsError, ParameterError, SinkError, SourceError
from ..files import PendingFile, describe, write_text
from ..kmeans import kmeans, nearest
from ..sinks.base import free_name
from ..sources.images import is_glob, list_images, natural_key, read_image

log = logging.getLogger(__name__)

MAX_SIDE = 1024  # images are scaled down to this before features: enough for ORB, fast on big photos


@dataclass
class ImageFeatures:
    descriptors: np.ndarray | None  # (n, 256) float32 bits, or None
    colour: np.ndarray               # (144,) float32, L2-normalised


@dataclass
class GroupResult:
    """What :func:`group_images` decided for each file."""

    files: list[str]
    groups: np.ndarray                 # (n,) int, 0-based
    distances: np.ndarray              # (n,) distance of each image to its group's centre
    no_keypoints: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    k: int = 0
    curve: list[tuple[int, float]] = field(default_factory=list)  # (k, silhouette) when k was automatic


def image_features(image: np.ndarray, *, n_features: int = 800) -> ImageFeatures:
    """ORB descriptors (as bits) and an HSV colour histogram of an RGB image."""
    h, w = image.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA) \
        if s < 1 else image
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    orb = cv2.ORB.create(nfeatures=n_features)
    _, desc = orb.detectAndCompute(grey, None)
    has = desc is not None and len(desc) > 0
    bits = np.unpackbits(np.asarray(desc, np.uint8), axis=1).astype(np.float32) if has else None
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    # hue x saturation only: brightness changes (exposure, a cloud) leave it alone
    hist = cv2.calcHist([hsv], [0, 1], None, [18, 8], [0, 180, 0, 256]).ravel()
    hist = np.sqrt(hist / max(1.0, hist.sum()))  # Hellinger: square roots make L2 compare distributions
    return ImageFeatures(bits, (hist / max(1e-9, np.linalg.norm(hist))).astype(np.float32))


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient (Euclidean) of a clustering; 0 when it is undefined."""
    k = labels.max() + 1
    if k < 2 or k >= len(x):
        return 0.0
    d = np.sqrt(np.maximum(0, (x * x).sum(1)[:, None] + (x * x).sum(1)[None] - 2 * x @ x.T))
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([d[:, labels == c].sum(1) for c in range(k)], 1)
    own = counts[labels]
    a = np.where(own > 1, sums[np.arange(len(x)), labels] / np.maximum(own - 1, 1), 0)
    other = np.where(np.arange(k)[None] == labels[:, None], np.inf, sums / np.maximum(counts, 1)[None])
    b = other.min(1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0)
    return float(s.mean())


def adjusted_rand_index(truth: Sequence[int], found: Sequence[int]) -> float:
    """Agreement of two labellings, 1 for identical groupings, about 0 for chance."""
    t = np.unique(np.asarray(truth), return_inverse=True)[1]
    f = np.unique(np.asarray(found), return_inverse=True)[1]
    table = np.zeros((t.max() + 1, f.max() + 1), np.int64)
    np.add.at(table, (t, f), 1)

    def pairs(v):
        return float((v * (v - 1) // 2).sum())

    index, a, b = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    total = len(t) * (len(t) - 1) / 2
    expected = a * b / total if total else 0.0
    top = (a + b) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)


def _vectors(feats: list[ImageFeatures], *, words: int, seed: int, colour_weight: float) -> np.ndarray:
    have = [f.descriptors for f in feats if f.descriptors is not None]
    n = len(feats)
    if have:
        rng = np.random.default_rng(seed)
        pool = np.concatenate(have)
        pick = pool[rng.choice(len(pool), min(len(pool), 20_000), replace=False)]
        vocab = kmeans(pick, min(words, len(np.unique(pick, axis=0))), seed=seed, attempts=1,
                       max_iter=20, tol=1e-2).centres
        bow = np.zeros((n, len(vocab)), np.float32)
        for i, f in enumerate(feats):
            if f.descriptors is not None:
                bow[i] = np.bincount(nearest(f.descriptors, vocab), minlength=len(vocab))
        df = (bow > 0).sum(0)
        bow *= np.log((1 + n) / (1 + df)) + 1  # tf-idf: words in every image say little
        norms = np.linalg.norm(bow, axis=1, keepdims=True)
        bow = np.divide(bow, norms, out=np.zeros_like(bow), where=norms > 0)
    else:
        bow = np.zeros((n, 0), np.float32)
    colour = np.stack([f.colour for f in feats]) * colour_weight
    return np.hstack([bow, colour]).astype(np.float32)


def group_images(paths: Sequence[str], k: int | str = "auto", *, seed: int = 0, max_k: int = 10,
                 words: int = 64, colour_weight: float = 1.0, n_features: int = 800, attempts: int = 10,
                 progress: Callable[[str], None] | None = None) -> GroupResult:
    """Group images by visual similarity (see the module docstring).

    Parameters
    ----------
    paths : sequence of str
        Image files; unreadable ones are reported in ``unreadable`` and left out.
    k : int or "auto"
    progress : callable, optional
        Called with each path once it is read.

    Raises
    ------
    ParameterError
        Fewer than two readable images, or k larger than their number.
    """
    files, feats, unreadable, bare = [], [], [], []
    for p in paths:
        try:
            img = read_image(p)
            f = image_features(img, n_features=n_features)
        except SourceError as err:
            unreadable.append((p, str(err)))
        else:
            files.append(p)
            feats.append(f)
            if f.descriptors is None:
                bare.append(p)
        if progress:
            progress(p)
    if len(files) < 2:
        raise ParameterError(f"need at least 2 readable images to group, found {len(files)}", param="folder")
    x = _vectors(feats, words=words, seed=seed, colour_weight=colour_weight)
    curve: list[tuple[int, float]] = []
    if k == "auto":
        best = None
        for kk in range(2, min(max_k, len(files) - 1) + 1):
            res = kmeans(x, kk, seed=seed, attempts=attempts)
            score = silhouette(x, res.labels)
            curve.append((kk, score))
            if best is None or score > best[0] + 1e-9:
                best = (score, res)
        if best is None:  # two or three images: one group each pair is all there is
            best = (0.0, kmeans(x, min(2, len(files)), seed=seed, attempts=attempts))
        res = best[1]
    else:
        if not isinstance(k, int) or not 1 <= k <= len(files):
            raise ParameterError(f"k must be 'auto' or 1..{len(files)} (the readable images), got {k!r}", param="k")
        res = kmeans(x, k, seed=seed, attempts=attempts)
    # number groups by size, largest first, so group-01 is the biggest
    sizes = np.bincount(res.labels, minlength=len(res.centres))
    rank = np.argsort(-sizes, kind="stable")
    remap = np.empty_like(rank)
    remap[rank] = np.arange(len(rank))
    groups = remap[res.labels]
    dist = np.sqrt(((x - res.centres[res.labels]) ** 2).sum(1))
    return GroupResult(files=files, groups=groups, distances=dist, no_keypoints=bare, unreadable=unreadable,
                       k=len(res.centres), curve=curve)


def check_out_dir(out_dir: str | os.PathLike, *, overwrite: bool) -> Path:
    """Validate the output folder before any work: its parent exists, and it is empty unless ``overwrite``.

    Raises
    ------
    SinkError, OutputExistsError
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise SinkError(f"output is a file, expected a folder: {out}")
    if not out.parent.is_dir():
        raise SinkError(f"output folder does not exist: {out.parent}")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(f"output folder is not empty: {out} (use --overwrite to write into it)")
    return out


def write_groups(result: GroupResult, out_dir: str | os.PathLike, *, mode: str = "copy",
                 overwrite: bool = False) -> Path:
    """Place the images into ``out_dir/group-01/...`` (copy, link or move) and write ``groups.csv``.

    Never deletes an image: a name that is taken inside a group folder gets a
    ``-2``, ``-3``... suffix; ``--overwrite`` only allows writing into a
    non-empty ``out_dir`` (and replacing its ``groups.csv``).

    Raises
    ------
    OutputExistsError
        ``out_dir`` is not empty and ``overwrite`` is False.
    """
    if mode not in ("copy", "link", "move"):
        raise ParameterError(f"mode must be copy, link or move, got {mode!r}", param="mode")
    out = check_out_dir(out_dir, overwrite=overwrite)
    out.mkdir(exist_ok=True)
    width = max(2, len(str(result.k)))
    rows = []
    for path, g, d in zip(result.files, result.groups, result.distances):
        folder = out / f"group-{g + 1:0{width}d}"
        folder.mkdir(exist_ok=True)
        src = Path(path)
        dst = free_name(folder / src.name)
        if mode == "copy":
            _copy(src, dst)
        elif mode == "link":
            try:
                os.symlink(src.resolve(), dst)
            except OSError as err:
                raise SinkError(f"cannot link {dst}: {describe(err)}") from None
        else:
            _move(src, dst)
        note = "no keypoints: grouped by colour" if path in result.no_keypoints else ""
        rows.append([path, f"group-{g + 1:0{width}d}", f"{d:.4f}", str(dst), note])
    for path, why in result.unreadable:
        rows.append([path, "", "", "", f"unreadable: {why}"])
    table = io.StringIO(newline="")
    w = csv.writer(table)
    w.writerow(["file", "group", "distance", "placed_as", "note"])
    w.writerows(rows)
    return write_text(out / "groups.csv", table.getvalue(), overwrite=True)


def _copy(src: Path, dst: Path) -> None:
    """Copy ``src`` (bytes, times, mode) to a new file ``dst`` that appears complete or not at all."""
    try:
        pending = PendingFile(dst)
    except OSError as err:
        raise SinkError(f"cannot write {dst}: {describe(err)}") from None
    try:
        with open(src, "rb") as fin, open(pending.write_path, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        shutil.copystat(src, pending.write_path)
        pending.publish()
    except OSError as err:
        if isinstance(err, SinkError):
            raise
        raise SinkError(f"cannot copy {src} to {dst}: {describe(err)}") from None
    finally:
        pending.discard()


def _move(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``: a rename on one file system, else an atomic copy and then the removal of ``src``."""
    try:
        os.rename(src, dst)
        return
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise SinkError(f"cannot move {src} to {dst}: {describe(err)}") from None
    _copy(src, dst)
    try:
        src.unlink()
    except OSError as err:
        raise SinkError(f"copied {src} to {dst} but cannot remove it: {describe(err)}") from None


# Photo formats OpenCV may not decode: listed anyway, so they are reported as unreadable, never silently skipped.
OTHER_PHOTOS = frozenset(".heic .heif .gif .dng .cr2 .cr3 .nef .arw .orf .rw2 .raf .psd .jxl".split())


def folder_images(folder: str | os.PathLike) -> list[str]:
    """Image files in a folder (or glob), natural order, including photo formats OpenCV may not read."""
    f = str(folder)
    if not is_glob(f) and not Path(f).is_dir():
        if Path(f).exists():
            raise SourceError(f"{f} is a file: group expects a folder of images or a glob in quotes")
        raise SourceError(f"no such folder: {f}")
    paths = list_images(f)
    if Path(f).is_dir():
        others = [str(p) for p in Path(f).iterdir() if p.is_file() and p.suffix.lower() in OTHER_PHOTOS]
        paths = sorted(paths + others, key=natural_key)
    if not paths:
        raise SourceError(f"no images found in {f}")
    return paths
