"""``Palette``: up to 256 RGB colours, fitted with k-means and applied to frames by exact nearest-colour lookup.

For ``space="rgb"`` a palette builds the full 256³ table once
(:func:`videotools.kmeans.table.build_rgb_table`), then ``apply`` is two
table gathers per pixel. For ``space="lab"`` the cells are convex in Lab but
not in RGB, so the cube test does not hold there; the table is filled lazily
instead: each frame looks its colours up, and only colours never seen before
are computed exactly (in Lab, against the stored colours) and remembered. A
video's colours repeat, so after the first frames almost every pixel is a
table hit. Large frames are looked up in two row halves on two threads (the
gathers release the GIL).
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import FrameError, ParameterError
from ..files import write_text
from ..frames import Frame, YuvFrame, check_frame, rgb_to_yuv
from . import kernels
from .choices import DEFAULT_SAMPLE, MAX_K
from .colour import check_space, parse_color, to_hex, to_space
from .core import nearest
from .fitting import check_colors, check_fit, cluster
from .order import by_luminance, match_previous
from .sample import sample_pixels
from .table import build_rgb_table, build_yuv_table, pack_codes, unpack_codes

_UNSEEN = 0xFFFF  # a lazy Lab table's mark for a colour not looked up yet
_SPLIT_PIXELS = 400_000  # frames at least this large are looked up on two threads
KERNELS_AFTER = 30 * 1920 * 1080
"""Pixels a palette posterizes with numpy before it asks for numba's loops: 30 1080p frames, 150 480p ones.
Their load costs about as much CPU as numpy's lookup of 100-150 1080p frames beyond the compiled loop's (the
saving is per pixel), so a short run never loads them."""

Rows = Callable[[np.ndarray], np.ndarray]
YuvKey = tuple[str, bool]  # a YUV matrix and whether the range is full
Planes = tuple[np.ndarray, np.ndarray, np.ndarray]  # Y, U, V


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
    >>> pal = Palette.from_colors(["#000000", "#ffffff"])
    >>> pal.apply(np.array([[[10, 20, 30], [200, 210, 220]]], np.uint8)).tolist()
    [[[0, 0, 0], [255, 255, 255]]]
    """

    def __init__(self, colors: np.ndarray | Sequence[Sequence[int]], *, space: str = "rgb") -> None:
        c = np.asarray(colors)
        check_colors(c)
        self._colors = c.astype(np.uint8)
        self._colors.setflags(write=False)
        self.space = check_space(space)
        self._table: np.ndarray | None = None
        self._table_lock = threading.Lock()  # the RGB table is built once, on whichever thread asks first
        self._rgba = np.zeros(0, np.uint32)
        self._yuv: dict[YuvKey, tuple[np.ndarray, np.ndarray]] = {}  # (table, palette as Y, U, V)
        self._building: dict[YuvKey, Future[tuple[np.ndarray, np.ndarray]]] = {}  # Y, U, V tables on their way
        self._pool: ThreadPoolExecutor | None = None
        self._applied = 0  # pixels posterized: numba's loops are asked for after KERNELS_AFTER

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
        k = check_fit(k, sample, space)
        pixels = sample_pixels(data, sample, np.random.default_rng(seed))
        colors, labels = cluster(pixels, k, seed=seed, space=space, attempts=attempts)
        k = len(colors)
        if previous is not None and previous.k == k:
            if labels is None:
                labels = cls(colors, space=space).nearest(pixels)
            return cls(colors[match_previous(previous.nearest(pixels), labels, colors, previous.colors)], space=space)
        return cls(colors[by_luminance(colors)], space=space)

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
        doc = {"format": "videotools-palette", "version": 1, "k": self.k, "space": self.space,
               "colors": self._colors.tolist(), "hex": self.hex}
        return write_text(path, json.dumps(doc, indent=1) + "\n", overwrite=overwrite)

    # -- properties -----------------------------------------------------------------
    @property
    def colors(self) -> np.ndarray:
        """``(k, 3) uint8`` RGB, read-only; label i is ``colors[i]``."""
        return self._colors

    @property
    def k(self) -> int:
        """The number of colours."""
        return len(self._colors)

    @property
    def hex(self) -> list[str]:
        """The colours as ``#rrggbb``, in label order."""
        return [to_hex(c) for c in self._colors]

    def __repr__(self) -> str:
        return f"Palette(k={self.k}, space={self.space!r}, colors={self.hex})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Palette) and self.space == other.space
                and np.array_equal(self._colors, other._colors))

    def __getstate__(self) -> dict[str, Any]:  # ship colours only (to Dask workers), not the 16 MiB table
        return {"colors": self._colors.copy(), "space": self.space}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["colors"], space=state["space"])  # type: ignore[misc]

    # -- lookup ---------------------------------------------------------------------
    def build_lookup(self, *, wait: bool = True) -> Palette:
        """Build the lookup table now (else the first ``apply`` does). Returns self.

        With ``wait=False`` it is built on a thread: an ``apply`` meanwhile waits for it, while
        :meth:`apply_yuv` computes its frames' labels directly until the tables are ready.
        """
        if wait:
            self._lookup_table()
        elif self._table is None and self.space == "rgb":
            _on_thread(self._lookup_table, "videotools-table")
        return self

    def _lookup_table(self) -> np.ndarray:
        with self._table_lock:
            if self._table is None:
                rgba = np.zeros((self.k, 4), np.uint8)
                rgba[:, :3] = self._colors
                self._rgba = rgba.view(np.uint32).ravel()
                if self.space == "rgb":
                    self._table = build_rgb_table(self._colors).reshape(-1)
                else:
                    self._table = np.full(256 ** 3, _UNSEEN, np.uint16)
            return self._table

    def nearest(self, pixels: np.ndarray) -> np.ndarray:
        """Exact nearest-colour labels of ``(N, 3) uint8`` pixels by direct computation (no table)."""
        p = np.asarray(pixels).reshape(-1, 3)
        return nearest(to_space(p, self.space), to_space(self._colors, self.space)).astype(np.uint8)

    def labels(self, frame: Frame) -> np.ndarray:
        """``(H, W) uint8`` label map: the index of each pixel's nearest palette colour."""
        table = self._prepared(frame)
        return self._split(pack_codes(frame), lambda codes: np.take(table, codes).astype(np.uint8, copy=False))

    def apply(self, frame: Frame) -> Frame:
        """The frame with every pixel replaced by its nearest palette colour."""
        table, rgba = self._prepared(frame), self._rgba
        kernel = kernels.rgb_kernel(wait=False, start=self._count(frame.size // 3)) if self.space == "rgb" else None
        if kernel is not None:
            out = np.empty(frame.shape, np.uint8)  # C order, whatever the frame's strides
            self._halves(frame.shape[0], frame.size // 3, lambda rows: kernels.apply_rgb(
                table, frame, self._colors, out, rows=rows, kernel=kernel))
            return out

        def paint(codes: np.ndarray) -> np.ndarray:
            painted = np.take(rgba, np.take(table, codes))
            return cv2.cvtColor(painted.view(np.uint8).reshape(*codes.shape, 4), cv2.COLOR_RGBA2RGB)
        return self._split(pack_codes(frame), paint)

    def apply_yuv(self, frame: YuvFrame) -> YuvFrame:
        """:meth:`apply` for a decoded I420 frame, without converting it to RGB and back.

        Each pixel gets the label of its colour as converted to RGB (a table
        indexed by Y, U, V: :func:`~videotools.kmeans.table.build_yuv_table`,
        built once per colour matrix), then its palette colour in the frame's
        own matrix; each 2x2 block's chroma comes from its top-left pixel, as
        OpenCV's RGB -> I420 conversion does. So the result is exactly
        ``apply`` between the two conversions, at a third of the cost. RGB
        space only (a Lab table is learnt from RGB colours). Where numba is
        importable, one compiled pass does the lookup
        (:func:`~videotools.kmeans.kernels.apply_i420`, the same bytes), else
        numpy and OpenCV do. The tables are built on a thread the first time a
        matrix is seen; until it is ready, each frame takes the RGB route for
        its labels (:meth:`labels` of :meth:`YuvFrame.to_rgb`: the same
        bytes, about twice the cost).
        """
        if self.space != "rgb":
            raise FrameError(f"a {self.space} palette is applied to RGB frames only")
        out = frame.like(np.empty_like(frame.planes))
        key = (frame.matrix, frame.full_range)
        tables = self._yuv_tables(key)
        if tables is None:  # its Y, U, V table is still being built: the labels of the frame converted to RGB
            self._paint_yuv(self.labels(frame.to_rgb()), self._yuv_colours(key), out)
            self._yuv_tables(key, start=True)  # after the frame, which would otherwise share the cores with it
            return out
        table, yuv = tables
        y, u, v = frame.split()
        h, w = y.shape
        kernel = None if h % 2 or w % 2 else kernels.i420_kernel(wait=False, start=self._count(y.size))
        if kernel is not None:
            self._blocks(kernel, table, (y, u, v), yuv, out.split())
            return out
        up = [cv2.resize(c, (w, h), interpolation=cv2.INTER_NEAREST_EXACT) for c in (v, u)]  # each sample on 2x2
        codes = cv2.merge([y, *up, np.zeros_like(y)]).view(np.uint32)[..., 0]  # Y | V << 8 | U << 16
        self._paint_yuv(self._split(codes, lambda rows: np.take(table, rows)), yuv, out)
        return out

    def _count(self, pixels: int) -> bool:
        """Count a frame's pixels posterized; whether numba's loops are worth loading by now."""
        self._applied += pixels
        return self._applied > KERNELS_AFTER

    def _yuv_tables(self, key: YuvKey, *, start: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
        """The Y, U, V table and colours for ``key``; None while they are built on a thread (``start``: start it)."""
        if key in self._yuv:
            return self._yuv[key]
        building = self._building.get(key)
        if building is None and start:
            building = self._building[key] = _on_thread(lambda: self._build_yuv(key), "videotools-table")
        if building is None or not building.done():
            return None
        self._yuv[key] = building.result()
        del self._building[key]
        return self._yuv[key]

    def _build_yuv(self, key: YuvKey) -> tuple[np.ndarray, np.ndarray]:
        return build_yuv_table(self._lookup_table(), *key), self._yuv_colours(key)

    def _yuv_colours(self, key: YuvKey) -> np.ndarray:
        """Each label's colour as (Y, U, V) in the frame's matrix and range; (256, 3) uint8."""
        yuv = np.zeros((256, 3), np.uint8)
        yuv[:self.k] = rgb_to_yuv(self._colors, matrix=key[0], full_range=key[1])
        return yuv

    @staticmethod
    def _paint_yuv(labels: np.ndarray, yuv: np.ndarray, out: YuvFrame) -> None:
        """Write ``(H, W)`` labels' colours into ``out``'s planes, each 2x2 block's chroma from its top-left."""
        h, w = labels.shape
        labels = labels.astype(np.uint8, copy=False)
        oy, ou, ov = out.split()
        cv2.LUT(labels, yuv[:, 0], dst=oy)
        corners = cv2.resize(labels, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)  # top-left of each block
        cv2.LUT(corners, yuv[:, 1], dst=ou)
        cv2.LUT(corners, yuv[:, 2], dst=ov)

    def _prepared(self, frame: Frame) -> np.ndarray:
        """The table, with every colour of ``frame`` in it (a Lab table learns the colours it has not seen)."""
        check_frame(frame)
        table = self._lookup_table()
        if self.space == "lab":
            codes = pack_codes(frame)
            miss = np.take(table, codes) == _UNSEEN
            if miss.any():
                new = np.unique(codes[miss])
                table[new] = self.nearest(unpack_codes(new))
        return table

    def colorize(self, labels: np.ndarray) -> Frame:
        """Paint a label map with the palette's colours."""
        lab = np.asarray(labels)
        if lab.size and int(lab.max()) >= self.k:
            raise FrameError(f"label {int(lab.max())} out of range for a palette of {self.k}")
        return self._colors[lab]

    def _helpers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(2, thread_name_prefix="videotools-palette")
            weakref.finalize(self, self._pool.shutdown, wait=False)  # threads end with the palette
        return self._pool

    def _split(self, codes: np.ndarray, rows: Rows) -> np.ndarray:
        """Run ``rows`` on two row halves in two threads for large frames (the gathers release the GIL)."""
        h = codes.shape[0]
        if codes.size < _SPLIT_PIXELS or h < 2:
            return rows(codes)
        mid = h // 2
        top = self._helpers().submit(rows, codes[:mid])
        bottom = rows(codes[mid:])
        return np.concatenate([top.result(), bottom])

    def _blocks(self, kernel: kernels.I420Kernel, table: np.ndarray, planes: Planes, colours: np.ndarray,
                out: Planes) -> None:
        """The compiled lookup, on two halves of the rows in two threads for large frames (it holds no GIL)."""
        y, u, v = planes
        self._halves(u.shape[0], y.size, lambda rows: kernels.apply_i420(table, y, u, v, colours, out, rows=rows,
                                                                         kernel=kernel))

    def _halves(self, rows: int, pixels: int, run: Callable[[tuple[int, int]], None]) -> None:
        """``run((first, stop))`` over ``rows``: in two halves on two threads for large frames (it holds no GIL)."""
        half = rows // 2
        if pixels < _SPLIT_PIXELS or half == 0:
            run((0, rows))
            return
        top = self._helpers().submit(run, (0, half))
        run((half, rows))
        top.result()

    def close(self) -> None:
        """Release the helper threads now (they are also released when the palette is garbage-collected)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def _on_thread(fn: Callable[[], Any], name: str) -> Future[Any]:
    """Run ``fn`` on a new thread; its result (or exception) in the future returned."""
    done: Future[Any] = Future()

    def run() -> None:
        try:
            done.set_result(fn())
        except BaseException as err:  # noqa: BLE001 - handed to whoever asks for the result
            done.set_exception(err)

    threading.Thread(target=run, name=name, daemon=True).start()
    return done


__all__ = ["DEFAULT_SAMPLE", "KERNELS_AFTER", "MAX_K", "Palette"]
