"""What the workers run, called directly: exact chunks, the background of a video, the join."""

from __future__ import annotations

import av
import numpy as np
import pytest

import videotools as vt
from tests.batch.conftest import frames_of
from videotools.batch.plan import Chunk, plan_chunks
from videotools.batch.work import background_chunk, join, posterize_part, probe


@pytest.mark.parametrize("name", ["long", "vfr"])
def test_chunks_hold_exactly_the_frames_of_a_sequential_read(clips, name):
    frames, times = frames_of(clips[name])
    info = probe(str(clips[name]))
    chunks = plan_chunks(info["duration"], info["duration"] / 3.3)  # boundaries between frames, anywhere
    assert len(chunks) == 4
    got = []
    for c in chunks:
        with vt.FileSource(clips[name], start=c.start, end=c.end) as src:
            got += [(src.time, f) for f in src]
    assert [t for t, _ in got] == times  # nothing lost, nothing doubled, variable rate included
    assert all(np.array_equal(f, frames[i]) for i, (_, f) in enumerate(got))


def test_joined_recordings_are_found_so_they_are_not_cut_by_timestamp(clips, tmp_path):
    """Two MPEG-TS recordings joined (``cat a.ts b.ts``): their timestamps start again halfway, so a seek by
    time is ambiguous; probe says so and the batch posterizes such a file in one piece (before, chunks by
    time gave 38 of 76 frames of real footage, silently)."""
    import subprocess

    import imageio_ffmpeg

    one = tmp_path / "one.ts"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(clips["short"]), "-c", "copy",
                    "-f", "mpegts", str(one)], check=True)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(one.read_bytes() * 2)
    assert probe(str(joined))["restarts"] is True
    assert probe(str(one))["restarts"] is False and probe(str(clips["short"]))["restarts"] is False
    with vt.open_source(joined) as src:
        assert sum(1 for _ in src) == 2 * len(frames_of(clips["short"])[1])  # read whole, it plays whole


def test_posterized_parts_join_into_the_whole_video_with_its_sound(clips, tmp_path):
    pal = vt.Palette.from_colors(["#202020", "#50803a", "#a0a0a0", "#e0e0e0", "#c03030"])
    path = str(clips["vfr"])
    info = probe(path)
    whole = posterize_part(path, str(tmp_path / "whole.mp4"), pal, plan_chunks(None, None)[0], crf=18,
                           preset="veryfast", fps=info["fps"], audio=True)
    chunks = plan_chunks(info["duration"], 3.0)
    parts = [posterize_part(path, str(tmp_path / f"p{c.index}.mp4"), pal, c, crf=18, preset="veryfast",
                            fps=info["fps"]) for c in chunks]
    assert [p["frames"] for p in parts] != [] and sum(p["frames"] for p in parts) == whole["frames"] == 240
    join([p["out"] for p in parts], [p["t_first"] for p in parts], str(tmp_path / "joined.mp4"), audio_from=path)
    assert not any((tmp_path / f"p{c.index}.mp4").exists() for c in chunks)  # parts removed once joined
    (a, ta), (b, tb) = frames_of(tmp_path / "joined.mp4"), frames_of(tmp_path / "whole.mp4")
    _, ts = frames_of(clips["vfr"])
    assert len(a) == len(b) == 240
    np.testing.assert_allclose(ta, ts, atol=1e-3)  # the source's variable timing, across the joins
    np.testing.assert_allclose(tb, ts, atol=1e-3)
    for i in range(240):
        assert np.abs(a[i].astype(int) - b[i]).mean() < 3, i
    with av.open(str(tmp_path / "joined.mp4")) as c:
        sound = c.streams.audio[0]
        assert sound.codec_context.name == "aac"  # copied from the source
        end = max(float((p.pts + p.duration) * sound.time_base) for p in c.demux(sound) if p.pts is not None)
    assert abs(end - ts[-1]) < 0.1


def test_a_whole_video_gives_the_background_commands_plate_and_a_chunk_none(clips):
    path = str(clips["short"])
    options = {"alphas": (0.1, 0.01), "warmup": True, "selective": False, "threshold": 25.0}
    model = vt.BackgroundModel((0.1, 0.01), plate=True)
    for f in frames_of(clips["short"])[0]:
        model.update(f)
    whole = background_chunk(path, Chunk(0, None, None), **options)
    assert whole["frames"] == 50 and whole["plate"].dtype == np.uint8
    assert np.array_equal(whole["plate"], model.plate)
    assert all(np.array_equal(a, b) for a, b in zip(whole["states"], model.accumulators))
    part = background_chunk(path, Chunk(0, None, 1.0), **options)  # a chunk: running averages only
    assert part["frames"] == 25 and part["plate"] is None
