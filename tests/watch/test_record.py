"""The recorders on their own: copied packets of two connections (a stream opened again) make two whole
segments; re-encoded frames are cut into whole segments by one encoder; every segment starts at 0."""

import av
import numpy as np

import videotools as vt
from tests.watch.conftest import ffmpeg_errors
from videotools.watch.record import CopyRecorder, EncodeRecorder
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
        with av.open(str(p)) as c:  # the keyframe is shown at 0 (not after the B-frames' delay), the sound with it
            first = next(c.decode(video=0))
            assert first.key_frame and first.time == 0.0
            assert 0 <= c.streams.audio[0].start_time * c.streams.audio[0].time_base < 0.03


def test_re_encoded_frames_are_cut_into_whole_segments_at_forced_keyframes(tmp_path):
    """7 s at 10 fps in 2 s segments: 20 + 20 + 20 + 10 frames, each segment opening on a keyframe at 0, every
    frame the scene's own (an odd size padded by one black row and column), zero decoding errors."""
    spec = "synthetic:traffic?size=321x181&fps=10&seconds=7"
    closed: list = []
    rec = EncodeRecorder(tmp_path, fps=10, seconds=2, on_closed=closed.append)
    with vt.open_source(spec) as src:
        scene = []
        for frame in src:
            rec.frame(frame, src.time)
            scene.append(frame.copy())
    rec.close()
    segs = segments(tmp_path)
    assert closed == segs and [ffmpeg_errors(p) for p in segs] == [[]] * 4
    got = []
    for p in segs:
        with av.open(str(p)) as c:
            frames = list(c.decode(video=0))
        assert frames[0].key_frame and frames[0].time == 0.0
        assert [round(f.time, 3) for f in frames] == [i / 10 for i in range(len(frames))]
        got.append(len(frames))
        for f in frames:
            rgb = f.to_ndarray(format="rgb24")
            assert rgb.shape == (182, 322, 3)  # padded with black (its chroma shared with the last row, column)
            assert rgb[181].mean() < 30 and rgb[:, 321].mean() < 30
            want = scene.pop(0)
            assert np.abs(rgb[:181, :321].astype(int) - want).mean() < 8
    assert got == [20, 20, 20, 10]


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


def test_sound_that_comes_after_a_cut_in_mpeg_ts_stays_with_the_segment_it_plays_in(cars_clip, tmp_path):
    """MPEG-TS sends video ahead of its sound: the sound before each cut arrives after the cut's keyframe. It
    goes to the segment it plays in, so each segment's sound ends with its pictures and none is lost (before,
    0.13-0.34 s of sound was dropped at every cut)."""
    import subprocess

    from tests.watch.conftest import FFMPEG

    ts = tmp_path / "cars.ts"
    subprocess.run([FFMPEG, "-v", "error", "-i", str(cars_clip), "-c", "copy", "-f", "mpegts", str(ts)], check=True,
                   timeout=60)
    out = tmp_path / "rec"
    out.mkdir()
    rec = CopyRecorder(out, seconds=1)
    with av.open(str(ts)) as c:
        sent = 0
        for packet in c.demux(c.streams.video[0], c.streams.audio[0]):
            if packet.pts is not None:
                sent += packet.stream.type == "audio"
                rec.packet(packet)
    rec.close()
    segs = segments(out)
    assert len(segs) == 4 and [ffmpeg_errors(p) for p in segs] == [[]] * 4
    kept = 0
    for p in segs:
        with av.open(str(p)) as c:
            video = [pk for pk in c.demux(c.streams.video[0]) if pk.pts is not None]
        with av.open(str(p)) as c:
            sound = [pk for pk in c.demux(c.streams.audio[0]) if pk.pts is not None]
        ends = [float((pk.pts + pk.duration) * pk.time_base) for pk in (max(video, key=lambda k: k.pts), sound[-1])]
        packet_s = float(sound[0].duration * sound[0].time_base)
        assert float(sound[0].pts * sound[0].time_base) < packet_s and abs(ends[0] - ends[1]) < packet_s
        kept += len(sound)
    assert kept >= sent - 1  # all but a packet before the first keyframe


def test_a_segment_that_cannot_be_written_pauses_the_recording_not_the_camera(cars_clip, tmp_path, caplog):
    """The folder gone (as a full disk refuses a new file): the recorder raises nothing (before, the error
    reached the camera, which restarted and played its file again from 0), says so once, tries again when
    the next segment is due, and says when it records again."""
    import logging
    import shutil

    out = tmp_path / "rec"
    out.mkdir()
    rec = CopyRecorder(out, seconds=1)
    gone_at, back_at = 1.5, 3.5
    with caplog.at_level(logging.WARNING, logger="videotools.watch.record"), av.open(str(cars_clip)) as c:
        for packet in c.demux(c.streams.video[0], c.streams.audio[0]):
            if packet.pts is None:
                continue
            t = float(packet.pts * packet.time_base)
            if gone_at is not None and t >= gone_at:
                shutil.rmtree(out)
                gone_at = None
            if back_at is not None and t >= back_at:
                out.mkdir()
                back_at = None
            rec.packet(packet)
    rec.close()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "recording paused" in said[0] and said[1].endswith("recording again")
    segs = segments(out)
    assert len(segs) == 2 and [ffmpeg_errors(p) for p in segs] == [[], []]  # 4.0-4.96 s and 4.96-5.92 s
