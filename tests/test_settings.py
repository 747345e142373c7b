"""The settings' rules: times as people type them (seconds, or clock times as FFmpeg's ``-ss`` takes them)."""

import pytest

import videotools as vt
from tests.cli.helpers import invoke
from tests.conftest import SAMPLE
from videotools.settings import parse_time


@pytest.mark.parametrize(("text", "seconds"), [
    ("90", 90.0), ("1.5", 1.5), ("0", 0.0), ("1:30", 90.0), (" 01:30 ", 90.0), ("1:30.25", 90.25),
    ("0:59.999", 59.999), ("1:02:03.5", 3723.5), ("00:00:19.2", 19.2), ("90:00", 5400.0), ("1:30.", 90.0),
])
def test_a_time_is_seconds_or_hours_minutes_seconds(text, seconds):
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["1:75", "1:60:00", "1:2:3:4", ":30", "1:", "1::3", "-1:30", "1:30s", "abc", ""])
def test_a_time_in_neither_form_names_the_option_the_value_and_the_forms(text):
    with pytest.raises(vt.ParameterError, match=rf"^end takes seconds or \[\[HH:\]MM:\]SS\[\.frac\].*got '{text}'$"):
        parse_time(text, param="end")


def test_start_and_end_take_clock_times_on_the_command_line(tmp_path):
    """``--start 0:01 --end 00:00:01.2``: the 5 frames of 1.0-1.16 s at 25 fps; a bad form is one line naming
    the option, the value and the forms it takes (before, any colon was refused: 'expected a finite number')."""
    out = tmp_path / "frames" / "%03d.png"
    r = invoke("run", str(SAMPLE), "--start", "0:01", "--end", "00:00:01.2", "--out", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert len(list(out.parent.iterdir())) == 5
    r = invoke("run", str(SAMPLE), "--end", "1:75")
    assert (r.returncode, r.stderr) == (2, "videotools: error: bad value for --end: '1:75' (expected seconds or "
                                           "[[HH:]MM:]SS[.frac], e.g. 90, 1:30 or 1:02:03.5)\n")
