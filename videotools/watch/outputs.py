"""What a camera keeps besides its recordings: pictures replaced atomically, and a statistics CSV per day."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any, TextIO

from .detect import Finding

STATS_COLUMNS = ("wall_time", "time", "foreground_share", "blobs", "boxes")


def write_picture(path: Path, rgb: Any, *, quality: int = 80) -> None:
    """``rgb`` as a PNG or JPEG (by ``path``'s extension), replacing the old file in one step."""
    import cv2

    from ..errors import SinkError
    from ..files import write_bytes

    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix == ".jpg" else []
    ok, data = cv2.imencode(path.suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise SinkError(f"cannot encode {path}")
    write_bytes(path, data.tobytes(), overwrite=True)


class StatsLog:
    """One row per processed frame in ``stats-YYYYMMDD.csv`` (a file per UTC day), flushed every ``flush`` s.

    Rows are appended as they come, so memory stays flat however long the camera runs.
    """

    def __init__(self, folder: Path, *, flush: float = 2.0) -> None:
        self.folder, self.flush_every = folder, flush
        self._fh: TextIO | None = None
        self._day = ""
        self._writer: Any = None
        self._flushed = 0.0

    def write(self, t: float, finding: Finding, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        day = time.strftime("%Y%m%d", time.gmtime(now))
        if day != self._day:
            self.close()
            path = self.folder / f"stats-{day}.csv"
            new = not path.exists() or path.stat().st_size == 0
            self._fh = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 - kept open across rows
            self._writer = csv.writer(self._fh, lineterminator="\n")
            if new:
                self._writer.writerow(STATS_COLUMNS)
            self._day = day
        self._writer.writerow((f"{now:.3f}", f"{t:.3f}", f"{finding.share:.6f}", len(finding.boxes),
                               finding.boxes_json()))
        if now - self._flushed >= self.flush_every:
            assert self._fh is not None
            self._fh.flush()
            self._flushed = now

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
