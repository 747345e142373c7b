"""The posterize command, in-process: it maps flags to :func:`videotools.posterize` and nothing else."""

import inspect

import pytest

import videotools as vt
from tests.cli.helpers import invoke
from videotools.cli import process_cmds
from videotools.processors.posterize import FIT_FRAMES

CLIP = "synthetic:traffic?size=160x90&seconds=2&noise=0"


def test_posterize_image_and_palette_round_trip(tmp_path):
    img = tmp_path / "img.png"
    vt.write_image(img, vt.SyntheticTraffic(size=(200, 120)).frame(30))
    r = invoke("posterize", str(img), "-k", "5", "--out", str(tmp_path / "p.png"),
               "--palette-out", str(tmp_path / "p.json"))
    assert r.returncode == 0, r.stderr
    pal = vt.Palette.load(tmp_path / "p.json")
    out = vt.read_image(tmp_path / "p.png")
    assert pal.k == 5 and {tuple(c) for c in out.reshape(-1, 3)} <= {tuple(c) for c in pal.colors.tolist()}
    assert f"palette (rgb, k=5): {' '.join(pal.hex)}" in r.stderr
    r = invoke("posterize", "synthetic:traffic?size=200x120&seconds=1", "--palette-from", str(tmp_path / "p.json"),
               "--out", str(tmp_path / "q.png"))
    assert r.returncode == 0, r.stderr
    q = vt.read_image(tmp_path / "q.png")
    assert {tuple(c) for c in q.reshape(-1, 3)} <= {tuple(c) for c in pal.colors.tolist()}


def test_a_percent_sign_in_a_video_name_is_a_character(tmp_path):
    """``speed 50%.mp4`` is one video file, written and reported (before: "bad image sequence pattern")."""
    out = tmp_path / "speed 50%.mp4"
    r = invoke("run", CLIP, "--max-frames", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.is_file() and f"wrote {out}" in r.stderr


def test_the_command_gives_what_the_api_gives(tmp_path):
    r = invoke("posterize", CLIP, "-k", "4", "--seed", "3", "--palette-out", str(tmp_path / "cli.json"))
    assert r.returncode == 0, r.stderr
    stats = vt.posterize(CLIP, k=4, seed=3, palette_out=tmp_path / "api.json")
    assert stats.frames == 50
    assert vt.Palette.load(tmp_path / "cli.json") == vt.Palette.load(tmp_path / "api.json") == stats.extra["palette"]


def test_one_fit_frames_default():
    cli_default = inspect.signature(process_cmds.posterize).parameters["fit_frames"].default
    assert cli_default == FIT_FRAMES
    assert vt.Posterize().fit_frames == FIT_FRAMES
    assert inspect.signature(vt.posterize).parameters["fit_frames"].default == FIT_FRAMES
    assert vt.parse_chain("posterize")[0].fit_frames == FIT_FRAMES


@pytest.mark.parametrize("args,needle", [
    (["--seed", "-1"], "bad value for --seed: '-1' (expected a whole number >= 0)"),
    (["--space", "hsv"], "bad value for --space: 'hsv'"),
    (["--fit-frames", "0"], "--fit-frames"),
])
def test_bad_options_are_usage_errors(tmp_path, args, needle):
    r = invoke("posterize", CLIP, "--out", str(tmp_path / "p.mp4"), *args)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("videotools: error: ")
    assert needle in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_bad_refit_names_the_flag(tmp_path):
    r = invoke("posterize", CLIP, "--refit", "sometimes")
    assert r.returncode == 1
    # "--refit must be" once processors/posterize.parse_refit raises with param="refit"
    assert r.stderr.strip().startswith("videotools: error: ")
    assert r.stderr.strip().endswith("refit must be never | every:N | scene (N > 0), got 'sometimes'")


def test_palette_out_named_twice_is_refused(tmp_path):
    r = invoke("posterize", CLIP, "--out", str(tmp_path / "p.png"), "--palette-out", str(tmp_path / "p.png"))
    assert r.returncode == 1 and "p.png" in r.stderr
    assert list(tmp_path.iterdir()) == []
