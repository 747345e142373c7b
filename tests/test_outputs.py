"""check_outputs: every output of a run checked together, before anything is written."""

import os

import pytest

import videotools as vt
from videotools.outputs import check_outputs


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_kinds_and_folders_a_sequence_will_make(here):
    got = check_outputs(["a.mp4", "b.png", "nd/x/%05d.png", "speed 50%.mkv"], also=["p.json"])
    assert [(o.path, o.kind) for o in got] == [("a.mp4", "video"), ("b.png", "image"), ("nd/x/%05d.png", "sequence"),
                                                ("speed 50%.mkv", "video"), ("p.json", "file")]  # a video is one file
    assert [f.name for f in got[2].folders] == ["nd", "x"]  # outermost first
    assert os.listdir(here) == []  # nothing created


@pytest.mark.parametrize("outs,also,msg", [
    (["o.mp4", "o.mp4"], [], "output o.mp4 is given twice"),
    (["o.mp4", "./o.mp4"], [], "outputs o.mp4 and ./o.mp4 are the same file"),
    (["o.txt"], [], "unknown output extension '.txt' in o.txt"),
    (["o"], [], "unknown output extension '(none)'"),
    (["f/%05d.mp4"], [], "needs an image extension"),
    (["f/%s.png"], [], "bad image sequence pattern"),
    (["f/%05d.png", "f/%03d.png"], [], "would write the same files"),
    (["f/%05d.png", "f/00003.png"], [], "is a file the image sequence f/%05d.png would write"),
    (["o.png"], ["o.png"], "output o.png is given twice"),
    ([" "], [], "an output name is empty"),
])
def test_names_are_checked_together(here, outs, also, msg):
    with pytest.raises(vt.ParameterError, match=msg.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        check_outputs(outs, also=also)


def test_existing_files_folders_and_the_input(here):
    (here / "old.json").write_text("{}")
    (here / "dir.png").mkdir()
    (here / "in.mp4").write_bytes(b"x")
    with pytest.raises(vt.OutputExistsError, match="output exists: old.json"):
        check_outputs(["o.mp4"], also=["old.json"])
    assert check_outputs(["o.mp4"], also=["old.json"], overwrite=True)[1].kind == "file"
    with pytest.raises(vt.SinkError, match="output is a folder"):
        check_outputs(["dir.png"], overwrite=True)
    os.link(here / "in.mp4", here / "linked.mp4")  # another name of the same file
    for same in ("in.mp4", "linked.mp4", str(here / "in.mp4")):
        with pytest.raises(vt.SinkError, match="output is the input"):
            check_outputs([same], overwrite=True, source="in.mp4")
    with pytest.raises(vt.SinkError, match="output folder does not exist: nodir"):
        check_outputs(["nodir/o.mp4"])
