"""Cameras on a real Dask cluster (a scheduler and two workers started by hand): spread, and moved when one dies."""

import os
import signal
import threading
import time

import pytest

import videotools as vt
from tests.watch.conftest import ffmpeg_errors, status, wait_for
from videotools.watch import watch
from videotools.watch.cluster import check_shared
from videotools.watch.retention import segments

pytest.importorskip("dask.distributed")


@pytest.fixture
def cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes (each with its nanny) on 127.0.0.1."""
    from tests.batch.conftest import dask_cluster

    with dask_cluster(tmp_path / "dask") as (address, workers):
        yield address, workers


def _session(pid: int) -> int:
    """The session (the process group the fixture started) a process belongs to."""
    return os.getsid(pid)


@pytest.mark.slow
def test_cameras_spread_over_workers_and_move_when_one_is_killed(cluster, tmp_path):
    address, workers = cluster
    out = tmp_path / "shared"
    stop = threading.Event()
    box: dict = {}
    sources = ["synthetic:traffic?size=160x90&seconds=0&seed=1", "synthetic:traffic?size=160x90&seconds=0&seed=2"]
    t = threading.Thread(target=lambda: box.update(result=watch(
        sources, out_dir=out, scheduler=address, stop=stop, segment_seconds=1, plate_seconds=0.5)))
    t.start()
    names = ["synthetic-traffic", "synthetic-traffic-2"]
    try:
        up = wait_for(lambda: all(status(out, n).get("state") == "up" for n in names)
                      and [status(out, n) for n in names], "both cameras up on the cluster")
        sessions = [_session(s["pid"]) for s in up]
        assert sorted(sessions) == sorted(p.pid for p in workers)  # one camera on each worker
        victim = names[0]
        os.killpg(sessions[0], signal.SIGKILL)  # the worker and its nanny: gone for good
        killed = time.time()
        moved = wait_for(lambda: (s := status(out, victim)).get("state") == "up" and s["pid"] != up[0]["pid"]
                         and s, "the camera on the other worker", timeout=45)
        assert _session(moved["pid"]) == sessions[1]
        rec = out / victim / "rec"
        wait_for(lambda: [p for p in segments(rec) if p.stat().st_ctime > killed], "a new segment")
        print(f"moved and recording again {time.time() - killed:.1f} s after the kill")
        assert time.time() - killed < 30
        assert status(out, names[1])["pid"] == up[1]["pid"]  # the other camera never moved
    finally:
        stop.set()
        t.join(90)
    states = [c["state"] for c in box["result"].cameras]
    assert states == ["stopped", "stopped"]
    for n in names:
        segs = segments(out / n / "rec")
        assert segs and [ffmpeg_errors(p) for p in segs] == [[]] * len(segs)  # the killed one's too


class _Client:
    """Stands in for a Dask client whose second worker mounts another folder."""

    def run(self, fn, path):
        return {"tcp://10.0.0.1:1": fn(path), "tcp://10.0.0.2:1": False}


def test_an_out_dir_a_worker_cannot_see_is_named(tmp_path):
    with pytest.raises(vt.ParameterError, match=r"not visible from worker tcp://10.0.0.2:1; every worker must see"):
        check_shared(_Client(), tmp_path)
    assert list(tmp_path.iterdir()) == []  # the probe is gone
