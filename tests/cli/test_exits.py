"""Ctrl-C at any moment, unexpected errors, and how loud the command is."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import videotools as vt
from videotools import startup
from videotools.cli import app

ENDLESS = "synthetic:traffic?size=320x240&seconds=0"


def _importing_ours(pid: int) -> bool:
    """Whether process ``pid`` has run code of ours: numpy is mapped (imported after our Ctrl-C guard)."""
    try:
        with open(f"/proc/{pid}/maps") as fh:
            return "numpy" in fh.read()
    except OSError:
        return True  # no /proc: rely on the delay alone


@pytest.mark.parametrize("delay", [0.1, 0.5, 2.0])
def test_ctrl_c_at_any_moment_exits_130_without_a_traceback(tmp_path, delay):
    """0.1 s is while modules import, 0.5 s around the first frames, 2 s in the middle of a recording.

    A Ctrl-C before Python has run a line of ours (its own start-up, about 0.07 s on an idle
    machine) is Python's business, so on a busy machine the first signal waits until our
    imports have begun.
    """
    out = tmp_path / "rec.mkv"
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "run", ENDLESS, "--out", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < delay or not _importing_ours(proc.pid):
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    if out.exists():  # a recording that got its name is complete and playable
        with vt.open_source(out) as src:
            assert sum(1 for _ in src) >= 1


def test_unexpected_error_is_one_line_with_a_log(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("videotools.stills.palette.source_colors", broken)
    img = tmp_path / "a.png"
    vt.write_image(img, np.zeros((8, 8, 3), np.uint8))
    r = CliRunner().invoke(app, ["palette", str(img)])
    assert r.exit_code == 1
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("videotools: error: internal error: RuntimeError: boom")
    log = re.search(r"traceback in (\S+\.log)", line).group(1)
    with open(log) as fh:
        text = fh.read()
    os.unlink(log)
    assert "Traceback" in text and "RuntimeError: boom" in text and "broken" in text
    r = CliRunner().invoke(app, ["palette", str(img), "-v"])
    assert r.exit_code == 1 and "Traceback" in r.stderr and "RuntimeError: boom" in r.stderr


def test_damaged_image_warns_in_one_line_and_quiet_hides_it(tmp_path):
    import cv2

    img = np.random.default_rng(0).integers(0, 256, (96, 128, 3), np.uint8)
    data = cv2.imencode(".png", img)[1].tobytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    r = CliRunner().invoke(app, ["palette", str(cut), "--json", "-k", "2"])
    assert r.exit_code == 0, r.stderr
    assert r.stderr.strip().splitlines() == [f"videotools: {cut} is truncated or damaged: read as far as it decodes"]
    r = CliRunner().invoke(app, ["-q", "palette", str(cut), "--json", "-k", "2"])
    assert r.exit_code == 0 and r.stderr == ""
    r = CliRunner().invoke(app, ["palette", str(cut), "--json", "-k", "2", "-q"])  # -q anywhere
    assert r.exit_code == 0 and r.stderr == ""


def test_verbose_is_accepted_anywhere_and_never_taken_from_a_value(tmp_path):
    out = tmp_path / "-v"
    r = CliRunner().invoke(app, ["run", "synthetic:traffic?size=64x48&seconds=0.2", "-v", "-q"])
    assert r.exit_code == 0 and r.stderr == ""
    r = CliRunner().invoke(app, ["-v", "run", "synthetic:traffic?size=64x48&seconds=0.2", "-q"])
    assert r.exit_code == 0 and r.stderr == ""
    r = CliRunner().invoke(app, ["run", "synthetic:traffic?size=64x48&seconds=0.2", "--out", "-v"])
    assert r.exit_code == 1 and "in -v;" in r.stderr and not out.exists()


def test_quiet_defaults_are_set_only_in_the_command(monkeypatch):
    for key in ("QT_LOGGING_RULES", "OPENCV_LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "pytest"])
    monkeypatch.setattr(sys, "argv", ["pytest"])
    assert not startup.prepare_command([])
    assert "QT_LOGGING_RULES" not in os.environ
    monkeypatch.setattr(sys, "orig_argv", ["python", "-X", "utf8", "-m", "videotools", "run", "0", "-d"])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    old = signal.getsignal(signal.SIGINT)
    try:
        assert startup.prepare_command(["run", "0", "-d", "-v"])
        assert "QT_LOGGING_RULES" not in os.environ  # -v: Qt and OpenCV may talk
        assert startup.prepare_command(["run", "0", "-d"])
        assert "warning=false" in os.environ["QT_LOGGING_RULES"] and os.environ["OPENCV_LOG_LEVEL"] == "SILENT"
    finally:
        signal.signal(signal.SIGINT, old)


def test_exit_codes_are_documented():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ("0", "1", "2", "130"):
        assert f"| {code} " in section


def test_a_window_is_quiet_unless_verbose(xdisplay):
    """Qt's font warnings (five lines with OpenCV's wheel) appear only with -v."""
    from tests.conftest import cli

    args = ("run", "synthetic:traffic?size=64x48&seconds=0.4", "--display", "--max-frames", "5")
    r = cli(*args, env={"DISPLAY": xdisplay})
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("5 frames in "), r.stderr
    loud = cli(*args, "-v", env={"DISPLAY": xdisplay})
    assert loud.returncode == 0 and "5 frames in" in loud.stderr
