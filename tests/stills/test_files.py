"""extract_palette and segment_file: the palette and segment commands as API calls, outputs checked first."""

import cv2
import numpy as np
import pytest

from videotools.errors import OutputExistsError, ParameterError
from videotools.kmeans import Palette
from videotools.stills import extract_palette, segment_file


@pytest.fixture
def two_colours(tmp_path):
    img = np.zeros((40, 60, 3), np.uint8)
    img[:, 20:] = (200, 40, 10)  # RGB
    path = tmp_path / "two.png"
    cv2.imwrite(str(path), img[..., ::-1])
    return path


def test_extract_palette_writes_what_is_asked(two_colours, tmp_path):
    pal, shares = extract_palette(two_colours, 2, bar=tmp_path / "bar.png", gpl=tmp_path / "p.gpl",
                                  save=tmp_path / "p.json")
    assert sorted(s.hex for s in shares) == ["#000000", "#c8280a"]
    assert [round(s.share, 3) for s in shares] == [0.667, 0.333]
    assert cv2.imread(str(tmp_path / "bar.png")).shape == (120, 800, 3)
    assert "#c8280a" in (tmp_path / "p.gpl").read_text()
    assert Palette.load(tmp_path / "p.json").k == 2


def test_extract_palette_checks_outputs_before_reading(tmp_path):
    (tmp_path / "p.gpl").write_text("old")
    with pytest.raises(OutputExistsError, match="p.gpl"):
        extract_palette(tmp_path / "missing.png", 2, gpl=tmp_path / "p.gpl")  # not "no such file": checked first
    with pytest.raises(ParameterError, match=r"^bar .*expected an image name"):
        extract_palette(tmp_path / "missing.png", 2, bar=tmp_path / "bar.txt")


def test_segment_file_writes_the_view_and_labels(two_colours, tmp_path):
    seg = segment_file(two_colours, 2, out=tmp_path / "v.png", labels_out=tmp_path / "l.png", hide=(1,))
    view = cv2.imread(str(tmp_path / "v.png"))[..., ::-1]
    labels = cv2.imread(str(tmp_path / "l.png"), cv2.IMREAD_UNCHANGED)
    assert seg.k == 2 and labels.dtype == np.uint16 and set(np.unique(labels)) == {0, 1}
    assert np.all(view == 0)  # label 0 is the darkest (black), label 1 hidden


def test_segment_file_names_a_bad_label_map(two_colours, tmp_path):
    with pytest.raises(ParameterError, match=r"^labels_out .*\.png"):
        segment_file(two_colours, 2, labels_out=tmp_path / "l.jpg")
