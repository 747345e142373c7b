"""The one k-means core, and palettes applied by exact nearest-centre lookup.

``kmeans`` clusters any ``(N, D)`` data: k-means++ seeding done here with a
numpy ``Generator`` (deterministic for a seed, no global RNG), Lloyd
iterations in ``cv2.kmeans``. ``Palette`` holds up to 256 RGB colours and
maps every pixel to the exactly nearest one.

How the lookup is exact and fast
--------------------------------
For ``space="rgb"`` a palette builds a full 256³ table (16 MiB, one label per
colour) once, then ``apply`` is two table gathers per pixel. The table is
built by refining cubes: a Voronoi cell under Euclidean distance is convex, so
if all eight corners of a cube of colours share one nearest centre, so does
every colour inside it, and the cube is filled without looking at its
interior. Only cubes cut by a cell boundary are split, down to 2x2x2 cubes,
whose eight colours are then all corners and computed exactly. Distances are
integers below 2**24, so float32 BLAS computes them without rounding.

For ``space="lab"`` the cells are convex in Lab but not in RGB, so the cube
test does not hold there; the table is filled lazily instead: each frame looks
its colours up, and only colours never seen before are computed exactly (in
Lab, against the stored colours) and remembered. A video's colours repeat, so
after the first frames almost every pixel is a table hit.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import FrameError, ParameterError
from .frames import Frame, check_frame

log = logging.getLogger(__name__)

SPACES = ("rgb", "lab")
DEFAULT_SAMPLE = 50_000
"""Pixels drawn (without replacement, seeded) to fit a palette: enough for a
stable fit of up to 64 colours, small enough to fit in a few milliseconds."""
MAX_K = 256
_LITTLE = sys.byteorder == "little"


@dataclass(frozen=True)
class KMeansResult:
    """Centres ``(k, D) float32``, labels ``(N,) int32`` and the inertia (sum of squared distances)."""

    centres: np.ndarray
    labels: np.ndarray
    inertia: float


def _as_data(data: np.ndarray) -> np.ndarray:
    a = np.asarray(data)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ParameterError(f"k-means data must be (N,) or (N, D), got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ParameterError(f"k-means data is empty: shape {a.shape}")
    if not np.issubdtype(a.dtype, np.number):
        raise ParameterError(f"k-means data must be numeric, got {a.dtype}")
    a = a.astype(np.float32)
    if not np.isfinite(a).all():
        raise ParameterError(f"k-means data has {int((~np.isfinite(a)).sum())} NaN or infinite values")
    return a


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each new centre drawn with probability proportional to squared distance."""
    n = len(x)
    centres = np.empty((k, x.shape[1]), np.float32)
    centres[0] = x[rng.integers(n)]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for i in range(1, k):
        total = float(d2.sum())
        idx = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centres[i] = x[idx]
        np.minimum(d2, ((x - centres[i]) ** 2).sum(1), out=d2)
    return centres


def _nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre per row (squared Euclidean), chunked to bound memory."""
    c = centres.astype(np.float32)
    cc = (c * c).sum(1)
    out = np.empty(len(x), np.int32)
    step = max(1, 4_000_000 // max(1, len(c)))
    for s in range(0, len(x), step):
        xs = x[s:s + step].astype(np.float32)
        d = cc[None, :] - 2.0 * (xs @ c.T)
        out[s:s + step] = d.argmin(1)
    return out


def kmeans(data: np.ndarray, k: int, *, seed: int = 0, attempts: int = 3, max_iter: int = 100,
           tol: float = 1e-4) -> KMeansResult:
    """Cluster ``data`` into ``k`` groups.

    Parameters
    ----------
    data : (N,) or (N, D) array_like
        Numbers (1-D data) or points; any numeric dtype.
    k : int
        1 <= k <= N.
    seed : int
        Same seed, same data -> same result.
    attempts : int
        Independent k-means++ starts; the one with the lowest inertia wins.
    max_iter, tol
        Lloyd iterations stop after ``max_iter`` or when centres move less than ``tol``.

    Returns
    -------
    KMeansResult
        ``centres (k, D) float32`` (in the order found), ``labels (N,) int32``, ``inertia``.

    Raises
    ------
    ParameterError
        Bad shape, NaN/inf, or k outside 1..N.

    Examples
    --------
    >>> r = kmeans([1, 2, 3, 101, 102, 103], 2)
    >>> sorted(r.centres.ravel().tolist())
    [2.0, 102.0]
    """
    x = _as_data(data)
    n = len(x)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise ParameterError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= n:
        raise ParameterError(f"k must be in 1..{n} (the number of points), got {k}")
    if attempts < 1:
        raise ParameterError(f"attempts must be >= 1, got {attempts}")
    rng = np.random.default_rng(seed)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_MAX_ITER, max_iter, tol)
    best: KMeansResult | None = None
    for _ in range(attempts):
        init = _kmeans_pp(x, k, rng)
        labels0 = _nearest(x, init).reshape(-1, 1)
        if k == 1:
            centres = x.mean(0, keepdims=True)
            labels = np.zeros(n, np.int32)
        else:
            _, lab, centres = cv2.kmeans(x, k, labels0, criteria, 1, cv2.KMEANS_USE_INITIAL_LABELS)
            labels = lab.ravel().astype(np.int32)
        inertia = float(((x - centres[labels]) ** 2).sum())
        if best is None or inertia < best.inertia:
            best = KMeansResult(centres.astype(np.float32), labels, inertia)
    return best


# -- colour spaces -------------------------------------------------------------------
def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    """uint8 RGB ``(..., 3)`` -> float32 coordinates in ``space`` (RGB 0..255, or CIE Lab via OpenCV)."""
    a = np.asarray(rgb)
    if space == "rgb":
        return a.astype(np.float32)
    if space == "lab":
        flat = a.reshape(-1, 1, 3).astype(np.float32) / 255.0
        return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(a.shape)
    raise ParameterError(f"space must be one of {SPACES}, got {space!r}")


def from_space(x: np.ndarray, space: str) -> np.ndarray:
    """Inverse of :func:`to_space`, rounded and clipped to uint8 RGB."""
    a = np.asarray(x, np.float32)
    if space == "lab":
        a = cv2.cvtColor(a.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(a.shape) * 255.0
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def luminance(colors: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of ``(k, 3)`` RGB colours (the palette's sort key)."""
    c = np.asarray(colors, np.float64)
    return c @ np.array([0.299, 0.587, 0.114])


def parse_color(value: str | Sequence[int]) -> tuple[int, int, int]:
    """``"#ff8800"``, ``"ff8800"``, ``"#f80"`` or ``(255, 136, 0)`` -> an RGB triple."""
    if isinstance(value, str):
        s = value.strip().lstrip("#")
        if len(s) == 3:
            s = "".join(ch * 2 for ch in s)
        if len(s) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in s):
            raise ParameterError(f"bad colour {value!r}: expected #rrggbb")
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    t = tuple(value)
    if len(t) != 3 or not all(isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in t):
        raise ParameterError(f"bad colour {value!r}: expected three integers 0..255")
    return int(t[0]), int(t[1]), int(t[2])


def to_hex(color: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in color))


# -- the exact RGB table -------------------------------------------------------------
def build_rgb_table(colors: np.ndarray) -> np.ndarray:
    """The exact nearest-colour label of every 24-bit RGB colour, as a ``(256, 256, 256) uint8`` [b, g, r] table.

    See the module docstring for why corner agreement proves a whole cube.
    """
    c = np.asarray(colors, np.float32)  # (k, 3) RGB
    k = len(c)
    table = np.empty((256, 256, 256), np.uint8)
    if k == 1:
        table.fill(0)
        return table
    ct = np.ascontiguousarray(c.T)
    cc = (c * c).sum(1)

    def nearest(rgb: np.ndarray) -> np.ndarray:  # (M, 3) float32 RGB -> labels (exact: ints < 2**24)
        return (cc - 2.0 * (rgb @ ct)).argmin(1).astype(np.uint8)

    s = 32
    n = 256 // s
    ib, ig, ir = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij"))
    corner = np.array([[db, dg, dr] for db in (0, 1) for dg in (0, 1) for dr in (0, 1)], np.float32)
    while True:
        view = table.reshape(256 // s, s, 256 // s, s, 256 // s, s)
        origin = np.stack([ir, ig, ib], 1).astype(np.float32) * s  # (M, 3) RGB
        # corners in RGB: offsets (dr, dg, db) from the [b, g, r]-ordered corner list
        offs = corner[:, ::-1] * (s - 1)
        pts = (origin[:, None, :] + offs[None, :, :]).reshape(-1, 3)
        lab = nearest(pts).reshape(-1, 8)
        if s == 2:  # every colour of a 2-cube is a corner: all exact
            view[ib, :, ig, :, ir, :] = lab.reshape(-1, 2, 2, 2)
            break
        uniform = (lab == lab[:, :1]).all(1)
        view[ib[uniform], :, ig[uniform], :, ir[uniform], :] = lab[uniform, 0][:, None, None, None]
        amb = ~uniform
        if not amb.any():
            break
        # split ambiguous cubes into their eight children
        d = corner.astype(np.int64)
        ib = (2 * ib[amb][:, None] + d[None, :, 0]).ravel()
        ig = (2 * ig[amb][:, None] + d[None, :, 1]).ravel()
        ir = (2 * ir[amb][:, None] + d[None, :, 2]).ravel()
        s //= 2
    return table


def _codes(frame: np.ndarray) -> np.ndarray:
    """Pack an RGB uint8 frame into ``(H, W) uint32`` codes ``r + 256 g + 65536 b``."""
    if _LITTLE:
        rgba = cv2.cvtColor(frame, cv2.COLOR_RGB2RGBA)
        codes = rgba.view(np.uint32)[..., 0]
        np.bitwise_and(codes, 0xFFFFFF, out=codes)
        return codes
    f = frame.astype(np.uint32)  # pragma: no cover - big-endian machines
    return f[..., 0] | (f[..., 1] << 8) | (f[..., 2] << 16)


class Palette:
    """Up to 256 RGB colours, applied to frames by exact nearest-colour lookup.

    Parameters
    ----------
    colors : (k, 3) array_like of uint8
        RGB colours, used in the order given (label i is colour i).
    space : {"rgb", "lab"}
        Where "nearest" is measured: squared Euclidean distance in RGB, or in
        CIE Lab (OpenCV's conversion) computed from the stored colours.

    Examples
    --------
    >>> import numpy as np
    >>> pal = Palette.from_colors(["#000000", "#ffffff"])
    >>> pal.apply(np.array([[[10, 20, 30], [200, 210, 220]]], np.uint8)).tolist()
    [[[0, 0, 0], [255, 255, 255]]]
    """

    def __init__(self, colors: np.ndarray | Sequence[Sequence[int]], *, space: str = "rgb") -> None:
        c = np.asarray(colors)
        if c.ndim != 2 or c.shape[1] != 3:
            raise ParameterError(f"palette colours must be (k, 3), got shape {c.shape}")
        if not 1 <= len(c) <= MAX_K:
            raise ParameterError(f"a palette holds 1..{MAX_K} colours, got {len(c)}")
        if np.issubdtype(c.dtype, np.floating) or c.min() < 0 or c.max() > 255:
            if c.min() < 0 or c.max() > 255 or not np.allclose(c, np.round(c)):
                raise ParameterError("palette colours must be integers 0..255")
        if space not in SPACES:
            raise ParameterError(f"space must be one of {SPACES}, got {space!r}")
        self._colors = c.astype(np.uint8)
        self._colors.setflags(write=False)
        self.space = space
        self._table: np.ndarray | None = None
        self._rgba: np.ndarray | None = None
        self._pool: ThreadPoolExecutor | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def fit(cls, data: np.ndarray | Iterable[np.ndarray], k: int, *, seed: int = 0,
            sample: int = DEFAULT_SAMPLE, space: str = "rgb", attempts: int = 1,
            previous: Palette | None = None) -> Palette:
        """Fit ``k`` colours with k-means on a seeded random sample of pixels.

        Parameters
        ----------
        data : frame, (N, 3) pixels, list of frames, or a source
            ``(H, W, 3) uint8`` frame(s) or a pixel list. From several frames
            the sample is drawn evenly from each; from a source (any iterable)
            the first 64 frames are used, each subsampled as it is read, so
            memory stays bounded.
        k : int
            1..256. If the pixels hold fewer distinct colours than ``k``, k is
            reduced to that number with a warning.
        seed : int
            Same seed and data -> the same palette.
        sample : int
            Pixels drawn for the fit (default 50,000); all when fewer.
        space : {"rgb", "lab"}
        attempts : int
            k-means++ starts (best kept). One is enough for colours: the fit
            stops when no centre moves by more than 0.1 grey level (or after
            50 iterations), which keeps a refit of k = 32 under 0.2 s.
        previous : Palette, optional
            On a refit: order the new colours so label i stays closest to the
            previous colour i (stable labels). Otherwise colours are sorted by
            luminance, darkest first (ties by R, G, B).

        Raises
        ------
        ParameterError
            k outside 1..256, empty data, wrong shapes.
        """
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ParameterError(f"k must be an integer in 1..{MAX_K}, got {k!r}")
        if space not in SPACES:
            raise ParameterError(f"space must be one of {SPACES}, got {space!r}")
        if sample < 1:
            raise ParameterError(f"sample must be >= 1, got {sample}")
        rng = np.random.default_rng(seed)
        pixels = _sample_pixels(data, sample, rng)
        distinct = np.unique(pixels[:, 0].astype(np.uint32) | (pixels[:, 1].astype(np.uint32) << 8)
                             | (pixels[:, 2].astype(np.uint32) << 16))
        if len(distinct) < k:
            warnings.warn(f"only {len(distinct)} distinct colours in the data: k reduced from {k} "
                          f"to {len(distinct)}", stacklevel=2)
            k = len(distinct)
        if len(distinct) == k:  # nothing to cluster: the colours are the palette
            colors = np.stack([distinct & 255, (distinct >> 8) & 255, distinct >> 16], 1).astype(np.uint8)
            labels = None
        else:
            res = kmeans(to_space(pixels, space), k, seed=seed, attempts=attempts, max_iter=50, tol=0.1)
            colors, labels = from_space(res.centres, space), res.labels
        if previous is not None and previous.k == k:
            if labels is None:
                labels = cls(colors, space=space).nearest(pixels)
            return cls(colors[_match_previous(previous.nearest(pixels), labels, colors, previous)],
                       space=space)
        return cls(colors[_by_luminance(colors)], space=space)

    @classmethod
    def from_colors(cls, colors: Sequence[str | Sequence[int]], *, space: str = "rgb") -> Palette:
        """A palette from colours the user gives: hex strings (``"#ff8800"``) or RGB triples."""
        if len(colors) == 0:
            raise ParameterError("a palette needs at least one colour")
        return cls(np.array([parse_color(c) for c in colors], np.uint8), space=space)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Palette:
        """Read a palette saved by :meth:`save`.

        Raises
        ------
        ParameterError
            If the file is not a palette JSON.
        """
        try:
            doc = json.loads(Path(path).read_text())
        except FileNotFoundError as err:
            raise ParameterError(f"no such palette file: {path}") from err
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ParameterError(f"not a palette JSON file: {path} ({err})") from err
        if not isinstance(doc, dict) or "colors" not in doc:
            raise ParameterError(f"not a palette JSON file: {path} (no 'colors' list)")
        return cls.from_colors(doc["colors"], space=doc.get("space", "rgb"))

    def save(self, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
        """Write the palette as JSON: ``{"colors": [[r, g, b], ...], "hex": [...], "space": ..., "k": ...}``.

        The file appears complete or not at all (:func:`videotools.files.write_text`).

        Raises
        ------
        OutputExistsError
            If ``path`` exists and ``overwrite`` is False.
        SinkError
            A missing or read-only folder, a full disk: naming ``path`` and the cause.
        """
        from .files import write_text

        doc = {"format": "videotools-palette", "version": 1, "k": self.k, "space": self.space,
               "colors": self._colors.tolist(), "hex": [to_hex(c) for c in self._colors]}
        return write_text(path, json.dumps(doc, indent=1) + "\n", overwrite=overwrite)

    # -- properties -----------------------------------------------------------------
    @property
    def colors(self) -> np.ndarray:
        """``(k, 3) uint8`` RGB, read-only; label i is ``colors[i]``."""
        return self._colors

    @property
    def k(self) -> int:
        return len(self._colors)

    @property
    def hex(self) -> list[str]:
        return [to_hex(c) for c in self._colors]

    def __repr__(self) -> str:
        return f"Palette(k={self.k}, space={self.space!r}, colors={self.hex})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Palette) and self.space == other.space
                and np.array_equal(self._colors, other._colors))

    def __getstate__(self) -> dict:  # ship colours only (to Dask workers), not the 16 MiB table
        return {"colors": self._colors.copy(), "space": self.space}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["colors"], space=state["space"])

    # -- lookup ---------------------------------------------------------------------
    def build_lookup(self) -> Palette:
        """Build the lookup table now (else the first ``apply`` does). Returns self."""
        if self._table is None:
            if self.space == "rgb":
                self._table = build_rgb_table(self._colors).reshape(-1)
            else:
                self._table = np.full(256 ** 3, 0xFFFF, np.uint16)
            rgba = np.zeros((self.k, 4), np.uint8)
            rgba[:, :3] = self._colors
            self._rgba = rgba.view(np.uint32).ravel()
        return self

    def nearest(self, pixels: np.ndarray) -> np.ndarray:
        """Exact nearest-colour labels of ``(N, 3) uint8`` pixels by direct computation (no table)."""
        p = np.asarray(pixels).reshape(-1, 3)
        return _nearest(to_space(p, self.space), to_space(self._colors, self.space)).astype(np.uint8)

    def _fill_lab(self, codes: np.ndarray) -> None:
        """Compute and remember labels for colours not yet in the lazy Lab table."""
        labels = np.take(self._table, codes)
        miss = labels == 0xFFFF
        if miss.any():
            new = np.unique(codes[miss])
            rgb = np.stack([new & 255, (new >> 8) & 255, new >> 16], 1).astype(np.uint8)
            self._table[new] = self.nearest(rgb)

    def _label_rows(self, codes: np.ndarray) -> np.ndarray:
        return np.take(self._table, codes).astype(np.uint8, copy=False)

    def labels(self, frame: Frame) -> np.ndarray:
        """``(H, W) uint8`` label map: the index of each pixel's nearest palette colour."""
        return self._lookup(frame, self._label_rows)

    def apply(self, frame: Frame) -> Frame:
        """The frame with every pixel replaced by its nearest palette colour."""
        return self._lookup(frame, self._paint_rows)

    def _lookup(self, frame: Frame, fn) -> np.ndarray:
        check_frame(frame)
        self.build_lookup()
        codes = _codes(frame)
        if self.space == "lab":
            self._fill_lab(codes)
        return self._split(codes, fn)

    def _paint_rows(self, codes: np.ndarray) -> np.ndarray:
        lab = np.take(self._table, codes)
        rgba = np.take(self._rgba, lab)
        return cv2.cvtColor(rgba.view(np.uint8).reshape(*codes.shape, 4), cv2.COLOR_RGBA2RGB)

    def colorize(self, labels: np.ndarray) -> Frame:
        """Paint a label map with the palette's colours."""
        lab = np.asarray(labels)
        if lab.size and int(lab.max()) >= self.k:
            raise FrameError(f"label {int(lab.max())} out of range for a palette of {self.k}")
        return self._colors[lab]

    def _split(self, codes: np.ndarray, fn) -> np.ndarray:
        """Run ``fn`` on two row halves in two threads for large frames (the gathers release the GIL)."""
        h = codes.shape[0]
        if codes.size < 400_000 or h < 2:
            return fn(codes)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(2, thread_name_prefix="videotools-palette")
        mid = h // 2
        top = self._pool.submit(fn, codes[:mid])
        bottom = fn(codes[mid:])
        return np.concatenate([top.result(), bottom])

    def close(self) -> None:
        """Release the helper threads (also done when the palette is garbage-collected)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def _by_luminance(colors: np.ndarray) -> np.ndarray:
    """Order that sorts colours darkest first (Rec. 601 luma), ties by R, G, B."""
    return np.lexsort((colors[:, 2], colors[:, 1], colors[:, 0], luminance(colors)))


def _match_previous(old_labels: np.ndarray, new_labels: np.ndarray, colors: np.ndarray,
                    previous: Palette) -> np.ndarray:
    """Order of the new colours so that new label i covers the pixels old label i covered.

    Greedy on the overlap (pixel counts) of old and new clusters, largest first; a
    new cluster that overlaps no free old label goes to the nearest free old colour.
    Matching by membership rather than colour keeps labels through a global
    brightness change, where two similar colours could swap by distance.
    """
    k = len(colors)
    overlap = np.bincount(old_labels.astype(np.int64) * k + new_labels, minlength=k * k).reshape(k, k)
    order = np.full(k, -1)
    free_new = np.ones(k, bool)
    for flat in np.argsort(-overlap, axis=None, kind="stable"):
        i, j = divmod(int(flat), k)
        if overlap[i, j] == 0:
            break
        if order[i] < 0 and free_new[j]:
            order[i], free_new[j] = j, False
    for i in np.flatnonzero(order < 0):
        cand = np.flatnonzero(free_new)
        d = ((colors[cand].astype(np.int64) - previous.colors[i].astype(np.int64)) ** 2).sum(1)
        j = cand[d.argmin()]
        order[i], free_new[j] = j, False
    return order


MAX_FIT_FRAMES = 64
"""Frames :meth:`Palette.fit` takes from an iterable (a source); each is subsampled as it arrives."""


def _pixels_of(frame) -> np.ndarray:
    f = np.asarray(frame)
    if f.ndim != 3 or f.shape[2] != 3:
        raise ParameterError(f"fit takes (H, W, 3) frames, got shape {f.shape}")
    return f.reshape(-1, 3)


def _sample_pixels(data, sample: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded sample of ``(n, 3) uint8`` pixels from a frame, a pixel list or several frames."""
    if isinstance(data, np.ndarray):
        if data.ndim == 2 and data.shape[1] == 3:
            arrays = [data]
        elif data.ndim == 3 and data.shape[2] == 3:
            arrays = [data.reshape(-1, 3)]
        elif data.ndim == 4 and data.shape[3] == 3:
            arrays = [f.reshape(-1, 3) for f in data]
        else:
            raise ParameterError(f"fit takes (H, W, 3) frames or (N, 3) pixels, got shape {data.shape}")
    elif isinstance(data, (list, tuple)):
        arrays = [_pixels_of(f) for f in data]
    else:  # any iterable of frames, e.g. an open source: take the first MAX_FIT_FRAMES, sampled on arrival
        per = max(1, sample // MAX_FIT_FRAMES)
        arrays = []
        for _, f in zip(range(MAX_FIT_FRAMES), data):  # range first: no frame is read beyond the limit
            px = _pixels_of(f)
            arrays.append(px if len(px) <= per else px[rng.choice(len(px), per, replace=False)])
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        raise ParameterError("cannot fit a palette on an empty image")
    if any(a.dtype != np.uint8 for a in arrays):
        raise ParameterError(f"fit takes uint8 RGB, got {arrays[0].dtype}")
    per = max(1, sample // len(arrays))
    parts = [a if len(a) <= per else a[rng.choice(len(a), per, replace=False)] for a in arrays]
    return np.concatenate(parts)
