"""Image sinks: atomic files, sequences that create their folders, and one clear error on a read-only or full disk."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import videotools as vt
from videotools.errors import OutputExistsError, ParameterError, SinkError


def _frame(v: int = 0, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    rng = np.random.default_rng(v)
    return rng.integers(0, 256, (size[1], size[0], 3), np.uint8)


def _mount(folder: Path, options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir(exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")


@pytest.fixture
def small_fs(tmp_path):
    """``make(kind)`` mounts a 64 KiB tmpfs and returns it: ``"full"`` (filled up), ``"ro"`` (read-only)."""
    mounts: list[Path] = []

    def make(kind: str, *, keep: dict[str, bytes] | None = None) -> Path:
        folder = tmp_path / f"{kind}-{len(mounts)}"
        _mount(folder, "size=64k")
        mounts.append(folder)
        for name, data in (keep or {}).items():
            (folder / name).write_bytes(data)
        if kind == "full":
            fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(fd, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
        elif kind == "ro":
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        return folder

    yield make
    for folder in mounts:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_single_image_keeps_the_last_frame_and_is_atomic(tmp_path):
    out = tmp_path / "last.png"
    with vt.ImageSink(out) as sink:
        sink.write(_frame(1))
        sink.write(_frame(2))
        assert not out.exists()  # written on close, complete
    assert np.array_equal(vt.read_image(out), _frame(2))
    assert _names(tmp_path) == ["last.png"]


def test_sequence_creates_nested_folders_with_its_first_frame(tmp_path):
    pattern = tmp_path / "nd" / "x" / "%03d.png"
    sink = vt.ImageSink(pattern)
    assert not (tmp_path / "nd").exists()  # nothing is created before a frame arrives
    with sink:
        for i in range(3):
            sink.write(_frame(i))
    assert _names(tmp_path / "nd" / "x") == ["000.png", "001.png", "002.png"]
    assert np.array_equal(vt.read_image(tmp_path / "nd" / "x" / "002.png"), _frame(2))


@pytest.mark.parametrize("pattern,error,match", [
    ("f/%d_%d.png", ParameterError, "one field like %05d"),
    ("f/%s.png", ParameterError, "one field like %05d"),
    ("f/%05d.txt", ParameterError, "image extension"),
    ("x.txt", SinkError, "unknown image extension"),
    ("afile/%03d.png", SinkError, "afile is a file"),
])
def test_bad_patterns_fail_before_any_frame(tmp_path, pattern, error, match):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(error, match=match):
        vt.ImageSink(tmp_path / pattern)


def test_existing_outputs_are_never_overwritten(tmp_path):
    (tmp_path / "000.png").write_bytes(b"old")
    with pytest.raises(OutputExistsError, match="000.png"):
        vt.ImageSink(tmp_path / "%03d.png")
    (tmp_path / "002.png").write_bytes(b"old too")
    with pytest.raises(OutputExistsError, match="002.png"), vt.ImageSink(tmp_path / "s%03d.png") as sink:
        sink.write(_frame(0))
        sink.pattern = str(tmp_path / "%03d.png")  # the third frame's name is taken meanwhile
        sink.index = 2
        sink.write(_frame(1))
    assert (tmp_path / "002.png").read_bytes() == b"old too"
    vt.write_image(tmp_path / "000.png", _frame(3), overwrite=True)
    assert np.array_equal(vt.read_image(tmp_path / "000.png"), _frame(3))


def test_a_folder_that_vanishes_mid_run_is_one_error(tmp_path):
    import shutil

    with pytest.raises(SinkError, match=r"seq/001\.png: no such file or directory"), \
            vt.ImageSink(tmp_path / "seq" / "%03d.png") as sink:
        sink.write(_frame(0))
        shutil.rmtree(tmp_path / "seq")
        sink.write(_frame(1))


def test_full_disk_names_the_file_and_leaves_nothing_half_written(small_fs):
    full = small_fs("full")
    before = _names(full)
    with pytest.raises(SinkError, match=r"cannot write .*x\.png: no space left on device"):
        vt.write_image(full / "x.png", _frame(0, (256, 256)))
    with pytest.raises(SinkError, match=r"000\.png: no space left on device"), vt.ImageSink(full / "%03d.png") as s:
        s.write(_frame(0, (256, 256)))
    assert _names(full) == before


def test_full_disk_keeps_the_previous_file(small_fs):
    full = small_fs("full", keep={"x.png": b"previous"})
    with pytest.raises(SinkError, match="no space left on device"):
        vt.write_image(full / "x.png", _frame(0, (256, 256)), overwrite=True)
    assert (full / "x.png").read_bytes() == b"previous"


def test_read_only_folder_fails_before_any_frame(small_fs):
    ro = small_fs("ro")
    with pytest.raises(SinkError, match=r"x\.png.*read-only"):
        vt.ImageSink(ro / "x.png")
    with pytest.raises(SinkError, match="read-only"):
        vt.ImageSink(ro / "nd" / "%03d.png")
    with pytest.raises(SinkError, match="read-only"):
        vt.write_image(ro / "y.png", _frame(0))


def test_cli_read_only_and_full_outputs_end_in_one_line(small_fs, tmp_path):
    from typer.testing import CliRunner

    from videotools.cli import app

    ro, full = small_fs("ro"), small_fs("full")
    img = tmp_path / "in.png"
    vt.write_image(img, _frame(5, (128, 96)))
    for args, needle in (
        (["run", "synthetic:traffic?size=64x48&seconds=0.2", "--out", str(ro / "x.png")], f"{ro / 'x.png'}"),
        (["run", "synthetic:traffic?size=256x192&seconds=0.2", "--out", str(full / "%03d.png")], "no space left"),
        (["run", "synthetic:traffic?size=256x192&seconds=0.2", "--out", str(full / "last.png")], "no space left"),
        (["palette", str(img), "--save", str(full / "p.json"), "--json"], "no space left"),
        (["palette", str(img), "--gpl", str(ro / "p.gpl"), "--json"], "read-only"),
        (["segment", str(img), "--out", str(full / "s.png")], "no space left"),
        (["segment", str(img), "--labels-out", str(full / "l.png")], "no space left"),
    ):
        before_ro, before_full = _names(ro), _names(full)
        r = CliRunner().invoke(app, args)
        lines = [ln for ln in r.stderr.splitlines() if ln.startswith("videotools: error")]
        assert r.exit_code == 1, r.stderr
        assert len(lines) == 1 and needle in lines[0], r.stderr
        assert "Traceback" not in r.stderr and "wrote" not in r.stderr, r.stderr
        assert _names(ro) == before_ro and _names(full) == before_full
