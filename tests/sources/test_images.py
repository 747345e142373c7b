import cv2
import numpy as np
import pytest

import videotools as vt
from videotools.sources import list_images, source_name


def _write(path, img):
    assert cv2.imwrite(str(path), img)


def test_folder_natural_order_and_conversions(tmp_path):
    grey = np.full((20, 30), 77, np.uint8)
    bgra = np.zeros((20, 30, 4), np.uint8)
    bgra[..., 2] = 255  # red
    bgra[..., 3] = 255
    deep = np.full((20, 30, 3), 65535, np.uint16)
    _write(tmp_path / "img10.png", grey)
    _write(tmp_path / "img2.png", bgra)
    _write(tmp_path / "img1.png", deep)
    (tmp_path / "notes.txt").write_text("ignored")
    src = vt.open_source(tmp_path)
    assert [p.rsplit("/", 1)[-1] for p in src.paths] == ["img1.png", "img2.png", "img10.png"]
    frames = list(src)
    assert all(f.shape == (20, 30, 3) and f.dtype == np.uint8 for f in frames)
    assert frames[0][0, 0].tolist() == [255, 255, 255]
    assert frames[1][0, 0].tolist() == [255, 0, 0]  # BGRA red -> RGB red
    assert frames[2][0, 0].tolist() == [77, 77, 77]


def test_glob_single_image_and_unreadable(tmp_path):
    _write(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "b.png").write_bytes(b"not a png")
    _write(tmp_path / "c.png", np.full((8, 8, 3), 9, np.uint8))
    src = vt.open_source(str(tmp_path / "*.png"))
    frames = list(src)
    assert len(frames) == 2 and src.skipped[0].endswith("b.png")
    assert "skipped 1 unreadable" in src.warning
    one = vt.open_source(tmp_path / "c.png")
    assert one.frame_count == 1 and one.info.kind == "image"
    with pytest.raises(vt.SourceError, match="not a readable image: .*b.png"):
        vt.open_source(tmp_path / "b.png")


def test_names_with_glob_characters_are_names(tmp_path):
    """``photo [1].png`` and ``Holiday [2023]/`` exist as written: they are read as a file and a folder, not
    as patterns (before: "no images found in photo [1].png"); a pattern that names nothing is still a glob."""
    folder = tmp_path / "Holiday [2023]"
    folder.mkdir()
    for i in (1, 2):
        cv2.imwrite(str(folder / f"photo [{i}].png"), np.full((8, 8, 3), 40 * i, np.uint8))
    with vt.open_source(folder / "photo [1].png") as src:
        assert [int(f[0, 0, 0]) for f in src] == [40]
    with vt.open_source(folder) as src:
        assert [int(f[0, 0, 0]) for f in src] == [40, 80]
    assert source_name(folder / "photo [1].png") == "photo [1]"  # outputs are named after it
    assert list_images(str(tmp_path / "Holiday [2023]" / "*.png")) == []  # [2023] is a class: no such folder
    assert len(list_images(str(tmp_path / "Holiday [[]2023]" / "*.png"))) == 2  # escaped, as glob wants


def test_empty_folder(tmp_path):
    with pytest.raises(vt.SourceError, match="no images found in"):
        vt.open_source(tmp_path)


def test_phone_photos_come_out_upright(tmp_path):
    import struct

    img = np.zeros((40, 80, 3), np.uint8)
    img[:, :40] = (0, 0, 255)  # BGR: the left half is red, as stored
    jpeg = cv2.imencode(".jpg", img)[1].tobytes()
    # a minimal EXIF block: orientation 6, "rotate 90 degrees clockwise to display"
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<I", 0)
    app1 = b"Exif\x00\x00" + tiff
    path = tmp_path / "portrait.jpg"
    path.write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:])
    rgb = vt.read_image(path)
    assert rgb.shape == (80, 40, 3)  # displayed size: portrait
    assert rgb[:30, :, 0].mean() > 240 and rgb[50:, :, 0].mean() < 15  # the red half is now on top
    with vt.open_source(path) as src:
        assert src.size == (40, 80)


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_truncated_images_decode_as_far_as_they_go(tmp_path, ext, caplog):
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur((rng.random((120, 160, 3)) * 255).astype(np.uint8), (0, 0), 3)
    data = cv2.imencode(ext, img)[1].tobytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: len(data) // 3])
    with caplog.at_level("WARNING", logger="videotools"):
        rgb = vt.read_image(cut)
    assert rgb.shape == (120, 160, 3)
    top = np.abs(rgb[:20].astype(int) - img[:20, :, ::-1]).mean()  # the rows before the cut are the image's
    assert top < (3 if ext == ".jpg" else 0.01), top
    assert [r.getMessage() for r in caplog.records] == [f"{cut} is truncated or damaged: read as far as it decodes"]


def test_garbage_is_still_not_an_image(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8" + bytes(range(256)) * 4)
    with pytest.raises(vt.SourceError, match="not a readable image"):
        vt.read_image(bad)
