"""The app itself: shell completion, library messages mapped to flags, option callbacks."""

import pytest

from tests.cli.helpers import invoke
from videotools.cli.failures import flagged
from videotools.errors import ParameterError, SinkError
from videotools.settings import parse_size


def test_show_completion_prints_a_bash_script():
    r = invoke("--show-completion", "bash")
    assert r.returncode == 0 and "_videotools_completion()" in r.stdout and "complete " in r.stdout


def test_install_completion_is_offered():
    assert "--install-completion" in invoke("--help").stdout


@pytest.mark.parametrize("err,line", [
    (ParameterError("fit_frames must be an integer >= 1, got 0", param="fit_frames"),
     "--fit-frames must be an integer >= 1, got 0"),
    (ParameterError("camera mode must be latest or every, got 'x'", param="camera_mode"),
     "--camera-mode must be latest or every, got 'x'"),
    (ParameterError("alpha must be in (0, 1], got 2", param="alpha"), "--alpha must be in (0, 1], got 2"),
    (ParameterError("k must be an integer in 1..256, got 0", param="k"), "-k must be an integer in 1..256, got 0"),
    (ParameterError("start/end apply to video files", param="start/end"), "--start/--end apply to video files"),
    (ParameterError("starting over", param="start"), "starting over"),  # a parameter's name, not a word's start
    (ParameterError("no such file: refit.mp4"), "no such file: refit.mp4"),  # no parameter: the message as it is
    (SinkError("record_dir d: no such folder", param="record_dir"), "--record-dir d: no such folder"),
])
def test_library_errors_name_flags_by_their_parameter(err, line):
    assert flagged(err) == line


def test_parse_size():
    assert parse_size("1280x720") == (1280, 720) and parse_size("") is None
    with pytest.raises(ParameterError, match="^camera size takes WIDTHxHEIGHT") as info:
        parse_size("12x")
    assert info.value.param == "camera_size"


@pytest.mark.parametrize("args,needle", [
    (["run", "synthetic:traffic", "--camera-size", "12x"], "bad value for --camera-size: '12x' (expected WIDTHxHEIGHT"),
    (["run", "synthetic:traffic", "--serve", "host:99999"], "bad value for --serve: 'host:99999'"),
    (["run", "synthetic:traffic", "--camera-fps", "0"], "bad value for --camera-fps: '0' (expected a number in (0, "),
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
