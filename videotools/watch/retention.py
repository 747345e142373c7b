"""Retention of recording segments: the oldest go first, beyond an age or a total size."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

SEGMENT_GLOB = "*.mp4"


def segments(folder: Path) -> list[Path]:
    """The published segments in ``folder``, oldest first (their names are their start times)."""
    return sorted(p for p in folder.glob(SEGMENT_GLOB) if not p.name.startswith("."))


def prune(folder: Path, *, keep_seconds: float | None, keep_bytes: int | None, current: Path | None = None,
          now: float | None = None) -> list[Path]:
    """Delete the oldest segments that ended more than ``keep_seconds`` ago, then while the total exceeds
    ``keep_bytes``; ``current`` (being written) is never deleted. Returns what was deleted."""
    now = time.time() if now is None else now
    found = []
    for p in segments(folder):
        with contextlib.suppress(OSError):
            st = p.stat()
            found.append((p, st.st_mtime, st.st_size))
    total = sum(size for _, _, size in found)
    removed = []
    for p, mtime, size in found:
        if p == current:
            continue
        too_old = keep_seconds is not None and now - mtime > keep_seconds
        too_big = keep_bytes is not None and total > keep_bytes
        if not (too_old or too_big):
            break  # oldest first: nothing after this one is due either
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        total -= size
        removed.append(p)
    return removed
