"""The watch command end to end: the page in headless Chromium, /status.json, SIGTERM and Ctrl-C."""

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.request

import cv2
import numpy as np
import pytest

import videotools as vt
from tests.cli.helpers import invoke
from tests.watch.conftest import ffmpeg_errors, free_port, status, wait_for
from videotools.watch import watch
from videotools.watch.retention import segments


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "videotools", "watch", *args], stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_page_and_status_json_in_headless_chromium_then_sigterm_finishes_everything(tmp_path):
    out, port = tmp_path / "out", free_port()
    proc = _start("synthetic:traffic?size=160x90&seconds=0&seed=1", "synthetic:traffic?size=160x90&seconds=0&seed=2",
                  "--out-dir", str(out), "--serve", str(port), "--segment-seconds", "1", "--plate-seconds", "0.5")
    try:
        line = proc.stderr.readline()
        assert re.fullmatch(rf"videotools: watch page at http://127.0.0.1:{port}/\n", line), line
        url = f"http://127.0.0.1:{port}/"
        names = ["synthetic-traffic", "synthetic-traffic-2"]
        wait_for(lambda: all(status(out, n).get("state") == "up" and (out / n / "plate.png").exists() for n in names),
                 "both cameras up with a plate")
        doc = json.loads(urllib.request.urlopen(url + "status.json", timeout=30).read())
        cams = {c["name"]: c for c in doc["cameras"]}
        assert sorted(cams) == names
        assert all(c["state"] == "up" and c["fps"] > 0 and c["dropped"] == 0 for c in cams.values())
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            pytest.skip("chromium is not installed (.ci/run installs it)")
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}", "--window-size=800,400", "--virtual-time-budget=3000"]
        shot = tmp_path / "shot.png"
        subprocess.run([*base, f"--screenshot={shot}", url], capture_output=True, timeout=90)
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=90).stdout
        after = json.loads(urllib.request.urlopen(url + "status.json", timeout=30).read())
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    # the page, as the browser built it: a tile per camera with its figures, refreshed by the script
    for name in names:
        tile = re.search(rf'<div class="tile" id="cam-{name}">(.*?)</div></div>', dom, re.S)
        assert tile, dom[:2000]
        fields = dict(re.findall(r'data-field="(\w+)"[^>]*>([^<]*)<', tile.group(1)))
        assert fields["state"] == "up" and fields["dropped"] == "0" and float(fields["fps"]) > 0
        frames_then, frames_after = cams[name]["frames"], {c["name"]: c for c in after["cameras"]}[name]["frames"]
        assert frames_then <= int(fields["frames"]) <= frames_after
    img = cv2.imread(str(shot))
    assert img is not None, "no screenshot"
    greenish = (img[:, :, 1].astype(int) - img[:, :, 2] > 25) & (img[:, :, 1] > 80)  # grass, in the tiles' pictures
    assert greenish.sum() > 4 * 2000
    # SIGTERM: every segment finished and playable, the plate written, each camera stopped
    assert [ln.split(":")[1].split(",")[0].strip() for ln in err.splitlines()] == ["stopped", "stopped"], err
    for name in names:
        segs = segments(out / name / "rec")
        assert segs and [ffmpeg_errors(p) for p in segs] == [[]] * len(segs)
        assert status(out, name)["state"] == "stopped"
        assert cv2.imread(str(out / name / "plate.png")).shape == (90, 160, 3)


@pytest.mark.slow
def test_config_file_and_ctrl_c(tmp_path):
    cfg = tmp_path / "cams.json"
    cfg.write_text(json.dumps({"cameras": [{"name": "east", "source": "synthetic:traffic?size=160x90&seconds=0",
                                            "record": "off", "detect_width": 80}]}))
    out = tmp_path / "out"
    proc = _start("--config", str(cfg), "--out-dir", str(out), "--plate-seconds", "0.2")
    try:
        wait_for(lambda: (out / "east" / "plate.png").exists(), "the plate")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("east: stopped,"), err
    assert not segments(out / "east" / "rec")  # record off
    plate = cv2.imread(str(out / "east" / "plate.png"))
    assert plate.shape == (44, 80, 3) and np.ptp(plate) > 50


def test_bad_options_are_one_line(tmp_path):
    r = invoke("watch", "--out-dir", str(tmp_path))
    assert r.returncode == 1 and r.stderr.strip() == "videotools: error: no camera: give sources or --config FILE"
    r = invoke("watch", "synthetic:traffic", "--record", "copy", "--out-dir", str(tmp_path))
    assert r.returncode == 1 and r.stderr.strip().startswith("videotools: error: camera 'synthetic-traffic': "
                                                             "record=copy needs a video file"), r.stderr


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--keep-gb", "0", "a number in (0, 1e+09]"),
    ("--keep-hours", "0", "a number in (0, 1e+09]"),
    ("--detect-width", "1", "a whole number in [16, 16384], or 0 (full size)"),
    ("--segment-seconds", "100000", "a number in [1, 86400]"),
    ("--speed", "0.001", "a number in [0.01, 1000]"),
])
def test_camera_numbers_out_of_range_are_refused_naming_the_option(tmp_path, option, value, expected):
    r = invoke("watch", "synthetic:traffic?size=160x90&seconds=0.2", "--out-dir", str(tmp_path), option, value)
    assert (r.returncode, r.stderr) == (2, f"videotools: error: bad value for {option}: '{value}' (expected "
                                           f"{expected})\n")
    assert not list(tmp_path.iterdir())  # nothing started


def test_out_dir_is_created_only_where_its_parent_exists(tmp_path):
    typo, scene = tmp_path / "typo" / "cams", "synthetic:traffic?size=160x90&seconds=0.2"
    r = invoke("watch", scene, "--out-dir", str(typo))
    assert r.returncode == 2 and r.stderr.splitlines() == [
        f"videotools: error: bad value for --out-dir: '{typo}' (expected a folder whose parent exists: "
        f"{typo.parent} does not; create it first or check the path)"]
    with pytest.raises(vt.ParameterError, match="its parent folder .* does not exist") as info:
        watch([scene], out_dir=typo)
    assert info.value.param == "out_dir" and not typo.parent.exists()


def test_files_that_fail_are_failed_for_good_and_the_watch_ends_with_1(tmp_path):
    missing, junk, out = tmp_path / "missing.mp4", tmp_path / "junk.mp4", tmp_path / "out"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))  # not a video
    r = invoke("watch", str(missing), str(junk), "synthetic:traffic?size=160x90&seconds=1", "--out-dir", str(out),
               "--speed", "4")
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-2:] == [
        f"videotools: error: camera 'missing' ({missing}) failed: no such file: {missing}",
        f"videotools: error: camera 'junk' ({junk}) failed: cannot read a video from {junk}: Invalid data found "
        "when processing input"]
    for name in ("missing", "junk"):  # never replayed: no retry, no frame, no recording
        s = status(out, name)
        assert (s["state"], s["restarts"], s["frames"], s["retry_in"]) == ("failed", 0, 0, None), s
        assert str(tmp_path) in s["error"] and not segments(out / name / "rec")
    assert status(out, "synthetic-traffic")["state"] == "ended"
