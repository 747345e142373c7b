"""What a camera keeps besides its recordings: pictures replaced atomically, and a statistics CSV per day."""

from __future__ import annotations

import csv
import logging
import time
from pathlib import Path
from typing import Any, TextIO

from .detect import Finding

STATS_COLUMNS = ("wall_time", "time", "foreground_share", "blobs", "boxes")

log = logging.getLogger(__name__)


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

    Rows are appended as they come, so memory stays flat however long the camera runs. A file that cannot
    be written (a full disk) never stops the camera: the rows of that time are dropped and counted, with one
    warning, and the file is tried again every ``retry`` s; a row torn by the failure is cut off first, so
    the file stays a clean CSV.
    """

    def __init__(self, folder: Path, *, flush: float = 2.0, retry: float = 10.0) -> None:
        self.folder, self.flush_every, self.retry = folder, flush, retry
        self._fh: TextIO | None = None
        self._day = ""
        self._writer: Any = None
        self._flushed = 0.0
        self._retry_at = 0.0
        self.dropped = 0  # rows that could not be written
        self._said = False

    def write(self, t: float, finding: Finding, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if now < self._retry_at:
            self.dropped += 1
            return
        day = time.strftime("%Y%m%d", time.gmtime(now))
        try:
            if day != self._day:
                self.close()
                self._open(self.folder / f"stats-{day}.csv")
                self._day = day
            self._writer.writerow((f"{now:.3f}", f"{t:.3f}", f"{finding.share:.6f}", len(finding.boxes),
                                   finding.boxes_json()))
            if now - self._flushed >= self.flush_every:
                assert self._fh is not None
                self._fh.flush()
                self._flushed = now
                self._written()
        except OSError as err:
            self._failed(err, now)

    def _open(self, path: Path) -> None:
        _cut_torn_row(path)
        new = not path.exists() or path.stat().st_size == 0
        self._fh = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 - kept open across rows
        self._writer = csv.writer(self._fh, lineterminator="\n")
        if new:
            self._writer.writerow(STATS_COLUMNS)

    def _failed(self, err: OSError, now: float) -> None:
        from ..files import describe

        self.dropped += 1  # at least this row; rows still buffered are lost with it
        if not self._said:
            log.warning("%s: statistics not written (%s); tried again every %g s", self.folder, describe(err),
                        self.retry)
            self._said = True
        fh, self._fh, self._day = self._fh, None, ""
        if fh is not None:
            try:
                fh.close()
            except OSError:
                pass  # its buffer is lost: the rows were counted as they failed
        self._retry_at = now + self.retry

    def _written(self) -> None:
        if self._said:
            log.warning("%s: statistics written again (%d rows dropped)", self.folder, self.dropped)
            self._said = False

    def close(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            try:
                fh.close()
            except OSError as err:
                self._fh = None
                self._failed(err, time.time())


def _cut_torn_row(path: Path) -> None:
    """Cut ``path`` back to its last whole line (a write that failed may have left half a row)."""
    try:
        size = path.stat().st_size
        if not size:
            return
        with open(path, "rb+") as fh:
            fh.seek(max(0, size - 65536))
            tail = fh.read()
            if tail.endswith(b"\n"):
                return
            fh.truncate(size - len(tail) + tail.rfind(b"\n") + 1)
    except FileNotFoundError:
        return
