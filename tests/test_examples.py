"""Every script in examples/ runs, each in its own temporary folder, and does what it says."""

import subprocess
import sys

import cv2
import imageio_ffmpeg
import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
CLIP = ROOT / "samples" / "traffic.mp4"


def run(script, *args, cwd):
    r = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], cwd=cwd, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def decodes_cleanly(path):
    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                       capture_output=True, text=True)
    return r.returncode == 0 and not r.stderr.strip()


def test_every_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == {
        "custom_processor.py", "custom_sink.py", "frames_with_times.py", "dask_batch.py"}


@pytest.mark.slow
def test_custom_processor(tmp_path):
    assert run("custom_processor.py", CLIP, "edges.mp4", cwd=tmp_path).strip() == "50 frames -> edges.mp4"
    cap = cv2.VideoCapture(str(tmp_path / "edges.mp4"))
    ok, frame = cap.read()
    assert ok and frame.shape == (180, 320, 3) and decodes_cleanly(tmp_path / "edges.mp4")


@pytest.mark.slow
def test_custom_sink(tmp_path):
    lines = run("custom_sink.py", CLIP, cwd=tmp_path).splitlines()
    assert [line.split()[0] for line in lines] == ["0", "1", "2"]
    assert all(line.endswith("(25 frames)") for line in lines)


@pytest.mark.slow
def test_frames_with_times(tmp_path):
    lines = run("frames_with_times.py", "synthetic:traffic?size=96x64&fps=10&seconds=3", cwd=tmp_path).splitlines()
    assert lines[0] == "96x64 at 10 fps"
    assert [line.split()[2] for line in lines[1:]] == [f"t={i / 10:.3f}" for i in range(10)]


@pytest.mark.slow
def test_dask_batch(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(2):
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", str(2 * i), "-t", "1", "-i", str(CLIP),
                        "-vf", "scale=160:90", "-an", "-c:v", "libx264", "-preset", "ultrafast",
                        str(clips / f"cam{i}.mp4")], check=True)
    out = run("dask_batch.py", clips, "bg", cwd=tmp_path)
    assert out.count("done") == 2, out
    for i in range(2):
        plate = cv2.imread(str(tmp_path / "bg" / f"cam{i}" / "background-plate.png"))
        assert plate.shape == (90, 160, 3)
    assert (tmp_path / "bg" / "batch.json").is_file()
