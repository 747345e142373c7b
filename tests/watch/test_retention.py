import os

from videotools.watch.record import segment_path
from videotools.watch.retention import prune, segments


def _segment(folder, name, size, mtime):
    p = folder / name
    p.write_bytes(b"x" * size)
    os.utime(p, (mtime, mtime))
    return p


def test_oldest_go_first_beyond_age_or_size_and_never_the_current_one(tmp_path):
    now = 1_000_000.0
    old = [_segment(tmp_path, f"20260101-0000{i:02d}.mp4", 100, now - 3600 * (5 - i)) for i in range(5)]
    # ended 5, 4, 3, 2, 1 hours ago: keep 2.5 h -> the first three go
    assert prune(tmp_path, keep_seconds=2.5 * 3600, keep_bytes=None, now=now) == old[:3]
    assert segments(tmp_path) == old[3:]
    # 200 bytes left; keep 150 -> the oldest goes, the current (newest) stays even when alone over the limit
    assert prune(tmp_path, keep_seconds=None, keep_bytes=50, current=old[4], now=now) == [old[3]]
    assert segments(tmp_path) == [old[4]]


def test_names_sort_in_time_order_when_two_segments_start_in_one_second(tmp_path):
    first = segment_path(tmp_path, 0.0)
    first.write_bytes(b"")
    second = segment_path(tmp_path, 0.0)
    assert (first.name, second.name) == ("19700101-000000.mp4", "19700101-000000_2.mp4")
    second.write_bytes(b"")
    assert segments(tmp_path) == [first, second]
