"""Cameras run in this process: files at their own rate, synthetic scenes, MPEG-TS over UDP from ffmpeg."""

import csv
import json
import subprocess
import threading

import av
import cv2
import numpy as np
import pytest

import videotools as vt
from tests.watch.conftest import FFMPEG, ffmpeg_errors, free_port, make_scene_clip, send_udp, status, wait_for
from videotools.watch import watch
from videotools.watch.retention import segments


def _frames(path):
    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.video[0]) if p.dts is not None)


def _run(sources, out, stop=None, **options):
    """watch() on a thread; returns (thread, holder of the result)."""
    box = {}
    t = threading.Thread(target=lambda: box.update(result=watch(sources, out_dir=out, stop=stop, **options)))
    t.start()
    return t, box


def test_a_file_at_eight_times_its_rate_gives_the_plate_stats_and_copied_segments(scene_clip, tmp_path):
    result = watch([str(scene_clip)], out_dir=tmp_path, speed=8, segment_seconds=1, detect_width=160,
                   detect_fps=0, plate_seconds=0.5)
    (cam,) = result.cameras
    assert (cam["name"], cam["state"], cam["frames"], cam["processed"], cam["dropped"]) == ("scene", "ended", 150,
                                                                                            150, 0)
    folder = tmp_path / "scene"
    segs = segments(folder / "rec")
    assert len(segs) >= 4 and cam["segments"] == len(segs)
    assert [ffmpeg_errors(p) for p in segs] == [[]] * len(segs)
    assert sum(_frames(p) for p in segs) == 150  # copied: every frame, none twice
    # the plate, at the detection size, is the scene's empty road
    plate = cv2.cvtColor(cv2.imread(str(folder / "plate.png")), cv2.COLOR_BGR2RGB)
    truth = cv2.resize(vt.SyntheticTraffic(size=(320, 180), seed=3).background(149), (160, 90),
                       interpolation=cv2.INTER_AREA)
    assert plate.shape == (90, 160, 3)
    err = np.abs(plate.astype(int) - truth).mean()
    assert err < 6, err
    with open(next(folder.glob("stats-*.csv"))) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 150 and list(rows[0]) == ["wall_time", "time", "foreground_share", "blobs", "boxes"]
    assert float(rows[-1]["time"]) == pytest.approx(149 / 25, abs=1e-3)
    busy = [r for r in rows[50:] if int(r["blobs"])]
    assert len(busy) > 50  # cars are found once the plate holds the road
    assert all(len(json.loads(r["boxes"])) == int(r["blobs"]) for r in rows)
    assert status(tmp_path, "scene")["state"] == "ended"


@pytest.mark.slow
def test_a_turned_file_is_watched_and_re_encoded_upright_as_run_gives_it(tmp_path):
    clip = make_scene_clip(tmp_path / "scene.mp4", seconds=2)
    turned = tmp_path / "turned.mp4"  # the same H.264 with a display matrix: shown 90 degrees turned
    subprocess.run([FFMPEG, "-v", "error", "-display_rotation", "90", "-i", str(clip), "-c", "copy", str(turned)],
                   check=True, timeout=60)
    with vt.FileSource(str(turned)) as src:
        upright = [f for f, _ in zip(src, range(50))]  # what `videotools run` hands its chain
    assert upright[0].shape == (320, 180, 3)
    result = watch([str(turned)], out_dir=tmp_path / "out", speed=20, record="encode", detect_width=90,
                   detect_fps=0, plate_seconds=0.5)
    assert [(c["state"], c["frames"]) for c in result.cameras] == [("ended", 50)]
    folder = tmp_path / "out" / "turned"
    assert cv2.imread(str(folder / "plate.png")).shape == (160, 90, 3)
    assert cv2.imread(str(folder / "latest.jpg")).shape == (160, 90, 3)
    with open(next(folder.glob("stats-*.csv"))) as fh:
        boxes = [b for r in csv.DictReader(fh) for b in json.loads(r["boxes"])]
    assert boxes and all(x + w <= 90 and y + h <= 160 for x, y, w, h in boxes)
    assert max(y + h for _, y, _, h in boxes) > 90  # cars go down the road, as it stands upright
    (seg,) = segments(folder / "rec")
    assert ffmpeg_errors(seg) == []
    with av.open(str(seg)) as c:
        frames = [f for f in c.decode(video=0)]
    assert len(frames) == 50 and all(f.rotation == 0 for f in frames)  # upright pixels, no matrix
    diff = [np.abs(f.to_ndarray(format="rgb24").astype(int) - u).mean() for f, u in zip(frames, upright)]
    assert max(diff) < 4, diff


def test_a_synthetic_scene_is_re_encoded_until_stopped(tmp_path):
    stop = threading.Event()
    t, box = _run(["synthetic:traffic?size=160x90&seconds=0"], tmp_path, stop, speed=4, segment_seconds=1,
                  plate_seconds=0.5)
    rec = tmp_path / "synthetic-traffic" / "rec"
    wait_for(lambda: len(segments(rec)) >= 3, "three segments")
    stop.set()
    t.join(60)
    (cam,) = box["result"].cameras
    assert cam["state"] == "stopped" and box["result"].stopped_by == "stop"
    segs = segments(rec)
    assert [ffmpeg_errors(p) for p in segs] == [[]] * len(segs)
    assert [_frames(p) for p in segs[:-1]] == [25] * (len(segs) - 1)  # 1 s each at 25 fps, cut on any frame
    assert sum(_frames(p) for p in segs) == cam["frames"]
    assert (tmp_path / "synthetic-traffic" / "plate.png").stat().st_size > 0


@pytest.mark.slow
def test_a_udp_camera_that_stops_is_down_then_back_and_the_other_never_stalls(cars_clip, tmp_path):
    port = free_port()
    sender = send_udp(cars_clip, port)
    stop = threading.Event()
    udp = f"127.0.0.1-{port}"
    t, box = _run([f"udp://127.0.0.1:{port}", "synthetic:traffic?size=160x90&seconds=0"], tmp_path, stop,
                  segment_seconds=1, lost_after=1, plate_seconds=0.5)
    try:
        rec = tmp_path / udp / "rec"
        wait_for(lambda: status(tmp_path, udp).get("state") == "up" and len(segments(rec)) >= 2, "the UDP camera")
        sender.kill()
        sender.wait()
        down = wait_for(lambda: (s := status(tmp_path, udp)).get("state") == "down" and s, "the camera down")
        assert "no frame for 1 s" in down["error"] or "nothing arrived" in down["error"]
        assert down["segment"] is None  # no segment is being written while down
        before = status(tmp_path, "synthetic-traffic")["frames"]
        wait_for(lambda: status(tmp_path, "synthetic-traffic")["frames"] >= before + 25, "the other camera going on")
        assert status(tmp_path, udp)["state"] == "down"
        old = set(segments(rec))
        sender = send_udp(cars_clip, port)
        back = wait_for(lambda: (s := status(tmp_path, udp)).get("state") == "up" and s, "the camera back")
        assert back["restarts"] >= 1
        wait_for(lambda: len(set(segments(rec)) - old) >= 1, "a new segment after the restart")
    finally:
        stop.set()
        t.join(60)
        sender.kill()
        sender.wait()
    cams = {c["name"]: c for c in box["result"].cameras}
    assert cams[udp]["state"] == cams["synthetic-traffic"]["state"] == "stopped"
    segs = segments(rec)
    assert [ffmpeg_errors(p) for p in segs] == [[]] * len(segs)
    with av.open(str(segs[-2])) as c:  # the sound is copied too
        assert [s.type for s in c.streams] == ["video", "audio"]


@pytest.mark.slow
def test_a_camera_that_never_answers_is_retried_with_backoff(tmp_path):
    stop = threading.Event()
    port = free_port(2)  # 2: SOCK_DGRAM, a port nobody sends to
    silent = f"udp://127.0.0.1:{port}"
    t, box = _run([silent, "synthetic:traffic?size=160x90&seconds=0"], tmp_path / "out", stop, lost_after=0.5,
                  record="auto")
    try:
        s = wait_for(lambda: (s := status(tmp_path / "out", f"127.0.0.1-{port}")).get("restarts", 0) >= 2 and s,
                     "two retries")
        assert s["state"] == "down" and s["retry_in"] == 2.0 and "nothing arrived within 0.5 s" in s["error"]
        assert status(tmp_path / "out", "synthetic-traffic")["state"] == "up"
    finally:
        stop.set()
        t.join(60)
    assert [c["state"] for c in box["result"].cameras] == ["stopped"] * 2


def test_re_encoding_a_file_with_sound_says_once_that_the_sound_is_not_recorded(cars_clip, tmp_path, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="videotools.watch"):
        result = watch([str(cars_clip)], out_dir=tmp_path / "out", speed=50, record="encode", detect_fps=1)
    assert [c["state"] for c in result.cameras] == ["ended"]
    said = [r.getMessage() for r in caplog.records if "sound" in r.getMessage()]
    assert said == ["camera cars: its sound (aac) is not recorded when re-encoding; record: copy keeps it"]
    (seg,) = segments(tmp_path / "out" / "cars" / "rec")
    with av.open(str(seg)) as c:
        assert [s.type for s in c.streams] == ["video"]
