"""Palette: fit, exact apply, Lab, save/load, errors, pickling."""

import json

import numpy as np
import pytest

import videotools as vt
from tests.kmeans.helpers import SAMPLES, brute_nearest_dist, clip_frame, dist_to, real_image


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3, 5, 8, 16, 32, 64])
@pytest.mark.parametrize("name", ["coffee.png", "chelsea.png", "traffic.mp4"])
def test_apply_is_exact_on_real_images(k, name):
    img = clip_frame() if name.endswith(".mp4") else vt.read_image(SAMPLES / name)
    pal = vt.Palette.fit(img, k, seed=k)
    labels = pal.labels(img)
    got = dist_to(img, pal.colors, labels)
    np.testing.assert_array_equal(got, brute_nearest_dist(img, pal.colors))  # ties may go either way
    np.testing.assert_array_equal(pal.apply(img), pal.colors[labels])


@pytest.mark.parametrize("k", [2, 8, 32])
def test_lab_space_is_exact_in_lab(k):
    img = real_image()
    pal = vt.Palette.fit(img, k, space="lab", seed=1)
    labels = pal.labels(img)
    got = dist_to(img, pal.colors, labels, "lab")
    np.testing.assert_allclose(got, brute_nearest_dist(img, pal.colors, "lab"), atol=1e-3)
    again = pal.labels(img)  # the lazily filled table gives the same answer
    np.testing.assert_array_equal(labels, again)


def test_quantize_image_to_2_4_8_colours():
    """The seed's own case: a four-colour image quantized with k = 2, 4, 8."""
    img = np.zeros((40, 40, 3), np.uint8)
    img[:20, :20] = (250, 10, 10)
    img[:20, 20:] = (10, 250, 10)
    img[20:, :20] = (10, 10, 250)
    img[20:, 20:] = (240, 240, 240)
    noisy = np.clip(img.astype(int) + np.random.default_rng(0).integers(-3, 4, img.shape), 0, 255).astype(np.uint8)
    four = vt.Palette.fit(noisy, 4, seed=0)
    out = four.apply(noisy)
    assert np.abs(out.astype(int) - img).max() <= 3  # each quadrant its own colour
    assert len(np.unique(out.reshape(-1, 3), axis=0)) == 4
    two = vt.Palette.fit(noisy, 2, seed=0).apply(noisy)
    assert len(np.unique(two.reshape(-1, 3), axis=0)) == 2
    np.testing.assert_array_equal(two[:20, :20].reshape(-1, 3).std(0), 0)  # each quadrant stays one colour
    with pytest.warns(UserWarning, match="k reduced from 8"):
        eight = vt.Palette.fit(img, 8)
    assert eight.k == 4 and np.array_equal(eight.apply(img), img)


def test_save_load_and_user_colours(tmp_path):
    pal = vt.Palette.fit(real_image(), 5, space="lab")
    path = pal.save(tmp_path / "p.json")
    doc = json.loads(path.read_text())
    assert doc["k"] == 5 and doc["space"] == "lab" and len(doc["colors"]) == 5 and doc["hex"][0].startswith("#")
    assert vt.Palette.load(path) == pal
    user = vt.Palette.from_colors(["#000", "#ff0000", (0, 0, 255)])
    assert user.colors.tolist() == [[0, 0, 0], [255, 0, 0], [0, 0, 255]]
    with pytest.raises(vt.ParameterError, match="bad colour 'red'"):
        vt.Palette.from_colors(["red"])
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(vt.ParameterError, match="not a palette JSON file"):
        vt.Palette.load(tmp_path / "bad.json")


@pytest.mark.parametrize("k,msg", [(0, "k must be an integer in 1..256, got 0"),
                                   (257, "got 257"), (2.5, "got 2.5")])
def test_bad_k(k, msg):
    with pytest.raises(vt.ParameterError, match=msg):
        vt.Palette.fit(real_image(), k)


def test_empty_image_and_bad_frames():
    with pytest.raises(vt.ParameterError, match="empty image"):
        vt.Palette.fit(np.zeros((0, 0, 3), np.uint8), 2)
    pal = vt.Palette.from_colors(["#000", "#fff"])
    with pytest.raises(vt.FrameError, match="expected \\(H, W, 3\\) uint8, got \\(4, 4\\) uint8"):
        pal.apply(np.zeros((4, 4), np.uint8))


def test_palette_pickles_without_its_table():
    import pickle

    pal = vt.Palette.fit(real_image(), 8).build_lookup()
    blob = pickle.dumps(pal)
    assert len(blob) < 10_000
    assert pickle.loads(blob) == pal


def test_apply_yuv_is_apply_between_the_two_conversions():
    """Planar posterize: bit for bit what RGB -> apply -> I420 gives, for BT.601; other matrices by labels."""
    import cv2

    from videotools.frames import YuvFrame

    rng = np.random.default_rng(4)
    rgb = cv2.resize(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), (320, 240), interpolation=cv2.INTER_CUBIC)
    planes = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    pal = vt.Palette.fit(rgb, 6, seed=1)
    out = pal.apply_yuv(YuvFrame(planes))
    want = cv2.cvtColor(pal.apply(YuvFrame(planes).to_rgb()), cv2.COLOR_RGB2YUV_I420)
    np.testing.assert_array_equal(out.planes, want)
    assert (out.matrix, out.full_range) == ("bt601", False)
    # BT.709: the same labels as the frame converted with its own matrix, painted in that matrix
    frame = YuvFrame(planes, "bt709")
    painted = pal.apply_yuv(frame).to_rgb()
    labels = pal.labels(frame.to_rgb())
    blocks = labels.reshape(120, 2, 160, 2).transpose(0, 2, 1, 3).reshape(120, 160, 4)
    uniform = np.repeat(np.repeat((blocks == blocks[..., :1]).all(2), 2, 0), 2, 1)  # chroma is per 2x2 block
    assert uniform.mean() > 0.8
    assert np.abs(painted[uniform].astype(int) - pal.colors[labels[uniform]]).max() <= 2
    with pytest.raises(vt.FrameError, match="lab palette"):
        vt.Palette(pal.colors, space="lab").apply_yuv(frame)
