"""Chain parsing: steps, options, lists, and errors that name the step and the value."""

import pytest

import videotools as vt
from videotools.chain import STEPS, load_palette, parse_chain


def test_empty_chain_is_no_processor():
    assert parse_chain("") == [] and parse_chain("   ") == []


def test_steps_in_order_with_options():
    steps = parse_chain("resize:width=320 | grey | blur:sigma=1.5 | flip:axis=v | posterize:k=4,seed=7")
    assert [type(s).__name__ for s in steps] == ["Resize", "Grey", "Blur", "Flip", "Posterize"]
    resize, _, blur, flip, post = steps
    assert (resize.width, resize.height, resize.scale) == (320, None, None)
    assert blur.sigma == 1.5 and flip.axis == "v" and (post.k, post.seed) == (4, 7)


def test_names_and_keys_are_forgiving():
    [post] = parse_chain(" POSTERIZE : fit-frames=3 , refit=every:10 ")
    assert post.fit_frames == 3 and post.refit_mode == "every" and post.refit_every == 10
    assert type(parse_chain("gray")[0]).__name__ == "Grey"


def test_repeated_key_makes_a_list():
    [bg] = parse_chain("background:alpha=0.1,alpha=0.01")
    assert list(bg.model.alphas) == [0.1, 0.01]


def test_bool_values():
    assert parse_chain("background:selective=yes")[0].model.selective is True
    assert parse_chain("background:selective=off")[0].model.selective is False


@pytest.mark.parametrize("text,msg", [
    ("resize:width=320 || grey", "empty step in chain"),
    ("sharpen", "unknown chain step 'sharpen'; known: "),
    ("resize:depth=3", "bad parameter 'depth=3' for resize; known: width, height, scale"),
    ("grey:x=1", "bad parameter 'x=1' for grey; known: none"),
    ("resize:width", "bad parameter 'width' for resize"),
    ("resize:width=abc", "bad value for resize width: 'abc' (expected a whole number)"),
    ("blur:sigma=nan", "bad value for blur sigma: 'nan' (expected a finite number)"),
    ("posterize:k=0", "bad value for posterize k: '0' (expected a whole number 1..256)"),
    ("posterize:seed=-1", "bad value for posterize seed: '-1' (expected a whole number 0..4294967295)"),
    ("posterize:fit_frames=0", "bad value for posterize fit_frames: '0' (expected a whole number >= 1)"),
    ("background:selective=maybe", "bad value for background selective: 'maybe' (expected true or false)"),
    ("background:alpha=0.1,alpha=0.1", "background alpha=0.1 given twice"),
    ("resize:width=3,width=4", "resize width given twice"),
    ("resize", "resize needs width=, height= or scale="),
    ("flip:axis=d", "flip axis must be h or v, got 'd'"),
    ("posterize:refit=sometimes", "posterize: refit must be"),
])
def test_errors_name_step_and_value(text, msg):
    with pytest.raises(vt.ParameterError) as err:
        parse_chain(text)
    assert msg in str(err.value)


def test_every_step_is_documented():
    import videotools.chain as chain

    for name in STEPS:
        assert name == "gray" or f"``{name}``" in chain.__doc__


def test_palette_from_json_or_image(tmp_path):
    pal = vt.Palette.from_colors(["#000000", "#ffffff"])
    pal.save(tmp_path / "p.json")
    assert load_palette(str(tmp_path / "p.json")) == pal
    assert load_palette(str(tmp_path / "p.json"), space="lab").space == "lab"
    img = tmp_path / "i.png"
    vt.write_image(img, vt.SyntheticTraffic(size=(64, 48)).frame(0))
    assert load_palette(str(img), k=3).k == 3
    [post] = parse_chain(f"posterize:palette={tmp_path / 'p.json'}")
    assert post.palette == pal and post.fixed
    with pytest.raises(vt.ParameterError, match="no such palette file"):
        load_palette(str(tmp_path / "missing.json"))
