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
    # 200 bytes left; keep 50 -> the oldest would go, but the last one finished and the current one (being
    # written) stay, even over the limit: a limit smaller than a segment never leaves no recording at all
    current = _segment(tmp_path, "20260101-000005.mp4", 100, now)
    assert prune(tmp_path, keep_seconds=None, keep_bytes=50, current=current, now=now) == [old[3]]
    assert segments(tmp_path) == [old[4], current]
    # a camera stopped (nothing current): its last segment stays, however old or big
    current.unlink()
    assert prune(tmp_path, keep_seconds=60, keep_bytes=50, current=None, now=now) == []
    assert segments(tmp_path) == [old[4]]


def test_names_sort_in_time_order_when_two_segments_start_in_one_second(tmp_path):
    first = segment_path(tmp_path, 0.0)
    first.write_bytes(b"")
    second = segment_path(tmp_path, 0.0)
    assert (first.name, second.name) == ("19700101-000000.mp4", "19700101-000000_2.mp4")
    second.write_bytes(b"")
    assert segments(tmp_path) == [first, second]
    later = []
    for _ in range(9):  # _3 .. _11: _10 and _11 sort after _9, not after _1
        later.append(segment_path(tmp_path, 0.0))
        later[-1].write_bytes(b"")
    assert segments(tmp_path) == [first, second, *later] and later[-1].name == "19700101-000000_11.mp4"
