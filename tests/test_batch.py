import json
import os

import numpy as np
import pytest

import videotools as vt
from tests.conftest import cli
from videotools.batch import background_chunk, combine_chunks

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("batch") / "long.mp4"
    with vt.open_source("synthetic:traffic?size=160x90&seconds=12&seed=4") as src, \
            vt.VideoSink(path, fps=25, crf=18) as sink:
        for f in src:
            sink.write(f)
    return path


@pytest.mark.parametrize("warmup", [True, False])
def test_chunks_combine_to_the_sequential_background(long_clip, warmup):
    alphas = (0.1, 0.01)
    seq = vt.BackgroundModel(alphas, warmup=warmup)
    with vt.open_source(long_clip) as src:
        n = 0
        for f in src:
            seq.update(f)
            n += 1
    assert n == 300
    bounds = [(0, 100), (100, 70), (170, 90), (260, None)]  # uneven chunks, the last to the end
    chunks = [background_chunk(str(long_clip), first, count, 25.0, alphas, warmup, False, 25.0)
              for first, count in bounds]
    assert [c["frames"] for c in chunks] == [100, 70, 90, 40]  # frame-accurate: nothing lost or doubled
    combined = combine_chunks(chunks[::-1], alphas)  # order of arrival does not matter
    for got, want in zip(combined, seq._acc):
        np.testing.assert_allclose(got, want, atol=1e-3)  # float rounding only


def test_batch_background_resume_and_corrupt_input(long_clip, tmp_path):
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    os.symlink(long_clip, inp / "long.mp4")
    with vt.open_source("synthetic:traffic?size=160x90&seconds=2&seed=1") as src, \
            vt.VideoSink(inp / "sub" / "short.mp4", fps=25) as sink:
        for f in src:
            sink.write(f)
    (inp / "broken.mp4").write_bytes(b"\x00" * 5000)
    out = tmp_path / "out"
    r = cli("batch", str(inp), "--do", "background", "--out-dir", str(out), "--workers", "2", "--chunk-seconds", "4")
    assert r.returncode == 0, r.stderr
    assert "3 inputs: 2 done, 0 skipped (complete), 1 failed" in r.stderr
    report = {os.path.basename(i["input"]): i for i in json.loads((out / "batch.json").read_text())["items"]}
    assert report["broken.mp4"]["status"] == "failed" and "cannot read a video" in report["broken.mp4"]["error"]
    assert report["long.mp4"]["chunks"] == 3 and report["long.mp4"]["frames"] == 300
    slow = vt.read_image(out / "long" / "background-alpha0.01.png")
    seq = vt.BackgroundModel((0.1, 0.01))
    with vt.open_source(long_clip) as src:
        for f in src:
            seq.update(f)
    assert np.abs(slow.astype(int) - seq.background()).max() <= 1  # chunked == sequential
    assert (out / "sub" / "short" / "background-alpha0.1.png").exists()  # mirrors input names
    stamp = os.path.getmtime(out / "long" / "background-alpha0.01.png")
    r = cli("batch", str(inp), "--do", "background", "--out-dir", str(out), "--workers", "1")
    assert "0 done, 2 skipped (complete), 1 failed" in r.stderr
    assert os.path.getmtime(out / "long" / "background-alpha0.01.png") == stamp


def test_batch_posterize_shares_one_palette(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for seed in (1, 2):
        with vt.open_source(f"synthetic:traffic?size=160x90&seconds=1&seed={seed}") as src, \
                vt.VideoSink(inp / f"c{seed}.mp4", fps=25, crf=10) as sink:
            for f in src:
                sink.write(f)
    pal = vt.Palette.from_colors(["#202020", "#50803a", "#a0a0a0", "#e0e0e0"])
    pal.save(tmp_path / "p.json")
    out = tmp_path / "out"
    r = cli("batch", str(inp), "--do", "posterize", "--palette-from", str(tmp_path / "p.json"), "--out-dir", str(out),
            "--workers", "1")
    assert r.returncode == 0, r.stderr
    for name in ("c1.mp4", "c2.mp4"):
        with vt.open_source(out / name) as src:
            frame = next(iter(src))
        d = np.sqrt(((frame.reshape(-1, 1, 3).astype(int) - pal.colors[None].astype(int)) ** 2).sum(2)).min(1)
        assert np.median(d) < 4
    assert not list(out.glob("*.partial.*"))


def test_unreachable_scheduler_is_one_line(tmp_path, long_clip):
    r = cli("batch", str(long_clip), "--do", "background", "--out-dir", str(tmp_path / "o"),
            "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("videotools: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_no_inputs(tmp_path):
    r = cli("batch", str(tmp_path), "--do", "background", "--out-dir", str(tmp_path / "o"))
    assert r.returncode == 1 and r.stderr.strip() == f"videotools: error: no videos found in {tmp_path}"


def test_long_video_posterized_in_chunks_is_one_seamless_file(long_clip, tmp_path):
    from dask.distributed import Client, LocalCluster

    from videotools.batch import run_batch

    pal = vt.Palette.from_colors(["#202020", "#50803a", "#a0a0a0", "#e0e0e0", "#c03030"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        report = run_batch(long_clip, tmp_path / "chunked", do="posterize", palette=pal, chunk_seconds=4,
                           client=client)
        whole = run_batch(long_clip, tmp_path / "whole", do="posterize", palette=pal, chunk_seconds=None,
                          client=client)
        cut = tmp_path / "cut" / "long.mp4"  # the index says 300 frames; the last chunk has none
        cut.parent.mkdir()
        cut.write_bytes(long_clip.read_bytes()[: long_clip.stat().st_size * 45 // 100])
        broken = run_batch(cut, tmp_path / "broken", do="posterize", palette=pal, chunk_seconds=4, client=client)
    assert broken[0].status == "failed" and "no frames decoded" in broken[0].error, broken[0].error
    left = sorted(p.name for p in (tmp_path / "broken").iterdir())
    assert left == ["batch.json"], left  # the finished parts of a failed video are removed
    assert report[0].status == "done" and report[0].chunks == 3 and report[0].frames == 300
    assert whole[0].status == "done" and whole[0].chunks == 1, (whole[0].error, whole[0].warning)
    with vt.open_source(tmp_path / "chunked" / "long.mp4") as a, vt.open_source(tmp_path / "whole" / "long.mp4") as b:
        fa, fb = list(a), list(b)
    assert len(fa) == len(fb) == 300
    for i in (0, 99, 100, 101, 199, 200, 299):  # across the joins: same frames in the same places
        assert np.abs(fa[i].astype(int) - fb[i]).mean() < 3, i
    assert not list((tmp_path / "chunked").glob("*.part*"))
