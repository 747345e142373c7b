"""Batches run through the API on a two-worker LocalCluster: bounded keys, one palette, resume."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest
from distributed.diagnostics.plugin import SchedulerPlugin

import videotools as vt
from tests.batch.conftest import CARS, ffmpeg_errors, frames_of, make_clip
from videotools.batch import run_batch


class PeakKeys(SchedulerPlugin):
    """Records the most keys the scheduler held at any transition."""

    name = "videotools-peak-keys"

    def __init__(self) -> None:
        self.peak = 0
        self.scheduler = None

    async def start(self, scheduler) -> None:
        self.scheduler = scheduler

    def update_graph(self, scheduler, **kwargs) -> None:
        self.peak = max(self.peak, len(scheduler.tasks))

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        self.peak = max(self.peak, len(self.scheduler.tasks))


def _peak(dask_scheduler):
    return dask_scheduler.plugins[PeakKeys.name].peak


@pytest.fixture(scope="module")
def folder(tmp_path_factory, clips):
    """Eight short clips and the 12 s one."""
    d = tmp_path_factory.mktemp("batch-in")
    for i in range(8):
        make_clip(d / f"cam{i}.mp4", seconds=1, seed=10 + i)
    os.symlink(clips["long"], d / "long.mp4")
    return d


@pytest.mark.parametrize("do", ["background", "posterize"])
def test_keys_on_the_scheduler_stay_bounded_by_the_workers(client, folder, tmp_path, do):
    client.register_plugin(PeakKeys())
    try:
        report = run_batch(folder, tmp_path / "out", do=do, chunk_seconds=4, k=4, client=client)
        peak = client.run_on_scheduler(_peak)
    finally:
        client.unregister_scheduler_plugin(PeakKeys.name)
    assert [it.status for it in report] == ["done"] * 9
    chunks = {it.input.rsplit("/", 1)[1]: it.chunks for it in report}["long.mp4"]
    assert chunks > 1 if do == "posterize" else chunks == 1  # a background (its plate) is one sequential pass
    workers = len(client.scheduler_info()["workers"])
    assert 2 <= peak <= 2 * workers + 2, peak  # 9 inputs, 18+ tasks with the probes: never all at once
    assert sum(it.frames for it in report) == 8 * 25 + 300


def test_an_interrupted_posterize_batch_resumes_to_the_same_bytes(client, folder, tmp_path):
    whole = run_batch(folder, tmp_path / "a", do="posterize", chunk_seconds=4, k=5, client=client)
    assert all(it.status == "done" for it in whole)

    def interrupt(p):
        if p.inputs_done >= 1 and threading.current_thread() is threading.main_thread():
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(folder, tmp_path / "b", do="posterize", chunk_seconds=4, k=5, client=client, progress=interrupt)
    first = json.loads((tmp_path / "b" / "batch.json").read_text())
    assert 1 <= first.get("done", 0) < 9 and first["pending"] >= 1  # the report says where it stopped
    outputs = sorted(p.name for p in (tmp_path / "b").glob("*.mp4"))
    palette_time = (tmp_path / "b" / "palette.json").stat().st_mtime_ns
    assert all((tmp_path / "b" / n).stat().st_mtime_ns >= palette_time for n in outputs)  # palette first
    resumed = run_batch(folder, tmp_path / "b", do="posterize", chunk_seconds=4, k=5, client=client)
    assert {it.status for it in resumed} <= {"done", "skipped"} and any(it.status == "done" for it in resumed)
    names = sorted(p.name for p in (tmp_path / "a").iterdir() if p.name != "batch.json")
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir() if p.name != "batch.json")
    assert "palette.json" in names and "long.mp4" in names
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n
    report = {it["input"]: it for it in json.loads((tmp_path / "b" / "batch.json").read_text())["items"]}
    for it in first["items"]:  # what the first run finished keeps its stats
        if it["status"] == "done":
            kept = report[it["input"]]
            assert (kept["status"], kept["frames"], kept["seconds"]) == ("skipped", it["frames"], it["seconds"])


def test_palette_from_overrides_and_is_saved(client, clips, tmp_path):
    pal = vt.Palette.from_colors(["#202020", "#50803a", "#a0a0a0", "#e0e0e0"])
    report = run_batch(clips["short"], tmp_path / "out", do="posterize", palette=pal, client=client)
    assert report[0].status == "done"
    assert vt.Palette.load(tmp_path / "out" / "palette.json") == pal
    frame = frames_of(tmp_path / "out" / "short.mp4")[0][10]
    d = np.sqrt(((frame.reshape(-1, 1, 3).astype(int) - pal.colors[None].astype(int)) ** 2).sum(2)).min(1)
    assert np.median(d) < 4


def test_a_damaged_chunked_video_fails_alone_and_leaves_no_parts(client, clips, tmp_path):
    cut = tmp_path / "in" / "cut.mp4"  # the header says 12 s; the data stops before the last chunk
    cut.parent.mkdir()
    cut.write_bytes(clips["long"].read_bytes()[: clips["long"].stat().st_size * 45 // 100])
    os.symlink(clips["short"], tmp_path / "in" / "short.mp4")
    pal = vt.Palette.from_colors(["#202020", "#a0a0a0", "#e0e0e0"])
    report = run_batch(tmp_path / "in", tmp_path / "out", do="posterize", chunk_seconds=4, palette=pal,
                       client=client)
    assert [it.status for it in report] == ["failed", "done"]
    assert report[0].chunks == 3 and "cut.mp4" in report[0].error, report[0]
    left = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert left == ["batch.json", "palette.json", "short.mp4"], left


def test_parts_that_x264_opened_with_different_delays_join(client, clips, tmp_path):
    """Six 2 s parts of the 12 s clip: with this palette x264 starts one part one frame late, not two."""
    report = run_batch(clips["long"], tmp_path / "out", do="posterize", chunk_seconds=2, client=client)
    assert report[0].status == "done" and report[0].chunks == 6, report[0].error
    (got, times), (_, want) = frames_of(tmp_path / "out" / "long.mp4"), frames_of(clips["long"])
    assert len(got) == 300 and times == pytest.approx(want, abs=1e-6)


@pytest.mark.slow
def test_a_background_is_one_task_and_gives_the_sequential_models_bytes(client, clips, tmp_path):
    """The slow start (9 frames in the first 4 s of a warm-up of 50) with 1 s chunks: one task, warm-up whole."""
    alphas = (0.1, 0.02)
    report = run_batch(clips["slow_start"], tmp_path / "out", do="background", alphas=alphas, chunk_seconds=1,
                       client=client)
    assert report[0].status == "done" and report[0].chunks == 1 and report[0].frames == 320, report[0]
    seq = vt.BackgroundModel(alphas, plate=True)
    for f in frames_of(clips["slow_start"])[0]:
        seq.update(f)
    folder = tmp_path / "out" / "slow_start"
    assert sorted(p.name for p in folder.iterdir()) == ["background-alpha0.02.png", "background-alpha0.1.png",
                                                         "background-plate.png"]
    assert np.array_equal(vt.read_image(folder / "background-plate.png"), seq.plate)
    for a, want in zip(alphas, seq.backgrounds):
        assert np.array_equal(vt.read_image(folder / f"background-alpha{a:g}.png"), want), a


@pytest.mark.slow
def test_real_footage_posterized_in_chunks_decodes_cleanly_with_its_sound(client, tmp_path):
    """The first 8 s of the real clip (stream copy, AAC kept), in three chunks."""
    import subprocess

    import av
    import imageio_ffmpeg

    src = tmp_path / "in" / "cars.mp4"
    src.parent.mkdir()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-t", "8", "-i", str(CARS), "-c", "copy",
                    str(src)], check=True, timeout=60)
    report = run_batch(src.parent, tmp_path / "out", do="posterize", k=6, chunk_seconds=3, client=client)
    assert report[0].status == "done" and report[0].chunks == 3 and report[0].frames == 100, report[0]
    out = tmp_path / "out" / "cars.mp4"
    assert ffmpeg_errors(out) == []
    (got, t_got), (_, t_src) = frames_of(out), frames_of(src)
    assert len(got) == 100 and t_got == pytest.approx(t_src, abs=1e-3)
    pal = vt.Palette.load(tmp_path / "out" / "palette.json")
    d = np.sqrt(((got[50].reshape(-1, 1, 3).astype(int) - pal.colors[None].astype(int)) ** 2).sum(2)).min(1)
    assert np.median(d) < 6  # posterized: its pixels sit on the palette's colours, up to x264's error
    with av.open(str(out)) as c:
        sound = c.streams.audio[0]
        assert sound.codec_context.name == "aac" and sound.rate == 48000
        end = max(float((p.pts + p.duration) * sound.time_base) for p in c.demux(sound) if p.pts is not None)
    assert abs(end - 8.0) < 0.1
