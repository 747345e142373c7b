"""The plan: inputs, outputs, resume and chunks, without Dask or decoding."""

from __future__ import annotations

import pytest

from videotools.batch.plan import (
    BatchError,
    Chunk,
    find_videos,
    leftovers,
    make_plan,
    plan_chunks,
)
from videotools.batch.report import BatchItem, load_items, skipped, summary, write_report
from videotools.errors import ParameterError


def test_videos_longer_than_a_chunk_are_chunked():
    assert plan_chunks(79.5, 60) == [Chunk(0, None, 39.75), Chunk(1, 39.75, None)]
    assert plan_chunks(60.0, 60) == [Chunk(0, None, None)]
    assert plan_chunks(None, 60) == [Chunk(0, None, None)]  # length unknown: one task
    assert plan_chunks(500, None) == [Chunk(0, None, None)]
    chunks = plan_chunks(3600.0, 60)
    assert len(chunks) == 60 and all(a.end == b.start for a, b in zip(chunks, chunks[1:]))
    assert chunks[0].start is None and chunks[-1].end is None and chunks[1].start == 60.0
    with pytest.raises(ParameterError, match="^chunk_seconds must be >= 0, got -1"):
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
    with pytest.raises(ParameterError, match="^do must be background or posterize, got 'blur'"):
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
