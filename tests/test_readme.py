"""The README's Python examples run as written, in a fresh copy of the project."""

import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(tmp_path, index):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    shutil.copy(ROOT / "README.md", tmp_path)
    r = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    if index == 0:  # the first block prints what its comments promise
        assert r.stdout.splitlines()[:2] == ["(640, 360) 25.0 500", "500 ['poster.mp4']"]
        assert (tmp_path / "poster.mp4").stat().st_size > 10000 and (tmp_path / "pal.json").exists()
