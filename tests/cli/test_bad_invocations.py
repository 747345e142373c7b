"""A table of bad invocations of every command: each ends in one stderr line naming the bad value.

Every case runs in-process through typer's CliRunner and checks the exit code
(2 for a malformed command line, 1 for anything else), exactly one line on
stderr containing the value (or file) at fault, no traceback, and that the
files of the test folder are byte-identical afterwards (nothing written,
nothing created).
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

import videotools as vt
from videotools.cli import app

S = "synthetic:traffic?size=64x48&seconds=0.2"


def case(args: str | list[str], code: int, needle: str, *marks: pytest.MarkDecorator, id: str | None = None):
    """One row: arguments (a string split on spaces, or a list), exit code, text the error line must hold."""
    argv = args.split(" ") if isinstance(args, str) else args
    return pytest.param(argv, code, needle, marks=marks, id=id or " ".join(argv)[:80])


CASES = [
    # -- the command line itself (exit 2) ---------------------------------------------------------
    case("run", 2, "SOURCE"),
    case("bogus", 2, "bogus"),
    case(f"run {S} --bogus", 2, "--bogus"),
    case(f"run {S} --crf 52", 2, "'52'"),
    case(f"run {S} --crf -1", 2, "'-1'"),
    case(f"run {S} --crf abc", 2, "'abc'"),
    case(f"run {S} --max-frames 0", 2, "'0'"),
    case(f"run {S} --max-frames -3", 2, "'-3'"),
    case(f"run {S} --max-frames 1.5", 2, "'1.5'"),
    case(f"run {S} --max-frames x", 2, "'x'"),
    case(f"run {S} --start -1", 2, "'-1'"),
    case(f"run {S} --start abc", 2, "'abc'"),
    case(f"run {S} --start nan", 2, "'nan'"),
    case(f"run {S} --end inf", 2, "'inf'"),
    case(f"run {S} --end nan", 2, "'nan'"),
    case(f"run {S} --start 3 --end 1", 2, "--end"),
    case(f"run {S} --start 2 --end 2", 2, "--end"),
    case(f"run {S} --preset fastest", 2, "'fastest'"),
    case(f"run {S} --camera-mode bogus", 2, "'bogus'"),
    case(f"run {S} --camera-size 0x5", 2, "'0x5'"),
    case(f"run {S} --camera-size 640", 2, "'640'"),
    case(f"run {S} --camera-size axb", 2, "'axb'"),
    case(f"run {S} --camera-size 99999x10", 2, "'99999x10'"),
    case(f"run {S} --camera-fps 0", 2, "'0'"),
    case(f"run {S} --camera-fps -5", 2, "'-5'"),
    case(f"run {S} --camera-fps nan", 2, "'nan'"),
    case(f"run {S} --camera-fps 5000", 2, "'5000'"),
    case(f"run {S} --serve 99999", 2, "'99999'"),
    case(f"run {S} --serve 0", 2, "'0'"),
    case(f"run {S} --serve abc", 2, "'abc'"),
    case(f"run {S} --serve host:", 2, "'host:'"),
    case(f"run {S} --out", 2, "--out"),
    case(f"run {S} --chain", 2, "--chain"),
    case(f"run {S} extra", 2, "extra"),
    case(f"posterize {S} -k 0", 2, "'0'"),
    case(f"posterize {S} -k abc", 2, "'abc'"),
    case(f"posterize {S} -k 257", 2, "'257'"),
    case(f"posterize {S} -k 1.5", 2, "'1.5'"),
    case(f"posterize {S} --fit-frames 0", 2, "'0'"),
    case(f"posterize {S} --crf 52", 2, "'52'"),
    case(f"posterize {S} --start nan", 2, "'nan'"),
    case(f"posterize {S} --seed -1", 2, "'-1'"),
    case(f"posterize {S} --space xyz", 2, "'xyz'"),
    case(f"background {S} --alpha nan", 2, "'nan'"),
    case(f"background {S} --alpha abc", 2, "'abc'"),
    case(f"background {S} --threshold nan", 2, "'nan'"),
    case(f"background {S} --threshold inf", 2, "'inf'"),
    case(f"background {S} --every 0", 2, "'0'"),
    case(f"background {S} --max-frames 0", 2, "'0'"),
    case("info", 2, "SOURCE"),
    case(f"info {S} --bogus", 2, "--bogus"),
    case("demo --bogus", 2, "--bogus"),
    case("live --camera-size 0x0", 2, "'0x0'"),
    case("live --camera-fps 0", 2, "'0'"),
    case("live --serve 70000", 2, "'70000'"),
    case("live --crf 99", 2, "'99'"),
    case("live --max-frames 0", 2, "'0'"),
    case("cameras --max-index 0", 2, "'0'"),
    case("cameras --max-index abc", 2, "'abc'"),
    case("cameras --max-index 100", 2, "'100'"),
    case("cameras --bogus", 2, "--bogus"),
    case("chains extra", 2, "extra"),
    case("palette", 2, "SOURCE"),
    case("palette {img} -k 0", 2, "'0'"),
    case("palette {img} -k 300", 2, "'300'"),
    case("palette {img} --space xyz", 2, "'xyz'"),
    case("palette {img} --seed -1", 2, "'-1'"),
    case("palette {img} --frames 0", 2, "'0'"),
    case("segment", 2, "IMAGE"),
    case("segment {img} --out s.png -k 0", 2, "'0'"),
    case("segment {img} --out s.png --view nope", 2, "'nope'"),
    case("segment {img} --out s.png --features xyz", 2, "'xyz'"),
    case("segment {img} --out s.png --spatial-weight nan", 2, "'nan'"),
    case("segment {img} --out s.png --spatial-weight -1", 2, "'-1'"),
    case("segment {img} --out s.png --hide -1", 2, "'-1'"),
    case("segment {img} --out s.png --seed -1", 2, "'-1'"),
    case("group", 2, "FOLDER"),
    case("group {imgs}", 2, "--out"),
    case("group {imgs} --out g -k 0", 2, "'0'"),
    case("group {imgs} --out g -k abc", 2, "'abc'"),
    case("group {imgs} --out g --max-k 1", 2, "'1'"),
    case("group {imgs} --out g --seed -1", 2, "'-1'"),
    case("batch", 2, "INPUTS"),
    case("batch x --do background", 2, "--out-dir"),
    case("batch x --do background --out-dir y --workers 0", 2, "'0'"),
    case("batch x --do background --out-dir y -k 0", 2, "'0'"),
    case("batch x --do background --out-dir y --chunk-seconds -1", 2, "'-1'"),
    case("batch x --do background --out-dir y --chunk-seconds nan", 2, "'nan'"),
    case("batch x --do background --out-dir y --crf 60", 2, "'60'"),
    case("batch x --do background --out-dir y --alpha nan", 2, "'nan'"),
    case("batch x --do background --out-dir y --preset nope", 2, "'nope'"),
    # -- outputs of a run, checked together before any work (exit 1) ------------------------------
    case(f"run {S} --out o.mp4 --out o.mp4", 1, "o.mp4"),
    case(f"run {S} --out o.mp4 --out ./o.mp4", 1, "./o.mp4"),
    case(f"run {S} --out f/%05d.png --out f/00003.png", 1, "f/00003.png"),
    case(f"run {S} --out f/%05d.png --out f/%d.png", 1, "f/%d.png"),
    case(f"run {S} --out x.txt", 1, "x.txt"),
    case(f"run {S} --out a%s.png", 1, "a%s.png"),
    case(f"run {S} --out f/%d_%d.png", 1, "f/%d_%d.png"),
    case(f"run {S} --out nodir/x.mp4", 1, "nodir"),
    case(f"run {S} --out {{existing}}", 1, "{existing}"),
    case(f"run {S} --out ok.mp4 --out {{existing}}", 1, "{existing}"),
    case(f"run {S} --out nd/x/%05d.png --out {{existing}}", 1, "{existing}"),
    case(f"run {S} --out {{folder}}", 1, "{folder}"),
    case(f"run {S} --out {{file}}/x.png", 1, "{file}"),
    case("run {clip} --out {clip} -y", 1, "{clip}"),
    case(f"run {S} --out ok.png --out {{existing_png}}", 1, "{existing_png}"),
    # -- chains ------------------------------------------------------------------------------------
    case(f"run {S} --chain sharpen", 1, "'sharpen'"),
    case([*f"run {S} --chain".split(), "blur:sigma=nan"], 1, "'nan'"),
    case([*f"run {S} --chain".split(), "blur:sigma=abc"], 1, "'abc'"),
    case([*f"run {S} --chain".split(), "posterize:k=0"], 1, "'0'"),
    case([*f"run {S} --chain".split(), "posterize:seed=-1"], 1, "'-1'"),
    case([*f"run {S} --chain".split(), "background:alpha=0.1,alpha=0.1"], 1, "alpha=0.1"),
    case([*f"run {S} --chain".split(), "background:alpha=2"], 1, "2"),
    case([*f"run {S} --chain".split(), "resize:scale=inf"], 1, "'inf'"),
    case([*f"run {S} --chain".split(), "resize:width=0"], 1, "'0'"),
    case([*f"run {S} --chain".split(), "flip:axis=z"], 1, "'z'"),
    case([*f"run {S} --chain".split(), "posterize:bogus=1"], 1, "bogus=1"),
    case([*f"run {S} --chain".split(), "posterize:k=3 |"], 1, "posterize:k=3 |"),
    case([*f"run {S} --chain".split(), "background:selective=maybe"], 1, "'maybe'"),
    case([*f"run {S} --chain".split(), "posterize:palette=nope.json"], 1, "nope.json"),
    case([*"live --chain".split(), "blur:sigma=-1"], 1, "-1"),
    case("live --chain sharpen", 1, "'sharpen'"),
    # -- sources -------------------------------------------------------------------------------------
    case("run missing.mp4", 1, "missing.mp4"),
    case("run {notvideo}", 1, "{notvideo}"),
    case("run synthetic:weather", 1, "'weather'"),
    case("run synthetic:traffic?noise=inf", 1, "inf"),
    case("run synthetic:traffic?noise=nan", 1, "nan"),
    case("run synthetic:traffic?noise=-5", 1, "-5"),
    case("run synthetic:traffic?size=100000x100000", 1, "100000x100000"),
    # "--start/--end" once sources/__init__.open_source raises them with param="start/end"
    case(f"run {S} --start 5", 1, "start"),
    case("run {img} --start 5 --out o.png", 1, "start"),
    case("run {clip} --start 100 --out o.mp4", 1, "100"),
    case("run {clip} --end inf --out o.mp4", 2, "'inf'"),
    case("run {audio} --out o.mp4", 1, "{audio}"),
    case("info missing.mp4", 1, "missing.mp4"),
    case("info {notvideo}", 1, "{notvideo}"),
    case("run camera:7", 1, "7"),
    case("posterize camera:7 --out o.mp4", 1, "7"),
    case(f"background {S} --save-dir {{file}}", 1, "{file}"),
    case(f"background {S} --save-dir missing", 1, "missing"),
    case(f"background {S} --alpha 0", 1, "0"),
    case(f"background {S} --alpha 1.5 --save-dir .", 1, "1.5"),
    case(f"background {S} --view nope", 1, "'nope'"),
    case(f"background {S} --alpha 0.1 --alpha 0.1", 1, "0.1"),
    case(f"posterize {S} --refit sometimes", 1, "'sometimes'"),
    case(f"posterize {S} --palette-from missing.json", 1, "missing.json"),
    case(f"posterize {S} --palette-from {{notjson}}", 1, "{notjson}"),
    case(f"posterize {S} --palette-out nodir/p.json", 1, "nodir"),
    case(f"posterize {S} --out o.png --palette-out o.png", 1, "o.png"),
    case(f"posterize {S} --out o.png --palette-out {{existing_json}}", 1, "exists.json"),
    case("demo --out nodir/demo.mp4", 1, "nodir"),
    case("live --record-dir missing", 1, "missing"),
    case("live 7 --serve 8080", 1, "7"),
    case(f"run {S} --serve 127.0.0.1:{{busy}}", 1, "{busy}"),
    case(f"run {S} --serve 10.255.255.1:8080", 1, "10.255.255.1:8080"),
    # -- still-image commands ------------------------------------------------------------------------
    case("palette missing.png", 1, "missing.png"),
    case("palette {notimage}", 1, "{notimage}"),
    case("palette {empty}", 1, "{empty}"),
    case("palette {img} --bar bar.txt", 1, "bar.txt"),
    case("palette {img} --bar nodir/b.png", 1, "nodir"),
    case("palette {img} --bar b.png --save b.png", 1, "b.png"),
    case("palette {img} --save {existing_json}", 1, "{existing_json}"),
    case("palette {img} --gpl nodir/x.gpl", 1, "nodir"),
    case("segment {img}", 1, "--out"),
    case("segment {img} --out s.png --hide 9", 1, "9"),
    case("segment {img} --labels-out l.jpg", 1, "l.jpg"),
    case("segment {img} --out s.txt", 1, "s.txt"),
    case("segment {img} --out s.png --labels-out s.png", 1, "s.png"),
    case("segment {img} --out {existing_png}", 1, "{existing_png}"),
    case("segment missing.png --out s.png", 1, "missing.png"),
    case("segment {notimage} --out s.png", 1, "{notimage}"),
    case("group {imgs} --out g --link --move", 1, "--link"),
    case("group nope --out g", 1, "nope"),
    case("group {empty} --out g", 1, "{empty}"),
    case("group {imgs} --out {file}", 1, "{file}"),
    case("group {imgs} --out {full}", 1, "{full}"),
    case("group {imgs} --out nodir/g", 1, "nodir"),
    case("batch nope --do background --out-dir y", 1, "nope"),
    case("batch {clip} --do sharpen --out-dir y", 2, "background or posterize"),
]


def _image(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur((rng.random((48, 64, 3)) * 255).astype(np.uint8), (0, 0), 2)
    cv2.imwrite(str(path), img)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Iterator[dict[str, str]]:
    """Read-only inputs shared by the table: an image, a folder of images, a clip, files that are not media,
    and a port in use."""
    d = tmp_path_factory.mktemp("inputs")
    _image(d / "img.png", 0)
    (d / "imgs").mkdir()
    for i in range(4):
        _image(d / "imgs" / f"p{i}.png", i)
    (d / "empty").mkdir()
    (d / "notes.mp4").write_text("hello")
    (d / "notes.png").write_text("hello")
    (d / "notes.json").write_text("{not json")
    clip = d / "clip.mp4"
    with vt.open_source(S) as src, vt.VideoSink(clip, fps=25) as sink:
        for f in src:
            sink.write(f)
    audio = d / "tone.m4a"
    try:
        import av

        with av.open(str(audio), "w") as out:
            stream = out.add_stream("aac", rate=44100)
            t = np.arange(44100 // 2) / 44100
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 44100
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    except Exception:  # noqa: BLE001 - no encoder: the audio case is skipped
        audio = d / "no-audio-file"
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    yield {"busy": str(busy.getsockname()[1]), "img": str(d / "img.png"), "imgs": str(d / "imgs"),
           "empty": str(d / "empty"), "notvideo": str(d / "notes.mp4"), "notimage": str(d / "notes.png"),
           "notjson": str(d / "notes.json"), "clip": str(clip), "audio": str(audio)}
    busy.close()


def _state(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes."""
    out = {}
    for p in sorted(folder.rglob("*")):
        out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.mark.parametrize("argv,code,needle", CASES)
def test_bad_invocation(argv, code, needle, inputs, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "exists.mp4").write_bytes(b"keep me")
    (work / "exists.png").write_bytes(b"keep me too")
    (work / "exists.json").write_bytes(b"{}")
    (work / "folder.png").mkdir()
    (work / "afile").write_text("a file")
    (work / "full").mkdir()
    (work / "full" / "x").write_text("x")
    fill = {**inputs, "existing": "exists.mp4", "existing_png": "exists.png", "existing_json": "exists.json",
            "folder": "folder.png", "file": "afile", "full": "full"}
    if "{audio}" in " ".join(argv) and not Path(inputs["audio"]).exists():
        pytest.skip("no AAC encoder to make an audio-only file")
    args = [a.format(**fill) for a in argv]
    needle = needle.format(**fill)
    before, inputs_before = _state(work), _state(Path(inputs["img"]).parent)
    monkeypatch.delenv("DISPLAY", raising=False)
    result = CliRunner().invoke(app, args)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.exit_code == code, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("videotools: error: "), lines[0]
    assert needle in lines[0], lines[0]
    assert _state(work) == before
    assert _state(Path(inputs["img"]).parent) == inputs_before


def test_the_table_covers_every_command():
    assert len(CASES) >= 120
    commands = {c.values[0][0] for c in CASES}
    assert commands >= {"run", "info", "demo", "posterize", "background", "live", "cameras", "chains", "palette",
                        "segment", "group", "batch"}
