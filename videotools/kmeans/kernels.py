"""Compiled per-pixel loops (numba) where numba is importable; numpy and OpenCV do the same work otherwise.

Three loops, each giving bit for bit what the numpy path gives (tested both ways):

* :func:`apply_i420`, a planar posterize in one pass. The numpy path costs
  several passes over a frame (upsample both chroma planes, pack codes,
  gather, paint, downsample); this loop goes 2x2 block by 2x2 block: the
  block's (U, V) pair picks one 256-entry row of the Y, U, V table, its four
  Y bytes pick four labels from that row, and the output planes are written
  at once.
* :func:`apply_rgb`, the same for RGB frames (a camera's): one table
  read and one colour per pixel, where numpy packs, gathers twice and
  unpacks;
* :func:`fill_rgb_table`, the exact 256³ nearest-colour table, by pruning
  candidate colours cube by cube, with integer distances and argmin's tie
  rule (the lower label).

Numba is optional: :func:`i420_kernel`, :func:`rgb_kernel` and :func:`table_kernel` return None
where it is not installed or does not load (callers then take the numpy
path), or when ``VIDEOTOOLS_KERNELS=numpy`` is set. Importing numba and
loading the loops from its on-disk cache takes a few tenths of a second,
so :func:`preload` starts that on a thread when a palette asks for it, and
nothing waits for it: until the loops are loaded, frames are
posterized by numpy (the same bytes; ``wait=False``), and a palette's
table is built row by row in numpy (:func:`videotools.kmeans.table.row_table`).
A palette asks for the load only once it has posterized as many pixels as
30 1080p frames hold (:data:`videotools.kmeans.palette.KERNELS_AFTER`): a
short run is done before the loops would have paid for their load. The loops are
compiled for one signature each (at the first use on a machine) and cached
by numba: next to the package's files, or in the user's cache folder
where those are read-only, or in ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

I420Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                       np.ndarray, int, int], None]
TableKernel = Callable[[np.ndarray, np.ndarray, int, int], None]
RgbKernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int], None]
Kernels = tuple[I420Kernel, TableKernel, RgbKernel]
_LOCK = threading.Lock()


_STARTED = threading.Event()  # a load has been started (by preload or a first call)


@functools.cache  # like an import: loaded once per process, never changed
def _load() -> Kernels | None:
    if os.environ.get("VIDEOTOOLS_KERNELS", "").lower() == "numpy":
        return None
    try:
        jit = _import_jit()  # imports numba; compiles or loads from its cache
        return jit.apply_i420_blocks, jit.fill_rgb_table, jit.apply_rgb_rows
    except ImportError as err:
        log.debug("numba not importable (%s): posterize uses numpy", err)
        return None
    except Exception as err:  # noqa: BLE001 - numba failing to compile or load its cache: numpy does the work
        log.debug("numba kernel unavailable (%s: %s); using numpy", type(err).__name__, err)
        return None


def _import_jit() -> Any:
    """Import the compiled loops; in the ``videotools`` command, without numba's look for SciPy's BLAS.

    numba checks once, when it first compiles or loads a loop, whether a BLAS is there by importing
    ``scipy.linalg`` (0.3-0.4 s where SciPy is installed; it is no dependency of ours). These loops
    use no BLAS, and nothing else in the command's process runs numba, so there the check is told
    SciPy's BLAS is missing (numba's own loops then do its inner products); a program that imports
    videotools keeps numba's usual check.
    """
    from .. import startup

    name = "scipy.linalg.cython_blas"
    skip = startup.is_command() and name not in sys.modules and "scipy.linalg" not in sys.modules
    if skip:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` of it raises ImportError
    try:
        return importlib.import_module(f"{__package__}._jit")
    finally:
        if skip and sys.modules.get(name, 0) is None:
            del sys.modules[name]


def _loaded(wait: bool, start: bool = True) -> Kernels | None:
    """The loaded kernels (or None without numba); with ``wait=False``, None at once while they still load
    (and, with ``start``, their load started on a thread)."""
    if not wait and not _load.cache_info().currsize:
        if start:
            preload()
        return None
    with _LOCK:  # a preload under way finishes first
        return _load()


def i420_kernel(*, wait: bool = True, start: bool = True) -> I420Kernel | None:
    """The compiled block loop, or None (no numba, or ``VIDEOTOOLS_KERNELS=numpy``); loads it on first call.

    With ``wait=False``: None at once while the loop is still loading (the load goes on, on a
    thread, started now unless ``start`` is False), so a caller does the work with numpy meanwhile
    rather than wait.
    """
    loaded = _loaded(wait, start)
    return None if loaded is None else loaded[0]


def table_kernel(*, wait: bool = True) -> TableKernel | None:
    """The compiled table builder (see :func:`fill_rgb_table`), or None as for :func:`i420_kernel`.

    ``wait=False`` only looks: it starts no load (a table of a few colours is built as fast without
    numba, and loading it beside the table would slow both).
    """
    loaded = _loaded(wait, start=False)
    return None if loaded is None else loaded[1]


def rgb_kernel(*, wait: bool = True, start: bool = True) -> RgbKernel | None:
    """The compiled RGB lookup (see :func:`apply_rgb`), or None as for :func:`i420_kernel`."""
    loaded = _loaded(wait, start)
    return None if loaded is None else loaded[2]


def preload() -> None:
    """Start loading the kernels on a thread (once), so that their first real call finds them ready."""
    if _STARTED.is_set() or _load.cache_info().currsize:
        return
    _STARTED.set()
    threading.Thread(target=_loaded, args=(True,), name="videotools-kernels").start()


def fill_rgb_table(colours: np.ndarray, table: np.ndarray, kernel: TableKernel) -> None:
    """Fill a ``(256, 256, 256) uint8`` [b, g, r] table with each colour's nearest of ``colours`` (RGB).

    Cubes of 16, then of 4, keep only the colours that can be nearest
    somewhere inside them (whose distance to the cube is no more than the
    smallest distance within which some colour reaches all of it); a cube
    left with one colour is filled, the others are computed colour by colour
    in integers, among the colours kept, the lowest label winning a tie, as
    ``argmin`` does. So the table is exactly the numpy one. Two threads each
    take half of the 16-cubes.
    """
    c = np.ascontiguousarray(colours, np.int64)
    with ThreadPoolExecutor(2, thread_name_prefix="videotools-table") as pool:
        top = pool.submit(kernel, c, table, 0, 2048)
        kernel(c, table, 2048, 4096)
        top.result()


def apply_i420(table: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, colours: np.ndarray,
               out: tuple[np.ndarray, np.ndarray, np.ndarray], *, rows: tuple[int, int] | None = None,
               kernel: I420Kernel | Any = None) -> None:
    """Posterize I420 planes by the Y, U, V table into ``out``, 2x2 block by block.

    Parameters
    ----------
    table : (2**24,) uint8
        Labels indexed by ``U << 16 | V << 8 | Y``
        (:func:`~videotools.kmeans.table.build_yuv_table`).
    y : (H, W) uint8
    u, v : (H/2, W/2) uint8
        Even ``H`` and ``W``; C-contiguous.
    colours : (256, 3) uint8
        Each label's colour as (Y, U, V).
    out : three arrays shaped like ``y``, ``u``, ``v``
    rows : (first, stop), optional
        Only these chroma rows (luma rows ``2 first`` to ``2 stop``): two
        calls on two halves can run on two threads (the loop holds no GIL).
    kernel : optional
        The compiled loop (default :func:`i420_kernel`, which must not be None).
    """
    run = kernel or i420_kernel()
    assert run is not None, "apply_i420 needs numba: check i420_kernel() first"
    first, stop = rows if rows is not None else (0, u.shape[0])
    y, u, v = (np.ascontiguousarray(p) for p in (y, u, v))
    run(table.reshape(1 << 16, 256), y, u, v, colours, *out, first, stop)


def apply_rgb(table: np.ndarray, frame: np.ndarray, colours: np.ndarray, out: np.ndarray, *,
              rows: tuple[int, int] | None = None, kernel: RgbKernel | Any = None) -> None:
    """Paint an ``(H, W, 3) uint8`` RGB frame with its nearest palette colours into ``out``, in one pass.

    ``table`` is the flat [b, g, r] label table
    (:func:`~videotools.kmeans.table.build_rgb_table`), ``colours`` the
    ``(k, 3) uint8`` palette; ``rows`` and ``kernel`` as for :func:`apply_i420`.
    """
    run = kernel or rgb_kernel()
    assert run is not None, "apply_rgb needs numba: check rgb_kernel() first"
    first, stop = rows if rows is not None else (0, frame.shape[0])
    run(np.ascontiguousarray(frame), table, colours, out, first, stop)


__all__ = ["apply_i420", "apply_rgb", "fill_rgb_table", "i420_kernel", "preload", "rgb_kernel", "table_kernel"]
