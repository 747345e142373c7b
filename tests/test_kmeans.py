import json

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT
from videotools.kmeans import build_rgb_table, to_space

SAMPLES = ROOT / "samples"


def brute_nearest_dist(pixels: np.ndarray, colors: np.ndarray, space: str = "rgb") -> np.ndarray:
    """Reference: squared distance from each pixel to its nearest colour, by plain numpy."""
    p = to_space(pixels.reshape(-1, 3), space).astype(np.float64)
    c = to_space(colors, space).astype(np.float64)
    return ((p[:, None, :] - c[None, :, :]) ** 2).sum(2).min(1)


def dist_to(pixels, colors, labels, space="rgb"):
    p = to_space(pixels.reshape(-1, 3), space).astype(np.float64)
    c = to_space(colors, space).astype(np.float64)
    return ((p - c[labels.reshape(-1)]) ** 2).sum(1)


def real_image():
    return vt.read_image(SAMPLES / "coffee.png")


def clip_frame():
    with vt.open_source(SAMPLES / "traffic.mp4", start=4) as src:
        return next(iter(src))


# -- kmeans on any data ----------------------------------------------------------------
def test_kmeans_1d_two_groups():
    data = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0])
    r = vt.kmeans(data, 2, seed=0)
    assert sorted(r.centres.ravel().tolist()) == [2.0, 11.0]
    assert len(set(r.labels[:3])) == 1 and len(set(r.labels[3:])) == 1 and r.labels[0] != r.labels[3]
    assert r.inertia == pytest.approx(4.0)


def test_kmeans_2d_points():
    rng = np.random.default_rng(0)
    a = rng.normal((0, 0), 0.5, (100, 2))
    b = rng.normal((10, 5), 0.5, (60, 2))
    r = vt.kmeans(np.vstack([a, b]), 2, seed=1)
    centres = sorted(map(tuple, np.round(r.centres).astype(int).tolist()))
    assert centres == [(0, 0), (10, 5)]
    assert np.bincount(r.labels).tolist() in ([100, 60], [60, 100])


def test_kmeans_deterministic_for_a_seed():
    x = np.random.default_rng(3).random((500, 3))
    a, b = vt.kmeans(x, 5, seed=7), vt.kmeans(x, 5, seed=7)
    np.testing.assert_array_equal(a.centres, b.centres)
    np.testing.assert_array_equal(a.labels, b.labels)


@pytest.mark.parametrize("data,k,msg", [
    (np.zeros((3, 2, 2)), 2, "must be \\(N,\\) or \\(N, D\\), got shape \\(3, 2, 2\\)"),
    (np.array([1.0, np.nan, 3.0]), 2, "1 NaN or infinite values"),
    (np.arange(4.0), 5, "k must be in 1..4 \\(the number of points\\), got 5"),
    (np.arange(4.0), 0, "k must be in 1..4"),
    (np.zeros((0, 3)), 1, "empty"),
])
def test_kmeans_errors(data, k, msg):
    with pytest.raises(vt.ParameterError, match=msg):
        vt.kmeans(data, k)


# -- palettes -----------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 5, 8, 16, 32, 64])
@pytest.mark.parametrize("name", ["coffee.png", "chelsea.png", "traffic.mp4"])
def test_apply_is_exact_on_real_images(k, name):
    img = clip_frame() if name.endswith(".mp4") else vt.read_image(SAMPLES / name)
    pal = vt.Palette.fit(img, k, seed=k)
    labels = pal.labels(img)
    got = dist_to(img, pal.colors, labels)
    np.testing.assert_array_equal(got, brute_nearest_dist(img, pal.colors))  # ties may go either way
    np.testing.assert_array_equal(pal.apply(img), pal.colors[labels])


@pytest.mark.parametrize("k", [2, 7, 24, 64])
def test_apply_is_exact_on_random_pixels_and_random_palettes(k):
    rng = np.random.default_rng(k)
    img = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    pal = vt.Palette(rng.integers(0, 256, (k, 3)), space="rgb")
    got = dist_to(img, pal.colors, pal.labels(img))
    np.testing.assert_array_equal(got, brute_nearest_dist(img, pal.colors))


def test_whole_table_is_exact():
    """Every one of the 16.7 million colours, against brute force (k = 12)."""
    colors = np.random.default_rng(5).integers(0, 256, (12, 3)).astype(np.float64)
    table = build_rgb_table(colors.astype(np.uint8))  # indexed [b, g, r]
    r = np.arange(256.0)
    for b in range(0, 256, 1):
        g, rr = np.meshgrid(r, r, indexing="ij")
        pts = np.stack([rr.ravel(), g.ravel(), np.full(rr.size, b)], 1)
        d = ((pts[:, None, :] - colors[None]) ** 2).sum(2)
        chosen = d[np.arange(len(pts)), table[b].ravel()]
        assert (chosen == d.min(1)).all(), b


@pytest.mark.parametrize("k", [2, 8, 32])
def test_lab_space_is_exact_in_lab(k):
    img = real_image()
    pal = vt.Palette.fit(img, k, space="lab", seed=1)
    labels = pal.labels(img)
    got = dist_to(img, pal.colors, labels, "lab")
    np.testing.assert_allclose(got, brute_nearest_dist(img, pal.colors, "lab"), atol=1e-3)
    again = pal.labels(img)  # the lazily filled table gives the same answer
    np.testing.assert_array_equal(labels, again)


def test_fit_is_deterministic_and_sorted_by_luminance():
    img = real_image()
    a, b = vt.Palette.fit(img, 6, seed=3), vt.Palette.fit(img, 6, seed=3)
    assert a == b
    luma = a.colors.astype(float) @ [0.299, 0.587, 0.114]
    assert (np.diff(luma) >= 0).all()


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


def test_refit_keeps_label_order():
    img = real_image()
    first = vt.Palette.fit(img, 8, seed=0)
    brighter = np.clip(img.astype(int) + 12, 0, 255).astype(np.uint8)
    again = vt.Palette.fit(brighter, 8, seed=5, previous=first)
    moved = np.clip(first.colors.astype(int) + 12, 0, 255)
    d = ((again.colors.astype(int)[:, None] - moved[None]) ** 2).sum(2)
    assert d.argmin(1).tolist() == list(range(8))  # new colour i is nearest old colour i (shifted)
    lab0, lab1 = first.labels(img), again.labels(brighter)
    assert (lab0 == lab1).mean() > 0.95


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


def test_fit_on_a_source_reads_a_bounded_number_of_frames():
    src = vt.open_source("synthetic:traffic?size=160x90&seconds=0")  # endless
    pal = vt.Palette.fit(src, 6)
    assert pal.k == 6 and src.frames_read == 64
