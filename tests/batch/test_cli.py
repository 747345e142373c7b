"""The batch command: in process with CliRunner, and end to end on a real scheduler and two workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.batch.conftest import CARS, dask_cluster, make_clip
from tests.conftest import cli
from videotools.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["batch", *args])


def test_failed_inputs_give_exit_code_1_and_rerun_keeps_the_stats(clips, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    os.symlink(clips["short"], inp / "short.mp4")
    (inp / "broken.mp4").write_bytes(b"\x00" * 5000)
    out = tmp_path / "out"
    r = invoke(str(inp), "--do", "background", "--out-dir", str(out), "--workers", "1", "-q")
    assert r.exit_code == 1
    assert f"2 inputs: 1 done, 0 skipped (complete), 1 failed; report: {out / 'batch.json'}" in r.output
    assert f"failed: {inp / 'broken.mp4'}: cannot read a video" in r.output
    first = {Path(i["input"]).name: i for i in json.loads((out / "batch.json").read_text())["items"]}
    assert first["short.mp4"]["frames"] == 50 and first["broken.mp4"]["status"] == "failed"
    stamp = (out / "short" / "background-alpha0.01.png").stat().st_mtime_ns
    r = invoke(str(inp), "--do", "background", "--out-dir", str(out), "--workers", "1", "-q")
    assert r.exit_code == 1 and "0 done, 1 skipped (complete), 1 failed" in r.output
    again = {Path(i["input"]).name: i for i in json.loads((out / "batch.json").read_text())["items"]}
    assert again["short.mp4"]["status"] == "skipped" and again["short.mp4"]["frames"] == 50
    assert again["short.mp4"]["seconds"] == first["short.mp4"]["seconds"]
    assert (out / "short" / "background-alpha0.01.png").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_unreachable_scheduler_is_one_line(clips, tmp_path):
    r = invoke(str(clips["short"]), "--do", "background", "--out-dir", str(tmp_path / "o"),
               "--scheduler", "tcp://127.0.0.1:9")
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("videotools: error: cannot reach the Dask scheduler at "
                                                   "tcp://127.0.0.1:9"), lines


def test_no_inputs(tmp_path):
    r = invoke(str(tmp_path), "--do", "background", "--out-dir", str(tmp_path / "o"))
    assert r.exit_code == 1 and r.output.strip() == f"videotools: error: no videos found in {tmp_path}"


# -- a real cluster -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, each started in a folder of its own."""
    with dask_cluster(tmp_path_factory.mktemp("dask")) as (address, _):
        yield address


@pytest.mark.slow
@pytest.mark.parametrize("do", ["posterize", "background"])
def test_relative_paths_on_a_real_cluster_match_a_local_run(scheduler, clips, tmp_path, do):
    data = tmp_path / "data"
    (data / "in" / "sub").mkdir(parents=True)
    (data / "elsewhere").mkdir()
    make_clip(data / "in" / "a.mp4", seconds=1, seed=21)
    make_clip(data / "in" / "sub" / "b.mp4", seconds=1, seed=22)
    os.symlink(clips["long"], data / "in" / "long.mp4")
    common = ["batch", "../in", "--do", do, "--chunk-seconds", "4", "-k", "4"]
    r = cli(*common, "--out-dir", "../cluster", "--scheduler", scheduler, cwd=data / "elsewhere")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [  # no Dask logs, no tracebacks
        f"3 inputs: 3 done, 0 skipped (complete), 0 failed; report: {data / 'cluster' / 'batch.json'}"]
    verbose = ["-v"] if do == "background" else []  # a default LocalCluster run is quiet too; -v is not
    r = cli(*common, "--out-dir", "../local", "--workers", "1", *verbose, cwd=data / "elsewhere")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    if verbose:
        assert any(line.startswith(("dashboard: http://", "no dashboard")) for line in lines), lines
        assert any("distributed" in line or "Nanny" in line for line in lines), lines  # Dask's own logs
    else:
        assert lines == [f"3 inputs: 3 done, 0 skipped (complete), 0 failed; report: {data / 'local' / 'batch.json'}"]
    report = json.loads((data / "cluster" / "batch.json").read_text())
    chunks = {Path(i["input"]).name: i["chunks"] for i in report["items"]}["long.mp4"]
    assert chunks > 1 if do == "posterize" else chunks == 1  # a background (its plate) is one sequential pass
    files = sorted(p.relative_to(data / "local") for p in (data / "local").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(data / "cluster") for p in (data / "cluster").rglob("*") if p.is_file())
    assert len(files) == (5 if do == "posterize" else 10)  # batch.json (and palette.json) or 3 PNGs a video
    for f in files:
        if f.name != "batch.json":
            assert (data / "local" / f).read_bytes() == (data / "cluster" / f).read_bytes(), f


def test_workers_that_do_not_see_the_files_are_named(scheduler, tmp_path):
    """A worker without the shared storage, simulated by a folder that exists nowhere: named, with the worker."""
    from dask.distributed import Client

    from videotools.batch.client import check_shared
    from videotools.batch.plan import BatchError

    with Client(scheduler) as c:
        assert check_shared(c, [tmp_path]) == 2
        with pytest.raises(BatchError, match=f"worker tcp://127.0.0.1:\\d+ does not see {tmp_path / 'gone'}: "
                                             "every worker must see"):
            check_shared(c, [tmp_path, tmp_path / "gone"])


@pytest.mark.slow
def test_a_batch_killed_mid_way_resumes_to_the_same_bytes(clips, tmp_path):
    """kill -9 of the command and its workers once the palette and one video exist, then the same command again."""
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(2):
        make_clip(inp / f"c{i}.mp4", seconds=1, seed=30 + i)
    os.symlink(clips["long"], inp / "long.mp4")
    args = ["batch", str(inp), "--do", "posterize", "--chunk-seconds", "4", "--workers", "1", "-q"]
    assert cli(*args, "--out-dir", str(tmp_path / "whole")).returncode == 0
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "videotools", *args, "--out-dir", str(killed)],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (killed.is_dir() and (killed / "palette.json").exists() and list(killed.glob("c*.mp4"))):
            assert proc.poll() is None and time.monotonic() < deadline, "the batch ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (killed / "long.mp4").exists()
    r = cli(*args, "--out-dir", str(killed))
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "whole").iterdir() if p.name != "batch.json")
    assert names == sorted(p.name for p in killed.iterdir() if p.name != "batch.json")  # no temporaries left
    for n in names:
        assert (tmp_path / "whole" / n).read_bytes() == (killed / n).read_bytes(), n


@pytest.mark.slow
def test_real_footage_gives_the_background_commands_files_byte_for_byte(tmp_path):
    """The first 6 s of the real clip (75 frames), --chunk-seconds 2 (shorter than alpha 0.01's warm-up), -q."""
    inp, cmd, out = tmp_path / "in", tmp_path / "cmd", tmp_path / "out"
    inp.mkdir()
    cmd.mkdir()
    r = runner.invoke(app, ["run", str(CARS), "--end", "6", "--out", str(inp / "cars.mp4"), "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["background", str(inp / "cars.mp4"), "--save-dir", str(cmd), "-q"])
    assert r.exit_code == 0, r.output
    r = invoke(str(inp), "--do", "background", "--chunk-seconds", "2", "--out-dir", str(out), "--workers", "1",
               "--quiet")
    assert r.exit_code == 0 and r.output == "", r.output  # --quiet: nothing at all on success
    item = json.loads((out / "batch.json").read_text())["items"][0]
    assert item["status"] == "done" and item["frames"] == 75 and item["chunks"] == 1, item
    made = sorted(p.name for p in cmd.iterdir())
    assert made == ["cars-background-alpha0.01.png", "cars-background-alpha0.1.png", "cars-background-plate.png"]
    assert sorted(p.name for p in (out / "cars").iterdir()) == [n.removeprefix("cars-") for n in made]
    for name in made:
        assert (out / "cars" / name.removeprefix("cars-")).read_bytes() == (cmd / name).read_bytes(), name
