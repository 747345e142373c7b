"""Each user mistake: one line on stderr naming the bad value, exit code 1, no traceback."""

import json

import numpy as np
import pytest

import videotools as vt
from tests.conftest import SAMPLE, cli


@pytest.mark.parametrize("args,message", [
    (["run", "missing.mp4"], "videotools: error: no such file: missing.mp4"),
    (["run", "{notvideo}"], "videotools: error: cannot read a video from {notvideo}"),
    (["run", "synthetic:weather"], "videotools: error: unknown synthetic scene 'weather'"),
    (["run", "camera:7"], "videotools: error: cannot open camera 7"),
    (["run", "synthetic:traffic?seconds=1", "--out", "{tmp}/no/such/dir/x.mp4"],
     "videotools: error: output folder does not exist: {tmp}/no/such/dir"),
    (["run", "synthetic:traffic?seconds=1", "--out", "{existing}"],
     "videotools: error: output exists: {existing} (use --overwrite to replace it)"),
    (["run", "synthetic:traffic?seconds=1", "--chain", "sharpen"], "videotools: error: unknown chain step 'sharpen'"),
    (["background", "synthetic:traffic?seconds=1", "--alpha", "1.5", "--save-dir", "{tmp}"],
     "videotools: error: --alpha must be in (0, 1], got 1.5"),
])
def test_user_errors(tmp_path, args, message):
    notvideo = tmp_path / "notes.mp4"
    notvideo.write_text("hello")
    existing = tmp_path / "exists.mp4"
    existing.write_bytes(b"keep me")
    fill = {"notvideo": str(notvideo), "tmp": str(tmp_path), "existing": str(existing)}
    args = [a.format(**fill) for a in args]
    r = cli(*args)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(message.format(**fill)), lines[0]
    assert existing.read_bytes() == b"keep me"


def test_run_copies_and_info_reports(tmp_path):
    out = tmp_path / "copy.mp4"
    r = cli("run", str(SAMPLE), "--out", str(out), "--max-frames", "30")
    assert r.returncode == 0, r.stderr
    assert "30 frames" in r.stderr
    r = cli("info", str(out), "--json", "--count")
    doc = json.loads(r.stdout)
    assert doc["frames"] == 30 and doc["width"] == 640 and doc["codec"] == "h264"


def test_chain_through_cli(tmp_path):
    out = tmp_path / "last.png"
    r = cli("run", "synthetic:traffic?size=160x90&seconds=1", "--chain", "resize:width=80 | posterize:k=3",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    img = vt.read_image(out)
    assert img.shape == (45, 80, 3)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) <= 3


@pytest.mark.slow
def test_python_m_and_help_examples():
    r = cli("--help")
    assert r.returncode == 0 and "posterize" in r.stdout and "background" in r.stdout
    for cmd in ("run", "posterize", "background", "info", "demo"):
        h = cli(cmd, "--help")
        assert h.returncode == 0 and ("Example" in h.stdout or "videotools-demo" in h.stdout), cmd


@pytest.mark.slow
def test_demo_writes_next_to_user_and_never_overwrites(tmp_path):
    """Names a user already has are kept, byte for byte; the demo takes the next free ones."""
    mine = {"videotools-demo.mp4": b"my video", "videotools-demo-background.png": b"my picture"}
    for name, data in mine.items():
        (tmp_path / name).write_bytes(data)
    r = cli("demo", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["videotools-demo-2-background.png", "videotools-demo-2.mp4",
                     "videotools-demo-background.png", "videotools-demo.mp4"]
    assert all((tmp_path / name).read_bytes() == data for name, data in mine.items())
    with vt.open_source(tmp_path / "videotools-demo-2.mp4") as src:
        assert src.size == (960, 360) and sum(1 for _ in src) == 500
    from videotools.demo import SAMPLE_SPEC  # its PNG is the plate: the empty road (the model: test_background)

    truth = vt.open_source(SAMPLE_SPEC).background(499).astype(float)
    png = vt.read_image(tmp_path / "videotools-demo-2-background.png")
    assert np.abs(png - truth).mean() < 3.0


def test_output_that_is_the_input_is_refused(tmp_path, clip):
    import shutil

    mine = tmp_path / "mine.mp4"
    shutil.copy(clip, mine)
    before = mine.read_bytes()
    r = cli("run", str(mine), "--out", str(mine), "--overwrite")
    assert r.returncode == 1
    assert r.stderr.strip() == f"videotools: error: output is the input: {mine} (write to another file)"
    assert mine.read_bytes() == before


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"videotools {vt.__version__}"


def test_image_sequence_creates_nested_folders(tmp_path):
    r = cli("run", "synthetic:traffic?size=64x48&seconds=0.2", "--out", str(tmp_path / "nd" / "x" / "%03d.png"),
            "--out", str(tmp_path / "last.png"))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "nd" / "x").iterdir()) == [f"{i:03d}.png" for i in range(5)]
    assert np.array_equal(vt.read_image(tmp_path / "nd" / "x" / "004.png"), vt.read_image(tmp_path / "last.png"))
    assert f"wrote {tmp_path / 'last.png'}" in r.stderr
