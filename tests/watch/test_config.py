import json
import sys

import pytest

import videotools as vt
from videotools.watch import camera, load_config
from videotools.watch.config import unique


def test_json_config_defaults_and_per_camera_options(tmp_path):
    cfg = tmp_path / "cams.json"
    cfg.write_text(json.dumps({"defaults": {"segment_seconds": 60, "keep_hours": 2},
                               "cameras": [{"name": "north", "source": "udp://127.0.0.1:5000"},
                                           {"source": "synthetic:traffic?size=160x90", "detect_fps": 2,
                                            "record": "off"}]}))
    a, b = load_config(cfg, speed=3.0, segment_seconds=10)
    assert (a.name, a.segment_seconds, a.keep_hours, a.speed, a.copies) == ("north", 60, 2, 3.0, True)
    assert (b.name, b.detect_fps, b.record, b.copies) == ("synthetic-traffic", 2, "off", False)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TOML needs tomllib (3.11+)")
def test_toml_config(tmp_path):
    cfg = tmp_path / "cams.toml"
    cfg.write_text('[[cameras]]\nname = "a"\nsource = "synthetic:traffic"\nkeep_gb = 1.5\n')
    (cam,) = load_config(cfg)
    assert cam.keep_bytes == 1_500_000_000 and cam.record == "auto" and not cam.copies


@pytest.mark.parametrize(("text", "message"), [
    ('{"cameras": []}', "expected a 'cameras' list"),
    ('{"cameras": [{"name": "a"}]}', "camera 1 has no 'source'"),
    ('{"cameras": [{"source": "x.mp4", "fps": 3}]}', "unknown camera option 'fps'"),
    ('{"cameras": [{"source": "udp://h:1", "name": "a"}, {"source": "udp://h:2", "name": "a"}]}',
     "two cameras are named 'a'"),
    ('{"cameras": [{"source": "udp://h:1", "segment_seconds": 0}]}', r"segment_seconds must be a number in \[1,"),
    ('{"cameras": [{"source": "udp://h:1", "keep_gb": 0}]}', r"keep_gb must be a number in \(0, 1e\+09\], got 0"),
    ('{"cameras": [{"source": "udp://h:1", "detect_width": 8}]}',
     r"detect_width must be a whole number in \[16, 16384\], or 0 \(full size\), got 8"),
    ('{"cameras": [{"source": "synthetic:traffic", "record": "copy"}]}', "record=copy needs a video file"),
    ('{"cameras": [{"source": "udp://h:1", "name": "a/b"}]}', "name must be"),
    ('{"cameras": ', "not valid JSON"),
])
def test_bad_config_is_one_line_naming_the_file(tmp_path, text, message):
    cfg = tmp_path / "cams.json"
    cfg.write_text(text)
    with pytest.raises(vt.ParameterError, match=message) as info:
        load_config(cfg)
    assert str(info.value).startswith(f"config {cfg}") and info.value.param == "config" and "\n" not in str(info.value)


def test_names_from_sources_are_made_distinct():
    cams = unique([camera("udp://127.0.0.1:5000/"), camera("a/street.mp4"), camera("b/street.mp4")])
    assert [c.name for c in cams] == ["127.0.0.1-5000", "street", "street-2"]
