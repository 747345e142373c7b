import numpy as np
import pytest

import videotools as vt


def cut_scene(n_each=6):
    """Frames of one scene, then a cut to a very different one."""
    a = vt.SyntheticTraffic(size=(160, 90), noise=0, seed=1)
    frames = [a.frame(t) for t in range(n_each)]
    b = np.zeros((90, 160, 3), np.uint8)
    b[:, :80] = (250, 240, 30)
    b[:, 80:] = (200, 30, 200)
    b[:30, :] = (20, 20, 20)
    return frames + [b] * n_each


def test_never_keeps_one_palette_and_static_pixels_do_not_flicker():
    scene = vt.SyntheticTraffic(size=(160, 90), noise=2, seed=2)
    post = vt.Posterize(k=6, fit_frames=1)
    outs = [post(scene.frame(t)) for t in range(20)]
    assert post.refits == 0
    static = ~np.any([scene.foreground_mask(t) for t in range(20)], axis=0)
    changes = [(outs[t] != outs[t - 1]).any(2)[static].mean() for t in range(1, 20)]
    assert max(changes) < 0.05  # only noise at colour boundaries flips


def test_every_n_and_scene_policies():
    frames = cut_scene()
    every = vt.Posterize(k=3, refit="every:4", fit_frames=1)
    for f in frames:
        every(f)
    assert every.refits == 2  # refits at frames 5 and 9
    scene = vt.Posterize(k=3, refit="scene", fit_frames=1)
    outs = [scene(f) for f in frames]
    assert scene.refits == 1
    assert np.array_equal(np.unique(outs[-1].reshape(-1, 3), axis=0),
                          np.array([[20, 20, 20], [200, 30, 200], [250, 240, 30]]))
    never = vt.Posterize(k=3, fit_frames=1)
    out = [never(f) for f in frames][-1]
    assert never.refits == 0 and not np.array_equal(out, frames[-1])


def test_refit_key_and_k_keys():
    post = vt.Posterize(k=4, fit_frames=1)
    f = vt.SyntheticTraffic(size=(160, 90)).frame(0)
    post(f)
    post.keys["r"][0]()
    post(f)
    assert post.refits == 1
    assert post.keys["+"][0]() == "k = 5"
    post(f)
    assert post.palette.k == 5


def test_fit_frames_collects_then_refits_once():
    post = vt.Posterize(k=4, fit_frames=10)
    scene = vt.SyntheticTraffic(size=(160, 90), seed=4)
    for t in range(15):
        post(scene.frame(t))
    assert post.refits == 1


def test_posterized_clip_reads_back_with_the_palettes_colours(tmp_path):
    src = vt.open_source("synthetic:traffic?size=320x180&seconds=1&noise=0")
    post = vt.Posterize(k=4)
    out = tmp_path / "p.mp4"
    vt.Pipeline(src, [post], [vt.VideoSink(out, fps=25, crf=14)]).run()
    colors = post.palette.colors.astype(int)
    with vt.open_source(out) as back:
        frames = list(back)
    assert len(frames) == 25
    px = frames[10].reshape(-1, 3).astype(int)
    nearest = np.sqrt(((px[:, None] - colors[None]) ** 2).sum(2)).min(1)
    # yuv420p halves chroma resolution, so colour edges blur; elsewhere pixels sit on palette colours
    assert np.median(nearest) < 4 and (nearest < 20).mean() > 0.9


@pytest.mark.parametrize("policy", ["sometimes", "every:0", "every:x"])
def test_bad_refit_policy(policy):
    with pytest.raises(vt.ParameterError, match="^refit must be") as err:
        vt.Posterize(refit=policy)
    assert err.value.param == "refit"


@pytest.mark.parametrize(("options", "param"), [({"k": 0}, "k"), ({"k": 300}, "k"), ({"seed": -1}, "seed"),
                                                ({"fit_frames": 0}, "fit_frames"), ({"sample": 0}, "sample")])
def test_bad_options_name_their_parameter(options, param):
    with pytest.raises(vt.ParameterError) as err:
        vt.Posterize(**options)
    assert err.value.param == param


def test_black_first_frame_does_not_stick():
    post = vt.Posterize(k=4)
    with pytest.warns(UserWarning, match="k reduced from 4 to 1"):
        post(np.zeros((90, 160, 3), np.uint8))
    scene = vt.SyntheticTraffic(size=(160, 90))
    for t in range(1, 12):
        out = post(scene.frame(t))
    assert post.palette.k == 4 and len(np.unique(out.reshape(-1, 3), axis=0)) == 4
