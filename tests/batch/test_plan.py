"""The plan: inputs, outputs, resume and chunks, without Dask or decoding."""

from __future__ import annotations

import numpy as np
import pytest

from videotools.batch.plan import (
    BatchError,
    Chunk,
    ChunkFold,
    find_videos,
    leftovers,
    make_plan,
    plan_chunks,
    warmup_seconds,
)
from videotools.batch.report import BatchItem, load_items, skipped, summary, write_report
from videotools.errors import ParameterError, SourceError
from videotools.processors.background import BackgroundModel, BackgroundState


def test_videos_longer_than_a_chunk_are_chunked():
    assert plan_chunks(79.5, 60) == [Chunk(0, None, 39.75), Chunk(1, 39.75, None)]
    assert plan_chunks(60.0, 60) == [Chunk(0, None, None)]
    assert plan_chunks(None, 60) == [Chunk(0, None, None)]  # length unknown: one task
    assert plan_chunks(500, None) == [Chunk(0, None, None)]
    chunks = plan_chunks(3600.0, 60)
    assert len(chunks) == 60 and all(a.end == b.start for a, b in zip(chunks, chunks[1:]))
    assert chunks[0].start is None and chunks[-1].end is None and chunks[1].start == 60.0


def test_the_first_chunks_merge_to_hold_the_warm_up():
    assert plan_chunks(12.0, 4, min_first=6.0) == [Chunk(0, None, 8.0), Chunk(1, 8.0, None)]
    assert plan_chunks(5.0, 4, min_first=6.0) == [Chunk(0, None, None)]
    chunks = plan_chunks(30.16, 4, min_first=12.0)  # the real 30 s clip at 12.5 fps, alpha 0.01: the rest keep 3.77 s
    assert [(c.start, c.end) for c in chunks] == [(None, 15.08), (15.08, 18.85), (18.85, 22.62), (22.62, 26.39),
                                                  (26.39, None)]
    # the header's mean rate (frames over duration) sets the planned length, with a margin of 1.5
    assert warmup_seconds(100, fps=12.5, frame_count=377, duration=30.16) == pytest.approx(12.0)
    assert warmup_seconds(100, fps=30.0, frame_count=None, duration=30.0) == pytest.approx(5.0)
    assert warmup_seconds(100, fps=None, frame_count=None, duration=None) == pytest.approx(6.0)
    assert warmup_seconds(1, fps=25.0, frame_count=10, duration=1.0) == 0.0
    with pytest.raises(ParameterError, match="--chunk-seconds must be >= 0, got -1"):
        plan_chunks(10, -1)


def test_relative_inputs_and_outputs_become_absolute(tmp_path, monkeypatch):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("in/a.mp4", "in/sub/b.MKV", "in/notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert find_videos("../in") == [tmp_path / "in/a.mp4", tmp_path / "in/sub/b.MKV"]
    assert find_videos("../in/*.mp4") == [tmp_path / "in/a.mp4"]
    plan = make_plan("../in", "../out", do="background", alphas=(0.1,))
    assert plan.out_dir == tmp_path / "out" and plan.root == tmp_path / "in"
    assert [j.outputs for j in plan.jobs] == [  # the background command's names, the folder in place of "a-"
        (tmp_path / "out/a/background-plate.png", tmp_path / "out/a/background-alpha0.1.png"),
        (tmp_path / "out/sub/b/background-plate.png", tmp_path / "out/sub/b/background-alpha0.1.png")]
    with pytest.raises(BatchError, match="no such file or folder: ../nothing"):
        find_videos("../nothing")
    with pytest.raises(BatchError, match="parent does not exist: .*/missing"):
        make_plan("../in", "../missing/out", do="posterize", alphas=(0.1,))
    with pytest.raises(ParameterError, match="--do must be background or posterize, got 'blur'"):
        make_plan("../in", "../out", do="blur", alphas=(0.1,))


def test_resume_keeps_only_incomplete_inputs(tmp_path):
    (tmp_path / "in").mkdir()
    for name in ("a", "b"):
        (tmp_path / f"in/{name}.mp4").write_bytes(b"x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out/a.mp4").write_bytes(b"done")
    plan = make_plan(tmp_path / "in", tmp_path / "out", do="posterize", alphas=(0.1,))
    assert [j.input.name for j in plan.todo] == ["b.mp4"]
    assert plan.palette_path == tmp_path / "out/palette.json"
    again = make_plan(tmp_path / "in", tmp_path / "out", do="posterize", alphas=(0.1,), overwrite=True)
    assert len(again.todo) == 2
    for name in (".b.1f2e3d4c.partial.mp4", "b.part0003.mp4", ".a.00000000.partial.mp4", "b.part.mp4", "bb.mp4"):
        (tmp_path / "out" / name).write_bytes(b"x")
    assert [p.name for p in leftovers(plan.todo[0])] == [".b.1f2e3d4c.partial.mp4", "b.part0003.mp4"]


def test_chunk_states_fold_into_the_sequential_ema_in_any_order():
    rng = np.random.default_rng(0)
    xs = rng.uniform(0, 255, (60, 4, 3))
    a = 0.05
    seq = xs[0].copy()
    for x in xs[1:]:
        seq = (1 - a) * seq + a * x
    bounds = [(0, 25), (25, 37), (37, 60)]
    states = []
    for i, (s, e) in enumerate(bounds):
        st = xs[0].copy() if i == 0 else np.zeros((4, 3))
        for x in xs[s + 1 if i == 0 else s:e]:
            st = (1 - a) * st + a * x
        states.append((i, e - s, st))
    fold = ChunkFold((a,), 3, min_first=20)
    for i, n, st in [states[2], states[0], states[1]]:
        assert not fold.done
        fold.add(i, n, [st])
    assert fold.done and fold.frames == 60
    np.testing.assert_allclose(fold.result()[0], seq, rtol=1e-6)
    with pytest.raises(SourceError, match="chunk 1 of 2 holds no frames"):
        ChunkFold((a,), 2, min_first=20).add(1, 0, [])


def test_a_short_first_chunk_runs_on_from_the_model_until_the_warm_up_is_over():
    """Chunks of 6, 8, 16 and 30 frames with a warm-up of 20: chunks 1 and 2 are run on from the model."""
    rng = np.random.default_rng(1)
    xs = rng.integers(0, 256, (60, 4, 5, 3), dtype=np.uint8)
    alphas = (0.2, 0.05)
    seq = BackgroundModel(alphas)
    for x in xs:
        seq.update(x)
    bounds = [(0, 6), (6, 14), (14, 30), (30, 60)]

    def zero_started(i):
        s, e = bounds[i]
        m = BackgroundModel.from_state(BackgroundState(1, [np.zeros((4, 5, 3), np.float32)] * 2), alphas,
                                       warmup=False)
        for x in xs[s:e]:
            m.update(x)
        return e - s, m.accumulators

    def run_on(i, state):
        m = BackgroundModel.from_state(state, alphas)
        for x in xs[slice(*bounds[i])]:
            m.update(x)
        return bounds[i][1] - bounds[i][0], m.accumulators

    fold = ChunkFold(alphas, 4, min_first=20)
    assert fold.add(3, *zero_started(3)) is None and fold.add(1, *zero_started(1)) is None  # early: they wait
    first = BackgroundModel(alphas)
    for x in xs[:6]:
        first.update(x)
    assert fold.add(0, 6, first.accumulators) == 1  # 6 frames: the warm-up goes on into chunk 1
    assert fold.model_state().t == 6
    assert fold.add(1, *run_on(1, fold.model_state()), model=True) == 2  # 14 frames: still warming up
    assert fold.add(2, *zero_started(2)) is None and not fold.done  # zero-started chunk 2: not usable
    assert fold.add(2, *run_on(2, fold.model_state()), model=True) is None  # 30 frames: warm; chunk 3 folds in
    assert fold.done and fold.frames == 60 and fold.continued == 2
    for got, want in zip(fold.result(), seq.accumulators):
        np.testing.assert_allclose(got, want, atol=1e-3)


def test_the_report_keeps_earlier_stats(tmp_path):
    path = tmp_path / "batch.json"
    write_report(path, "background", [BatchItem("/in/a.mp4", "done", frames=300, seconds=1.5, chunks=3),
                                      BatchItem("/in/b.mp4", "failed", error="cannot read a video")])
    earlier = load_items(path)
    again = skipped("/in/a.mp4", [tmp_path / "a.png"], earlier)
    assert (again.status, again.frames, again.seconds, again.chunks) == ("skipped", 300, 1.5, 3)
    assert skipped("/in/c.mp4", [], earlier).frames == 0
    assert load_items(tmp_path / "none.json") == {}
    lines = summary([again, earlier["/in/b.mp4"]], path)
    assert lines == [f"2 inputs: 0 done, 1 skipped (complete), 1 failed; report: {path}",
                     "failed: /in/b.mp4: cannot read a video"]
