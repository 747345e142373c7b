"""Giving back to the system the memory a finished segment freed, which glibc's allocator otherwise keeps.

Each segment opens and closes a muxer (and, re-encoding, an x264 encoder with
its threads): megabytes allocated and freed while the camera's other
allocations stay. glibc returns freed memory to the system only from the top
of each heap, so the holes left between live blocks accumulate and the
process's resident size creeps up with every segment, although nothing
leaks (``benchmarks/watch_soak.py`` measures it). ``malloc_trim(0)`` hands
those free pages back; it is glibc's own call, absent elsewhere (musl,
macOS, Windows), where nothing is done.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def memory_trimmer() -> Callable[[], None]:
    """A function that returns the free pages of the C heap to the system (glibc), or does nothing."""
    if not sys.platform.startswith("linux"):
        return _nothing
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already uses
    except (OSError, AttributeError):  # not glibc
        return _nothing
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int

    def trimmed() -> None:
        trim(0)  # returns whether memory was released: nothing to act on
    return trimmed


def _nothing() -> None:
    return None
