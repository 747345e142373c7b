"""A camera's statistics CSV on its own: a file that cannot be written never stops the camera."""

import csv
import logging

from videotools.watch.detect import Finding
from videotools.watch.outputs import STATS_COLUMNS, StatsLog

DAY = 1_780_000_000.0  # a UTC day's noon, so every row falls on the same day


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_rows_lost_to_a_full_disk_are_counted_and_the_csv_stays_whole(tmp_path, caplog):
    """The second day's file on a full disk (/dev/full): its rows are dropped and counted with one warning,
    tried again every ``retry`` s, and written once the file can be; a row torn at the end of the file is cut
    off before more are appended. Before, the OSError ended the camera (a file camera: failed for good)."""
    import time

    folder = tmp_path / "cam"
    folder.mkdir()
    stats = StatsLog(folder, flush=0, retry=10)
    finding = Finding(share=0.25, boxes=[(1, 2, 3, 4)])
    day2 = DAY + 86400
    second = folder / time.strftime("stats-%Y%m%d.csv", time.gmtime(day2))
    second.symlink_to("/dev/full")  # every write to it: no space left on device
    with caplog.at_level(logging.WARNING, logger="videotools.watch.outputs"):
        for i in range(5):
            stats.write(i / 5, finding, now=DAY + i)
        for i in range(5, 15):
            stats.write(i / 5, finding, now=day2 + i)
        second.unlink()
        second.write_text(",".join(STATS_COLUMNS) + "\n1.0,0.2,0.1,1,[[1,2")  # a row torn by the failure
        for i in range(15, 20):
            stats.write(i / 5, finding, now=day2 + i)
        stats.close()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "statistics not written (no space left on device" in said[0]
    assert said[1].endswith("(10 rows dropped)") and stats.dropped == 10
    first = folder / time.strftime("stats-%Y%m%d.csv", time.gmtime(DAY))
    assert len(_rows(first)) == 1 + 5
    rows = _rows(second)
    assert rows[0] == list(STATS_COLUMNS) and [r[1] for r in rows[1:]] == ["3.000", "3.200", "3.400", "3.600",
                                                                          "3.800"]
    assert all(len(r) == len(STATS_COLUMNS) for r in rows)
