import pytest

import videotools as vt
from videotools.sources import source_name


@pytest.mark.parametrize("spec,name", [
    ("clips/street.mp4", "street"),
    ("my video (1).MOV", "my video (1)"),
    ("0", "camera0"),
    ("camera:1", "camera1"),
    ("/dev/video2", "video2"),
    ("synthetic:traffic?seed=1&size=64x36", "synthetic-traffic"),
    ("rtsp://host:554/live/cam1", "cam1"),
    ("rtsp://admin:secret@10.0.0.2:554/", "10.0.0.2-554"),  # never the password
    ("udp://10.0.0.7:5000", "10.0.0.7-5000"),  # two streams of one host get two names, whatever their order
    ("udp://@:5001", "5001"),
    ("http://x/hls/stream.m3u8?token=abc", "stream"),
    ("shots/", "shots"),
    ("shots/*.png", "shots"),
    ("a:b.mp4", "a-b"),
])
def test_outputs_are_named_after_the_source(spec, name):
    assert source_name(spec) == name


def test_backgrounds_of_two_videos_share_a_folder(tmp_path, clip):
    other = tmp_path / "other.mp4"
    other.write_bytes(clip.read_bytes())
    for src in (clip, other):
        vt.background(str(src), save_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "clip-background-alpha0.01.png", "clip-background-alpha0.1.png", "clip-background-plate.png",
        "other-background-alpha0.01.png", "other-background-alpha0.1.png", "other-background-plate.png"]
    with pytest.raises(vt.VideotoolsError, match="output exists: .*other-background-"):
        vt.background(str(other), save_dir=tmp_path)
