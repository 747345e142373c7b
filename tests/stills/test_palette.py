import json

import cv2
import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT, cli
from tests.sinks.test_images import small_fs  # noqa: F401, F811 - a fixture
from videotools.stills import dominant_colors, palette_bar, write_gpl
from videotools.stills.palette import percentages


def quadrants():
    img = np.zeros((100, 100, 3), np.uint8)
    img[:50, :50] = (255, 0, 0)     # 25 %
    img[:50, 50:] = (0, 0, 255)     # 25 %
    img[50:, :] = (0, 200, 0)       # 50 %
    return img


def test_shares_are_exact_and_sorted():
    noisy = np.clip(quadrants().astype(int) + np.random.default_rng(0).integers(-5, 6, (100, 100, 3)), 0, 255)
    pal, shares = dominant_colors(noisy.astype(np.uint8), 3)
    assert [s.share for s in shares] == [0.5, 0.25, 0.25]
    assert shares[0].rgb[1] > 190 and shares[0].hex.startswith("#")
    labels = pal.labels(noisy.astype(np.uint8))
    for s in shares:  # share = fraction of pixels whose nearest palette colour it is
        i = pal.hex.index(s.hex)
        assert (labels == i).mean() == s.share


def test_transparent_pixels_are_ignored(tmp_path):
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[..., :3] = quadrants()[..., ::-1]
    rgba[..., 3] = 255
    rgba[50:, :, 3] = 0  # the green half is transparent
    path = tmp_path / "t.png"
    cv2.imwrite(str(path), rgba)
    r = cli("palette", str(path), "-k", "2", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sorted(d["hex"] for d in doc) == ["#0000ff", "#ff0000"] and [d["share"] for d in doc] == [0.5, 0.5]


def test_percentages_sum_to_100():
    shares = [vt.stills.ColorShare("#000000", (0, 0, 0), v) for v in (1 / 3, 1 / 3, 1 / 3)]
    assert sum(percentages(shares)) == pytest.approx(100.0)
    assert sorted(percentages(shares)) == [33.3, 33.3, 33.4]


def test_bar_gpl_and_saved_palette(tmp_path):
    _, shares = dominant_colors(quadrants(), 3)
    bar = palette_bar(shares, width=400, height=50)
    assert bar.shape == (50, 400, 3)
    assert bar[10, 100].tolist() == [0, 200, 0] and bar[10, 250].tolist() in ([255, 0, 0], [0, 0, 255])
    gpl = write_gpl(tmp_path / "p.gpl", shares).read_text().splitlines()
    assert gpl[0] == "GIMP Palette" and gpl[4].split()[:3] == ["0", "200", "0"]
    img = tmp_path / "q.png"
    vt.write_image(img, quadrants())
    r = cli("palette", str(img), "-k", "3", "--bar", str(tmp_path / "bar.png"), "--bar-labels",
            "--gpl", str(tmp_path / "x.gpl"), "--save", str(tmp_path / "p.json"))
    assert r.returncode == 0, r.stderr
    assert "50.0%" in r.stdout and "25.0%" in r.stdout
    assert vt.Palette.load(tmp_path / "p.json").k == 3
    assert vt.read_image(tmp_path / "bar.png").shape == (120, 800, 3)


def test_video_frames_are_sampled_across_the_clip():
    r = cli("palette", str(ROOT / "samples" / "traffic.mp4"), "-k", "4", "--frames", "8", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc) == 4 and abs(sum(d["share"] for d in doc) - 1) < 1e-9
    greens = [d for d in doc if d["rgb"][1] > d["rgb"][0] + 20]
    assert greens and greens[0]["share"] > 0.25  # the grass


@pytest.mark.parametrize("args,msg", [
    (["missing.png"], "no such file: missing.png"),
    (["{tmp}"], "no images found in"),
    (["{notimage}"], "not a readable image"),
    (["{img}", "--bar", "{tmp}/nodir/bar.png"], "output folder does not exist"),
])
def test_errors(tmp_path, args, msg):
    (tmp_path / "notimage.png").write_text("text")
    vt.write_image(tmp_path / "img.png", quadrants())
    empty = tmp_path / "empty"
    empty.mkdir()
    fill = {"tmp": str(empty), "notimage": str(tmp_path / "notimage.png"), "img": str(tmp_path / "img.png")}
    r = cli("palette", *[a.format(**fill) for a in args])
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert msg in r.stderr


def test_palette_files_are_atomic_on_a_full_disk(small_fs):  # noqa: F811
    pal, shares = dominant_colors(quadrants(), 3)
    full = small_fs("full", keep={"p.json": b"previous", "p.gpl": b"previous"})
    with pytest.raises(vt.SinkError, match=r"p\.json: no space left on device"):
        pal.save(full / "p.json")
    with pytest.raises(vt.SinkError, match=r"p\.gpl: no space left on device"):
        write_gpl(full / "p.gpl", shares)
    assert (full / "p.json").read_bytes() == b"previous" and (full / "p.gpl").read_bytes() == b"previous"
    with pytest.raises(vt.OutputExistsError, match="p.json"):
        pal.save(full / "p.json", overwrite=False)
