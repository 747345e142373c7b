"""The app itself: shell completion, library messages mapped to flags, option callbacks."""

import pytest

from tests.cli.helpers import invoke
from videotools.cli.failures import flagged
from videotools.cli.options import parse_size


def test_show_completion_prints_a_bash_script():
    r = invoke("--show-completion", "bash")
    assert r.returncode == 0 and "_videotools_completion()" in r.stdout and "complete " in r.stdout


def test_install_completion_is_offered():
    assert "--install-completion" in invoke("--help").stdout


@pytest.mark.parametrize("message,line", [
    ("fit_frames must be an integer >= 1, got 0", "--fit-frames must be an integer >= 1, got 0"),
    ("refit must be never | every:N | scene, got 'x'", "--refit must be never | every:N | scene, got 'x'"),
    ("crf must be an integer in 0..51, got 99", "--crf must be an integer in 0..51, got 99"),
    ("no such file: refit.mp4", "no such file: refit.mp4"),  # only a leading parameter name is mapped
])
def test_library_messages_name_flags(message, line):
    assert flagged(message) == line


def test_parse_size():
    assert parse_size("1280x720", "--camera-size") == (1280, 720) and parse_size("", "--x") is None


@pytest.mark.parametrize("args,needle", [
    (["run", "synthetic:traffic", "--camera-size", "12x"], "bad value for --camera-size: '12x' (expected WIDTHxHEIGHT"),
    (["run", "synthetic:traffic", "--serve", "host:99999"], "bad value for --serve: 'host:99999'"),
    (["run", "synthetic:traffic", "--camera-fps", "0"], "bad value for --camera-fps: '0.0' (expected a number in (0, "),
    (["run", "synthetic:traffic", "--preset", "quick"], "bad value for --preset: 'quick' (expected an x264 preset: "),
])
def test_option_callbacks_are_usage_errors(args, needle):
    r = invoke(*args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_install_completion_writes_a_bash_script_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    r = invoke("--install-completion", "bash")
    assert r.returncode == 0, r.stderr
    script = tmp_path / ".bash_completions" / "videotools.sh"
    assert "_videotools_completion" in script.read_text()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
