import csv
import os

import numpy as np
import pytest

import videotools as vt
from tests.conftest import cli
from tests.sinks.test_images import small_fs  # noqa: F401, F811 - a fixture
from videotools.sources.synthetic import synthetic_photo_set
from videotools.stills import adjusted_rand_index, group_images
from videotools.stills.group import silhouette


@pytest.fixture
def photo_set(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    truth = {}
    for i, (base, img) in enumerate(synthetic_photo_set(4, 5, seed=3)):
        name = f"img{i:02d}.jpg"
        vt.write_image(folder / name, img)
        truth[name] = base
    return folder, truth


def test_ari_and_silhouette_reference_values():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    x = np.array([[0.0], [0.1], [10.0], [10.1]])
    assert silhouette(x, np.array([0, 0, 1, 1])) == pytest.approx(0.99, abs=0.01)


def test_groups_the_generated_set_and_reports(photo_set, tmp_path):
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


def test_fixed_k_move_and_overwrite_rules(photo_set, tmp_path):
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
def test_errors(tmp_path, args, msg, code):
    empty, one = tmp_path / "empty", tmp_path / "one"
    empty.mkdir()
    one.mkdir()
    vt.write_image(one / "a.png", np.zeros((20, 20, 3), np.uint8))
    fill = {"tmp": str(tmp_path), "empty": str(empty), "one": str(one)}
    r = cli("group", *[a.format(**fill) for a in args])
    assert r.returncode == code and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert msg in r.stderr


def test_k_larger_than_images(photo_set):
    folder, _ = photo_set
    paths = sorted(str(p) for p in folder.iterdir())[:3]
    with pytest.raises(vt.ParameterError, match="k must be 'auto' or 1..3"):
        group_images(paths, 5)


def test_copies_are_atomic_and_a_full_disk_is_one_error(photo_set, small_fs):  # noqa: F811
    from videotools.stills.group import write_groups

    folder, _ = photo_set
    paths = sorted(str(p) for p in folder.iterdir())[:4]
    res = group_images(paths, 2)
    full = small_fs("full")
    with pytest.raises(vt.SinkError, match="no space left on device"):
        write_groups(res, full / "out")
    leftovers = [p.name for p in (full / "out").rglob("*") if p.is_file()]
    assert not [n for n in leftovers if ".part" in n]  # only complete copies, never half-written ones
    for p in (full / "out").rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (folder / p.name).read_bytes()
