"""vt.posterize(): the palette is fitted on frames spread over a file, on the first N of a live source."""

import numpy as np
import pytest

import videotools as vt
from videotools.posterizing import fit_ahead

SPEC = "synthetic:traffic?size=160x90&seconds=4&noise=0&seed=3"


def test_a_file_is_sampled_over_its_length():
    stats = vt.posterize(SPEC, k=5, seed=2, fit_frames=4, max_frames=2)
    assert stats.extra["palette"] == vt.Palette.fit(vt.sample_frames(SPEC, 4), 5, seed=2)


def test_an_open_source_fits_on_its_first_frames():
    with vt.open_source(SPEC) as src:
        stats = vt.posterize(src, k=4, fit_frames=3, max_frames=10)
    assert stats.frames == 10
    scene = vt.SyntheticTraffic(size=(160, 90), noise=0, seed=3)
    first = [scene.frame(t) for t in range(3)]
    refit = vt.Palette.fit(first, 4, previous=vt.Palette.fit(first[0], 4))
    assert stats.extra["palette"] == refit


def test_a_given_palette_is_used_as_it_is(tmp_path):
    pal = vt.Palette.from_colors(["#000000", "#808080", "#ffffff"])
    pal.save(tmp_path / "p.json")
    stats = vt.posterize(SPEC, palette=tmp_path / "p.json", out=str(tmp_path / "last.png"), max_frames=3)
    assert stats.extra["palette"] == pal
    assert set(map(tuple, vt.read_image(tmp_path / "last.png").reshape(-1, 3))) <= {(0, 0, 0), (128, 128, 128),
                                                                                  (255, 255, 255)}


def test_palette_out_needs_frames_and_respects_overwrite(tmp_path):
    stats = vt.posterize(SPEC, k=3, palette_out=tmp_path / "p.json", max_frames=2)
    assert vt.Palette.load(tmp_path / "p.json") == stats.extra["palette"]
    with pytest.raises(vt.OutputExistsError, match="p.json"):
        vt.posterize(SPEC, k=3, palette_out=tmp_path / "p.json", max_frames=2)
    vt.posterize(SPEC, k=2, palette_out=tmp_path / "p.json", max_frames=2, overwrite=True)
    assert vt.Palette.load(tmp_path / "p.json").k == 2


@pytest.mark.parametrize("kw,msg", [({"seed": -1}, "seed must be an integer >= 0, got -1"),
                                    ({"fit_frames": 0}, "fit_frames must be an integer >= 1, got 0"),
                                    ({"k": 300}, "k must be an integer in 1..256, got 300"),
                                    ({"space": "hsv"}, "space must be one of")])
def test_bad_options_name_the_parameter(kw, msg):
    with pytest.raises(vt.ParameterError, match=msg):
        vt.posterize(SPEC, **kw)


def test_processors_run_before_posterizing(tmp_path):
    stats = vt.posterize(SPEC, [vt.Resize(width=80)], k=3, out=str(tmp_path / "x.png"), max_frames=1)
    assert stats.frames == 1 and vt.read_image(tmp_path / "x.png").shape == (45, 80, 3)
    assert np.isin(vt.read_image(tmp_path / "x.png").reshape(-1, 3), stats.extra["palette"].colors).all()


class Live:
    """A plain source that says it is a camera (never read here)."""

    info = vt.StreamInfo(fps=25.0, size=(32, 24), kind="camera")


def test_a_camera_is_not_opened_to_sample_ahead(monkeypatch):
    import videotools.sources as sources

    opened = []
    monkeypatch.setattr(sources, "sample_frames", lambda *a, **kw: opened.append(a) or [])
    post = vt.Posterize(3)
    fit_ahead(post, Live(), spec="0")
    assert opened == [] and post.palette is None and post.fit_frames == vt.processors.posterize.FIT_FRAMES
