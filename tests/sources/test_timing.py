"""Times that only go forward: the Timeline alone, then a damaged AVI made from real footage."""

import subprocess

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT, ffmpeg_times
from videotools.sources.timing import Timeline

CARS = ROOT.parent / "shared" / "media" / "car-detection.mp4"


def _times(stamps, **kw):
    line = Timeline(1.0, **kw)
    return [t for _, t in line.run(enumerate(stamps))], line


@pytest.mark.parametrize("stamps", [
    [1, 3, 4, 2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 12],  # H.264 in AVI: pictures stamped in decode order
    [0, 3, 2, 4, 1, 8, 7, 9, 6, 5, 10],  # B-pyramid: a picture four places from its stamp
])
def test_stamps_out_of_order_come_out_sorted_and_even(stamps):
    got, line = _times([float(s) for s in stamps], origin=0.0)
    assert got == [float(t) for t in range(min(stamps), min(stamps) + len(stamps))]
    assert line.resets == 0


def test_a_repeated_stamp_takes_the_next_slot():
    got, _ = _times([0.0, 1.0, 2.0, 2.0, 2.0, 5.0, 6.0], origin=0.0)
    assert got == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_frames_without_a_stamp_follow_at_the_nominal_rate():
    got, _ = _times([None, None, 2.0, None, 4.0], origin=0.0)
    assert got == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_file_that_starts_again_goes_on_after_its_last_frame():
    got, line = _times([float(t) for t in (*range(10, 20), *range(0, 5))], origin=10.0)
    assert got == [float(t) for t in range(15)] and line.resets == 1


def test_a_live_stream_resumes_as_much_later_as_it_was_away():
    line = Timeline(0.1, live=True)
    out = []
    for i in range(10):  # 1 s of frames stamped from 50 s, arriving in real time
        out += line.push(i, 50.0 + i / 10, wall=100.0 + i / 10)
    for i in range(10):  # back after 4 s, the sender restarted: stamps from 1.4 s again
        out += line.push(10 + i, 1.4 + i / 10, wall=104.9 + i / 10)
    out += line.flush()
    times = [t for _, t in out]
    assert [i for i, _ in out] == list(range(20))
    assert np.allclose(np.diff(times[:10]), 0.1) and np.allclose(np.diff(times[10:]), 0.1)
    assert times[10] - times[9] == pytest.approx(4.0) and line.resets == 1


def test_a_live_stream_whose_clock_ran_on_keeps_its_own_times():
    line = Timeline(0.1, live=True)
    stamps = [5.0 + i / 10 for i in range(5)] + [9.5 + i / 10 for i in range(5)]  # away 4 s, clock ran on
    walls = [i / 10 for i in range(5)] + [4.5 + i / 10 for i in range(5)]
    out = [t for s, w in zip(stamps, walls) for _, t in line.push(0, s, wall=w)] + [t for _, t in line.flush()]
    assert out == pytest.approx([s - 5.0 for s in stamps]) and line.resets == 0


def _damaged(folder, kind):
    """Real footage made into a file whose timestamps a recording cannot keep as they are."""
    import imageio_ffmpeg

    ff = imageio_ffmpeg.get_ffmpeg_exe()

    def encode(out, start, seconds, *args):
        subprocess.run([ff, "-v", "error", "-ss", str(start), "-t", str(seconds), "-i", str(CARS),
                        "-vf", "scale=320:180", "-an", "-c:v", "libx264", "-g", "25", *args, str(out)], check=True)
        return out

    if kind == "avi":  # H.264 in AVI: each picture stamped with its packet's number, B-frames out of order
        return encode(folder / "damaged.avi", 0, 3, "-bf", "3")
    # two recordings joined (a camera that restarted): the second starts from the same timestamps again
    joined = folder / "joined.ts"
    joined.write_bytes(encode(folder / "a.ts", 0, 1.5).read_bytes() + encode(folder / "b.ts", 10, 1.5).read_bytes())
    return joined


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["avi", "joined"])
def test_a_damaged_file_gives_even_times_and_a_recording_without_errors(tmp_path, kind):
    import imageio_ffmpeg

    damaged = _damaged(tmp_path, kind)
    with vt.open_source(damaged) as src:
        times = [src.time for _ in src]
        fps = src.fps
    assert len(times) == len(ffmpeg_times(damaged)) == 38
    steps = np.diff(times)
    assert steps.min() > 0 and np.allclose(steps, 1 / fps, atol=1e-6), steps
    out = tmp_path / "copy.mp4"
    stats = vt.process(damaged, out=str(out))
    assert stats.frames == 38
    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "null", "-"],
                       capture_output=True, text=True)
    assert r.stderr == ""
    assert np.allclose(np.diff(ffmpeg_times(out)), 1 / fps, atol=1e-4)
