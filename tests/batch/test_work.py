"""What the workers run, called directly: exact chunks, exact background combination, the join."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

import videotools as vt
from tests.batch.conftest import frames_of
from videotools.batch.plan import Chunk, ChunkFold, plan_chunks, warmup_frames, warmup_seconds
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


@pytest.mark.parametrize("warmup", [True, False])
def test_chunked_background_equals_the_sequential_one_to_float32_rounding(clips, warmup):
    alphas = (0.1, 0.05)
    seq = vt.BackgroundModel(alphas, warmup=warmup)
    frames, _ = frames_of(clips["vfr"])
    for f in frames:
        seq.update(f)
    info = probe(str(clips["vfr"]))
    warm = warmup_frames(alphas, warmup)
    chunks = plan_chunks(info["duration"], 2.5, min_first=1.5 * warm / info["fps"])
    assert len(chunks) == 5
    results = [background_chunk(str(clips["vfr"]), c, alphas=alphas, warmup=warmup, selective=False,
                                threshold=25.0) for c in chunks]
    fold = ChunkFold(alphas, len(chunks), min_first=warm)
    for r in results[::-1]:  # arrival order does not matter
        assert fold.add(r["index"], r["frames"], r["states"], model=r["model"]) is None
    assert fold.frames == len(frames) == 240
    for got, want, png in zip(fold.result(), seq.accumulators, seq.backgrounds):
        assert np.abs(got - want).max() < 1e-3  # float32 rounding of 240 updates
        levels = np.abs(cv2.convertScaleAbs(got).astype(int) - png)
        assert levels.max() <= 1 and (levels > 0).mean() < 0.001  # PNGs within one level, at very few pixels


def test_a_slow_start_runs_the_model_on_across_chunks_and_equals_the_sequential_background(clips):
    """20 frames in the first 4 s, then 100 fps: the planned first chunk holds 9 frames of a warm-up of 50."""
    alphas = (0.1, 0.02)
    path = str(clips["slow_start"])
    seq = vt.BackgroundModel(alphas)
    frames, _ = frames_of(clips["slow_start"])
    for f in frames:
        seq.update(f)
    info = probe(path)
    warm = warmup_frames(alphas, True)
    chunks = plan_chunks(info["duration"], 1.0, min_first=warmup_seconds(
        warm, fps=info["fps"], frame_count=info["frame_count"], duration=info["duration"]))
    assert len(chunks) == 7
    options = {"alphas": alphas, "warmup": True, "selective": False, "threshold": 25.0}
    fold = ChunkFold(alphas, len(chunks), min_first=warm)
    for r in [background_chunk(path, c, **options) for c in chunks[::-1]]:  # all at once, as the batch sends them
        again = fold.add(r["index"], r["frames"], r["states"], model=r["model"])
    ran_on = []
    while again is not None:  # what the batch does: the next chunk on from the model, one at a time
        ran_on.append(again)
        r = background_chunk(path, chunks[again], state=fold.model_state(), **options)
        assert r["model"] and r["index"] == again
        again = fold.add(r["index"], r["frames"], r["states"], model=True)
    assert ran_on == [1, 2, 3] and fold.done and fold.frames == len(frames) == 320
    for got, want, png in zip(fold.result(), seq.accumulators, seq.backgrounds):
        assert np.abs(got - want).max() < 1e-3
        assert np.abs(cv2.convertScaleAbs(got).astype(int) - png).max() <= 1


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
