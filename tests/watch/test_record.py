"""The copy recorder on its own: packets of two connections (a stream opened again) make two whole segments."""

import av

from tests.watch.conftest import ffmpeg_errors
from videotools.watch.record import CopyRecorder
from videotools.watch.retention import segments


def test_a_stream_opened_again_starts_a_new_segment_at_its_first_keyframe(cars_clip, tmp_path):
    closed = []
    rec = CopyRecorder(tmp_path, seconds=60, on_closed=closed.append)
    counts = []
    for _ in range(2):  # the same clip twice, as two connections: timestamps start over
        with av.open(str(cars_clip)) as c:
            n = 0
            for packet in c.demux(c.streams.video[0], c.streams.audio[0]):
                if packet.dts is not None:
                    n += packet.stream.type == "video"
                    rec.packet(packet)
            counts.append(n)
    rec.close()
    segs = segments(tmp_path)
    assert len(segs) == 2 and closed == segs
    assert [ffmpeg_errors(p) for p in segs] == [[], []]
    for p, n in zip(segs, counts):
        with av.open(str(p)) as c:
            assert [s.type for s in c.streams] == ["video", "audio"]
            assert sum(1 for pk in c.demux(c.streams.video[0]) if pk.dts is not None) == n  # every picture, once


def test_matroska_b_frames_whose_first_packets_have_no_dts_are_recorded_whole(cars_clip, tmp_path):
    """Matroska gives a B-frame stream's first packets no dts: through FileSource's packet hook, the segment
    still starts at the first keyframe and holds every picture (the muxer derives the missing dts)."""
    import subprocess

    import videotools as vt
    from tests.watch.conftest import FFMPEG

    mkv = tmp_path / "cars.mkv"
    subprocess.run([FFMPEG, "-v", "error", "-i", str(cars_clip), "-t", "2", "-c:v", "libx264", "-bf", "2",
                    "-preset", "veryfast", "-c:a", "ac3", str(mkv)], check=True, timeout=120)
    with av.open(str(mkv)) as c:
        assert next(c.demux(c.streams.video[0])).dts is None  # what the test is about
    out = tmp_path / "rec"
    out.mkdir()
    rec = CopyRecorder(out, seconds=60)
    with vt.FileSource(mkv, on_packet=rec.packet) as src:
        frames = sum(1 for _ in src)
    rec.close()
    segs = segments(out)
    assert len(segs) == 1 and ffmpeg_errors(segs[0]) == []
    with vt.open_source(segs[0]) as seg:
        assert sum(1 for _ in seg) == frames == 25
