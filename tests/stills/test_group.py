
import numpy as np
import pytest

import videotools as vt
from tests.sinks.test_images import small_fs  # noqa: F401, F811 - a fixture
from videotools.sources.synthetic import synthetic_photo_set
from videotools.stills import adjusted_rand_index, group_images
from videotools.stills.group import silhouette


@pytest.fixture
def photo_set(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    truth = {}
    for i, (base, img) in enumerate(synthetic_photo_set(4, 5, seed=3)):
        name = f"img{i:02d}.jpg"
        vt.write_image(folder / name, img)
        truth[name] = base
    return folder, truth


def test_ari_and_silhouette_reference_values():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    x = np.array([[0.0], [0.1], [10.0], [10.1]])
    assert silhouette(x, np.array([0, 0, 1, 1])) == pytest.approx(0.99, abs=0.01)


def test_k_larger_than_images(photo_set):
    folder, _ = photo_set
    paths = sorted(str(p) for p in folder.iterdir())[:3]
    with pytest.raises(vt.ParameterError, match="k must be 'auto' or 1..3"):
        group_images(paths, 5)


def test_copies_are_atomic_and_a_full_disk_is_one_error(photo_set, small_fs):  # noqa: F811
    from videotools.stills.group import write_groups

    folder, _ = photo_set
    paths = sorted(str(p) for p in folder.iterdir())[:4]
    res = group_images(paths, 2)
    full = small_fs("full")
    with pytest.raises(vt.SinkError, match="no space left on device"):
        write_groups(res, full / "out")
    leftovers = [p.name for p in (full / "out").rglob("*") if p.is_file()]
    assert not [n for n in leftovers if ".part" in n]  # only complete copies, never half-written ones
    for p in (full / "out").rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (folder / p.name).read_bytes()
