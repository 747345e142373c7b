"""The exact nearest-colour label of every 24-bit RGB colour, built row by row or by refining cubes.

A palette applied through a full 256³ table (16 MiB, one label per colour)
costs two gathers per pixel. Building the table by brute force would be 16.7
million distance computations per colour. Two exact ways avoid that.

**Rows** (up to :data:`ROW_MAX_K` colours, numpy only): along a row of the
table (B and G fixed, R = 0..255) a colour's squared distance is
``(R - r_i)² + c_i``; the R² term is the same for every colour, so the
nearest colour is the lowest of k straight lines in R. Each colour wins on
one interval of R (possibly empty), found in integers from its crossings
with the k - 1 others; the row is then those intervals, in the order of the
colours' R. That is k² vector operations over the 65,536 rows, whatever the
palette, with argmin's tie rule (the lower label) applied at each crossing.

**Cubes** (any k; compiled where numba is, see
:func:`videotools.kmeans.kernels.fill_rgb_table`): a Voronoi cell under Euclidean distance is convex, so if all eight
corners of a cube share one nearest centre, so does every colour inside it,
and the cube is filled without looking at its interior. Only cubes cut by a
cell boundary are split, down to 2x2x2 cubes, whose eight colours are then
all corners and computed exactly. Distances are integers below 2**24, so
float32 BLAS computes them without rounding.

This holds in RGB only: Lab cells are convex in Lab, not in RGB (see
:class:`videotools.kmeans.Palette` for the lazy Lab table).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from ..frames import I420ToRGB
from . import kernels

_LITTLE = sys.byteorder == "little"
# the eight corners of a unit cube as [b, g, r] offsets
_CORNERS = np.array([[db, dg, dr] for db in (0, 1) for dg in (0, 1) for dr in (0, 1)], np.int64)


def _nearest_fn(colors: np.ndarray):
    c = np.asarray(colors, np.float32)
    ct = np.ascontiguousarray(c.T)
    cc = (c * c).sum(1)

    def nearest(rgb: np.ndarray) -> np.ndarray:  # (M, 3) float32 RGB -> labels (exact: ints < 2**24)
        return (cc - 2.0 * (rgb @ ct)).argmin(1).astype(np.uint8)
    return nearest


def _corner_labels(nearest, ib: np.ndarray, ig: np.ndarray, ir: np.ndarray, s: int) -> np.ndarray:
    """``(M, 8)`` labels of the corners of the cubes of side ``s`` at cube indices ``(ib, ig, ir)``."""
    origin = np.stack([ir, ig, ib], 1).astype(np.float32) * s  # (M, 3) RGB
    offs = _CORNERS[:, ::-1].astype(np.float32) * (s - 1)  # corner offsets as (dr, dg, db)
    pts = (origin[:, None, :] + offs[None, :, :]).reshape(-1, 3)
    return nearest(pts).reshape(-1, 8)


ROW_MAX_K = 32
"""Palettes up to this size get their table row by row (numpy; cost grows as k²) unless numba's cube loop is
loaded, larger ones cube by cube."""
_ROWS_FIRST = 8  # up to this size rows cost no more than numba's cubes: used even when numba is loaded


def build_rgb_table(colors: np.ndarray) -> np.ndarray:
    """The exact nearest-colour label of every 24-bit RGB colour, as a ``(256, 256, 256) uint8`` [b, g, r] table.

    Row by row up to :data:`ROW_MAX_K` colours (:func:`row_table`), else cube
    by cube: compiled where numba is, else numpy (:func:`cube_table`). All
    give the same table (see the module docstring).

    Examples
    --------
    >>> t = build_rgb_table(np.array([[0, 0, 0], [255, 255, 255]]))
    >>> int(t[10, 20, 30]), int(t[200, 210, 220])
    (0, 1)
    """
    if len(colors) == 1:
        return np.zeros((256, 256, 256), np.uint8)
    loaded = kernels.table_kernel(wait=False)
    if len(colors) <= ROW_MAX_K and (loaded is None or len(colors) <= _ROWS_FIRST):
        return row_table(colors)
    return cube_table(colors, kernel=loaded or kernels.table_kernel())


def row_table(colors: np.ndarray) -> np.ndarray:
    """The table of :func:`build_rgb_table`, row by row (numpy; see the module docstring).

    Colour ``i`` wins at R where its line lies below every other colour's:
    with ``a_i`` its squared distance to the row's (B, G) plus ``r_i²``, it
    beats ``j`` where ``a_i - 2 r_i R < a_j - 2 r_j R`` (``<=`` if ``i < j``:
    the lower label wins a tie). With ``s = 2 (r_j - r_i)`` that is
    ``R <= floor((a_j - a_i - e) / s)`` for ``s > 0`` (``e`` = 1 if ``i > j``,
    else 0), ``R >= -floor((a_j - a_i - e) / -s)`` for ``s < 0``, and always
    or never for ``s = 0``. The quotients are of integers below 2**18 by
    integers up to 510, computed in float64 and floored: exact, as a true
    quotient within 1/510 of an integer is never rounded onto it.
    """
    c = np.asarray(colors, np.int64)
    k = len(c)
    order = np.lexsort((np.arange(k), c[:, 0]))  # by R, then label: the order the winners come in along R
    r, g, b = (c[order, ch].tolist() for ch in range(3))
    counts = np.empty((1 << 16, k), np.int64)  # each row's run of each colour, in the order above

    def rows(first: int, stop: int) -> None:  # rows first..stop-1; row = B * 256 + G
        row = np.arange(first, stop, dtype=np.float64)
        bb, gg = np.floor(row / 256), row % 256
        a = [r[i] * r[i] + (gg - g[i]) ** 2 + (bb - b[i]) ** 2 for i in range(k)]  # exact integers in float64
        hi = np.full((k, stop - first), 255.0)  # colour i's interval of R in each row: lo..hi
        lo = np.zeros((k, stop - first))
        for i in range(k):
            for j in range(k):
                if j == i:
                    continue
                d = a[j] - a[i]
                if order[i] > order[j]:  # i loses a tie to j
                    d -= 1.0
                s = 2 * (r[j] - r[i])
                if s > 0:
                    np.minimum(hi[i], np.floor(d / s), out=hi[i])
                elif s < 0:
                    np.maximum(lo[i], -np.floor(d / -s), out=lo[i])
                else:  # the same R: one of them wins the whole row
                    hi[i][d < 0] = -1.0
        counts[first:stop] = np.maximum(hi - lo + 1, 0).T

    with ThreadPoolExecutor(1, thread_name_prefix="videotools-table") as pool:  # numpy lets go of the GIL
        top = pool.submit(rows, 0, 1 << 15)
        rows(1 << 15, 1 << 16)
        top.result()
    table = np.repeat(np.tile(order.astype(np.uint8), 1 << 16), counts.ravel())
    assert table.size == 1 << 24, "row intervals must tile every row exactly"
    return table.reshape(256, 256, 256)


def cube_table(colors: np.ndarray, *, kernel: kernels.TableKernel | None = None) -> np.ndarray:
    """The table of :func:`build_rgb_table`, cube by cube: by ``kernel`` (compiled) if given, else numpy."""
    table = np.zeros((256, 256, 256), np.uint8)
    if len(colors) == 1:
        return table
    if kernel is not None:
        kernels.fill_rgb_table(np.asarray(colors), table, kernel)
        return table
    nearest = _nearest_fn(colors)
    s = 32
    ib, ig, ir = (a.ravel() for a in np.meshgrid(*[np.arange(256 // s)] * 3, indexing="ij"))
    while True:
        view = table.reshape(256 // s, s, 256 // s, s, 256 // s, s)
        lab = _corner_labels(nearest, ib, ig, ir, s)
        if s == 2:  # every colour of a 2-cube is a corner: all exact
            view[ib, :, ig, :, ir, :] = lab.reshape(-1, 2, 2, 2)
            return table
        uniform = (lab == lab[:, :1]).all(1)
        view[ib[uniform], :, ig[uniform], :, ir[uniform], :] = lab[uniform, 0][:, None, None, None]
        amb = ~uniform
        if not amb.any():
            return table
        # split ambiguous cubes into their eight children
        ib, ig, ir = [(2 * idx[amb][:, None] + _CORNERS[None, :, axis]).ravel()
                      for axis, idx in enumerate((ib, ig, ir))]
        s //= 2


_YUV_PAIRS = 4096  # (U, V) pairs converted per chunk: a 128 x 8192 image, 3 MiB of RGB


def build_yuv_table(rgb_table: np.ndarray, matrix: str = "bt601", full_range: bool = False) -> np.ndarray:
    """The label of every 8-bit (Y, U, V) triple: a flat 2**24 uint8 table indexed by ``U << 16 | V << 8 | Y``.

    Each triple is converted to RGB by the very conversion decoded frames go
    through (:class:`videotools.frames.I420ToRGB` for this matrix and range),
    then looked up in the flat RGB table (:func:`build_rgb_table`), so a
    frame's labels are those of the frame converted to RGB, exactly. The
    triples are laid out as I420 images 128 pixels wide in which one (U, V)
    pair covers two rows holding Y = 0..255 in order: converted, the RGB
    pixels come out in table order, with no scatter. Chunks of 4096 pairs
    run on two threads (OpenCV and the gathers release the GIL): 0.08 s
    where one thread took 0.14 s.

    Examples
    --------
    >>> rgb = build_rgb_table(np.array([[0, 0, 0], [255, 255, 255]])).reshape(-1)
    >>> yuv = build_yuv_table(rgb)
    >>> int(yuv[128 << 16 | 128 << 8 | 16]), int(yuv[128 << 16 | 128 << 8 | 235])  # limited-range black, white
    (0, 1)
    """
    rows = 2 * _YUV_PAIRS
    y = np.tile(np.arange(256, dtype=np.uint8).reshape(2, 128), (_YUV_PAIRS, 1)).reshape(-1)
    out = np.empty(1 << 24, np.uint8)

    def chunks(firsts: range) -> None:  # buffers kept from chunk to chunk (fresh 8 MiB arrays cost page faults)
        to_rgb = I420ToRGB(128, rows, matrix=matrix, full_range=full_range)  # one each: it keeps a buffer
        planes = np.empty((rows * 3 // 2, 128), np.uint8)
        planes.reshape(-1)[:y.size] = y
        rgba = np.empty((rows, 128, 4), np.uint8)
        codes = np.empty((rows, 128), np.intp)
        for first in firsts:
            pairs = np.arange(first, first + _YUV_PAIRS, dtype=np.uint32)
            chroma = planes.reshape(-1)[y.size:].reshape(2, _YUV_PAIRS, 64)
            chroma[0] = (pairs >> 8).astype(np.uint8)[:, None]  # U
            chroma[1] = (pairs & 255).astype(np.uint8)[:, None]  # V
            cv2.cvtColor(to_rgb(planes), cv2.COLOR_RGB2RGBA, dst=rgba)  # as pack_codes, into kept buffers
            np.bitwise_and(rgba.view(np.uint32)[..., 0], 0xFFFFFF, out=codes) if _LITTLE else \
                np.copyto(codes, pack_codes(rgba[..., :3]))  # pragma: no cover - big-endian machines
            np.take(rgb_table, codes, out=out[first << 8:(first + _YUV_PAIRS) << 8].reshape(rows, 128))

    firsts = range(0, 1 << 16, _YUV_PAIRS)
    with ThreadPoolExecutor(2, thread_name_prefix="videotools-table") as pool:
        list(pool.map(chunks, (firsts[0::2], firsts[1::2])))
    return out


def pack_codes(frame: np.ndarray) -> np.ndarray:
    """Pack an RGB uint8 frame into ``(H, W) uint32`` codes ``r + 256 g + 65536 b`` (indices into the table).

    Examples
    --------
    >>> pack_codes(np.array([[[1, 2, 3]]], np.uint8)).tolist()
    [[197121]]
    """
    if _LITTLE:
        rgba = cv2.cvtColor(frame, cv2.COLOR_RGB2RGBA)
        codes = rgba.view(np.uint32)[..., 0]
        np.bitwise_and(codes, 0xFFFFFF, out=codes)
        return codes
    f = frame.astype(np.uint32)  # pragma: no cover - big-endian machines
    return f[..., 0] | (f[..., 1] << 8) | (f[..., 2] << 16)


def unpack_codes(codes: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_codes` for a flat array: ``(N,) codes`` -> ``(N, 3) uint8`` RGB."""
    c = np.asarray(codes)
    return np.stack([c & 255, (c >> 8) & 255, c >> 16], 1).astype(np.uint8)


__all__ = ["ROW_MAX_K", "build_rgb_table", "build_yuv_table", "cube_table", "pack_codes", "row_table", "unpack_codes"]
