"""Help text that reads like the README, and the small refusals issue 24 lists (point 5)."""

import os
import re

import cv2
import numpy as np
import pytest

from tests.cli.helpers import invoke
from videotools.cli.helptext import COMMANDS

ALL = list(COMMANDS)


def test_commands_listed_in_the_order_a_user_meets_them_with_an_example_each():
    out = invoke("--help").stdout
    listed = re.findall(r"^  (\w+) {2,}", out.split("Commands:", 1)[1], flags=re.M)
    assert listed == ALL
    for example in COMMANDS.values():
        assert example in out


@pytest.mark.parametrize("command", ALL)
def test_help_has_no_type_metavars_and_k_once(command):
    out = invoke(command, "--help").stdout
    assert "<bool>" not in out and "<str>" not in out and "<int" not in out and "╭" not in out
    assert not re.search(r"--k(?![\w-])", out)  # -k alone
    assert not re.search(r"^\s*-n, ", out, flags=re.M)  # FFmpeg's -n means never overwrite


def test_brackets_in_help_are_printed():
    assert "bokeh: the [batch] extra" in " ".join(invoke("batch", "--help").stdout.split())
    assert "their boxes [x, y, w, h] as JSON" in " ".join(invoke("background", "--help").stdout.split())


def test_chains_opens_with_the_chain_not_a_docstring():
    first = invoke("chains").stdout.splitlines()[0]
    assert first.startswith("--chain runs processors") and "Parse" not in first


def test_max_frames_has_no_short_flag():
    r = invoke("run", "synthetic:traffic?size=64x36&seconds=1", "-n", "2")
    assert r.returncode == 2


def test_batch_do_bad_value_exits_2_naming_the_jobs(tmp_path):
    r = invoke("batch", str(tmp_path), "--do", "posterise", "--out-dir", str(tmp_path / "o"))
    assert r.returncode == 2 and "'posterise'" in r.stderr and "background or posterize" in r.stderr


def test_group_of_a_file_says_it_expects_a_folder(tmp_path):
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    r = invoke("group", str(photo), "--out", str(tmp_path / "g"))
    assert r.returncode == 1 and "expects a folder" in r.stderr and "no such folder" not in r.stderr


def test_truncated_jpeg_warned_once(tmp_path):
    rng = np.random.default_rng(0)
    full = tmp_path / "full.jpg"
    cv2.imwrite(str(full), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    data = full.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    r = invoke("posterize", str(cut), "-k", "3", "--out", str(tmp_path / "p.png"))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("truncated or damaged") == 1


def test_an_output_hard_linked_to_the_input_is_the_input(tmp_path):
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), np.zeros((8, 8, 3), np.uint8))
    link = tmp_path / "link.png"
    os.link(src, link)
    r = invoke("run", str(src), "--out", str(link), "--overwrite")
    assert r.returncode == 1 and "output is the input" in r.stderr
    assert cv2.imread(str(src)) is not None


def test_the_command_line_loads_no_numpy_opencv_or_pyav():
    import subprocess
    import sys

    code = "import sys, videotools.cli; print(sorted(m for m in ('numpy', 'cv2', 'av') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
