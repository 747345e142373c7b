import os
import shutil
import subprocess
import sys
import time

import pytest

import videotools as vt


def test_no_display_is_one_clear_line(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(vt.DisplayError, match="no display \\(DISPLAY is not set\\); use --out"):
        vt.WindowSink("x")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "videotools", "run", "synthetic:traffic?seconds=1", "--display"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "videotools: error: cannot open a window: no display (DISPLAY is not set); "
        "use --out FILE or --serve PORT instead"]


def _xdotool(display, *args):
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, env=dict(os.environ, DISPLAY=display))


def _show(xdisplay, spec, out):
    """Start ``videotools run SPEC --display --out OUT`` on ``xdisplay``; its process and window id."""
    if not shutil.which("xdotool"):
        pytest.skip("xdotool is not installed (.ci/run installs it)")
    env = dict(os.environ, DISPLAY=xdisplay, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "run", spec, "--display", "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wid = ""
    deadline = time.monotonic() + 30
    while not wid and time.monotonic() < deadline and proc.poll() is None:
        wid = _xdotool(xdisplay, "search", "--name", "^videotools$").stdout.split()
        wid = wid[0] if wid else ""
        time.sleep(0.1)
    if not wid:
        code = proc.poll()
        proc.kill()
        err = proc.communicate(timeout=30)[1]
        pytest.fail(f"no window appeared ({'exit code ' + str(code) if code is not None else 'still running'} "
                    f"after {time.monotonic() - deadline + 30:.1f} s); stderr: {err[-1500:]!r}")
    return proc, wid


def _press(xdisplay, proc, wid, key):
    """Send ``key`` to the window and wait for the run to end; its stderr."""
    _xdotool(xdisplay, "windowactivate", "--sync", wid)
    _xdotool(xdisplay, "key", "--window", wid, key)
    return proc.communicate(timeout=20)[1]


def test_window_opens_and_closes_on_q(xdisplay, tmp_path):
    out = tmp_path / "rec.mp4"
    proc, wid = _show(xdisplay, "synthetic:traffic?seconds=0&size=320x180", out)
    try:
        geo = _xdotool(xdisplay, "getwindowgeometry", wid).stdout
        assert "Geometry" in geo
        time.sleep(0.5)
        err = _press(xdisplay, proc, wid, "q")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped: quit key" in err
    with vt.open_source(out) as src:  # the recording made alongside the window is complete
        assert sum(1 for _ in src) > 0


@pytest.mark.slow
def test_a_file_plays_at_its_rate_and_its_last_frame_stays_until_a_key(xdisplay, tmp_path):
    out = tmp_path / "rec.mp4"
    proc, wid = _show(xdisplay, "synthetic:traffic?seconds=3&size=160x90", out)
    try:
        assert not out.exists()  # 3 s of video shown at its own pace: not over when the window appears
        deadline = time.monotonic() + 60
        # the recording is finalized at the end: named early as fragmented MP4, then rewritten without fragments
        while not (out.exists() and b"moof" not in out.read_bytes()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert out.exists() and b"moof" not in out.read_bytes()
        time.sleep(1.0)
        assert proc.poll() is None  # the last frame stays up
        err = _press(xdisplay, proc, wid, "x")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "75 frames" in err
