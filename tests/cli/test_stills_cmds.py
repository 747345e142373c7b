"""The still-image commands (palette, segment, group), in-process: exit codes, outputs, one-line errors."""

import csv
import json
import os

import cv2
import numpy as np
import pytest

import videotools as vt
from tests.cli.helpers import invoke as cli
from tests.conftest import ROOT
from tests.stills.test_group import photo_set  # noqa: F401 - a fixture
from tests.stills.test_palette import quadrants
from videotools.stills import adjusted_rand_index, dominant_colors, palette_bar, write_gpl


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
def test_palette_errors(tmp_path, args, msg):
    (tmp_path / "notimage.png").write_text("text")
    vt.write_image(tmp_path / "img.png", quadrants())
    empty = tmp_path / "empty"
    empty.mkdir()
    fill = {"tmp": str(empty), "notimage": str(tmp_path / "notimage.png"), "img": str(tmp_path / "img.png")}
    r = cli("palette", *[a.format(**fill) for a in args])
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert msg in r.stderr


def test_segment_writes_view_and_16_bit_labels(tmp_path):
    out, lab = tmp_path / "seg.png", tmp_path / "labels.png"
    r = cli("segment", str(ROOT / "samples" / "chelsea.png"), "-k", "5", "--out", str(out), "--labels-out", str(lab),
            "--view", "labels", "--hide", "2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("label ") == 5 and "(hidden)" in r.stdout and "compression ratio 8.0:1" in r.stderr
    labels = cv2.imread(str(lab), cv2.IMREAD_UNCHANGED)
    assert labels.dtype == np.uint16 and labels.shape == (300, 451) and set(np.unique(labels)) == {0, 1, 2, 3, 4}
    view = vt.read_image(out)
    assert (view[labels == 2] == 0).all()


@pytest.mark.parametrize("args,msg,code", [
    (["{img}", "-k", "4"], "nothing to write", 1),
    (["{img}", "--features", "hsv", "--out", "{tmp}/a.png"],
     "bad value for --features: 'hsv' (expected features: rgb, lab, rgbxy)", 2),
    (["{img}", "--view", "edges", "--out", "{tmp}/a.png"],
     "bad value for --view: 'edges' (expected a view: colors, labels, overlay)", 2),
    (["{tmp}/none.png", "--out", "{tmp}/a.png"], "no such file", 1),
])
def test_segment_errors(tmp_path, args, msg, code):
    fill = {"img": str(ROOT / "samples" / "coffee.png"), "tmp": str(tmp_path)}
    r = cli("segment", *[a.format(**fill) for a in args])
    assert r.returncode == code and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert msg in r.stderr


def test_groups_the_generated_set_and_reports(photo_set, tmp_path):  # noqa: F811
    folder, truth = photo_set
    flat = folder / "flat.png"  # no keypoints: still placed, by colour
    vt.write_image(flat, np.full((100, 100, 3), 90, np.uint8))
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    (folder / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")  # a format OpenCV does not read
    out = tmp_path / "grouped"
    r = cli("group", str(folder), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "silhouette" in r.stderr and "no keypoints" in r.stderr and "broken.jpg" in r.stderr
    rows = list(csv.DictReader(open(out / "groups.csv")))
    placed = {os.path.basename(r["file"]): r for r in rows}
    assert placed["broken.jpg"]["note"].startswith("unreadable") and os.path.exists(folder / "broken.jpg")
    assert placed["phone.heic"]["note"].startswith("unreadable")  # listed, not silently skipped
    assert placed["flat.png"]["group"] and "no keypoints" in placed["flat.png"]["note"]
    names = sorted(truth)
    ari = adjusted_rand_index([truth[n] for n in names], [placed[n]["group"] for n in names])
    assert ari >= 0.9, ari
    copies = [p for g in out.iterdir() if g.is_dir() for p in g.iterdir()]
    assert len(copies) == len(truth) + 1
    assert len(list(folder.iterdir())) == len(truth) + 3  # copies: originals untouched


def test_fixed_k_move_and_overwrite_rules(photo_set, tmp_path):  # noqa: F811
    folder, truth = photo_set
    out = tmp_path / "g"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    r = cli("group", str(folder), "--out", str(out), "-k", "4")
    assert r.returncode == 1 and "output folder is not empty" in r.stderr
    r = cli("group", str(folder), "--out", str(out), "-k", "4", "--move", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert (out / "keep.txt").read_text() == "mine"
    assert not list(folder.iterdir())  # moved, not deleted:
    assert sum(1 for g in out.glob("group-*") for _ in g.iterdir()) == len(truth)


@pytest.mark.parametrize("args,msg,code", [
    (["{tmp}/nope", "--out", "{tmp}/o"], "no such folder", 1),
    (["{empty}", "--out", "{tmp}/o"], "no images found", 1),
    (["{one}", "--out", "{tmp}/o"], "need at least 2 readable images", 1),
    (["{one}", "--out", "{tmp}/o", "-k", "many"], "bad value for -k: 'many' (expected 'auto' or a whole number", 2),
])
def test_group_errors(tmp_path, args, msg, code):
    empty, one = tmp_path / "empty", tmp_path / "one"
    empty.mkdir()
    one.mkdir()
    vt.write_image(one / "a.png", np.zeros((20, 20, 3), np.uint8))
    fill = {"tmp": str(tmp_path), "empty": str(empty), "one": str(one)}
    r = cli("group", *[a.format(**fill) for a in args])
    assert r.returncode == code and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert msg in r.stderr
