"""Retention of recording segments: the oldest go first, beyond an age or a total size."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

SEGMENT_GLOB = "*.mp4"


def segments(folder: Path) -> list[Path]:
    """The published segments in ``folder``, oldest first (their names are their start times, ``_2``,
    ``_3``... ``_10`` for more in one second)."""
    return sorted((p for p in folder.glob(SEGMENT_GLOB) if not p.name.startswith(".")), key=_start)


def _start(path: Path) -> tuple[str, int]:
    stamp, _, n = path.stem.partition("_")
    return stamp, int(n) if n.isdigit() else 1


def prune(folder: Path, *, keep_seconds: float | None, keep_bytes: int | None, current: Path | None = None,
          now: float | None = None) -> list[Path]:
    """Delete the oldest segments that ended more than ``keep_seconds`` ago, then while the total exceeds
    ``keep_bytes``; ``current`` (being written) and the newest other segment (the last one finished, even
    when it alone exceeds ``keep_bytes``) are never deleted. Returns what was deleted."""
    now = time.time() if now is None else now
    found = []
    for p in segments(folder):
        with contextlib.suppress(OSError):
            st = p.stat()
            found.append((p, st.st_mtime, st.st_size))
    total = sum(size for _, _, size in found)
    finished = [p for p, _, _ in found if p != current]
    newest = finished[-1] if finished else None
    removed = []
    for p, mtime, size in found:
        if p in (current, newest):
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
