"""kmeans() on any data, and nearest()."""

import numpy as np
import pytest

import videotools as vt
from videotools.kmeans import nearest


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


def test_nearest_picks_the_closest_centre_in_chunks():
    rng = np.random.default_rng(2)
    x, c = rng.normal(size=(5000, 3)), rng.normal(size=(7, 3))
    want = ((x[:, None] - c[None]) ** 2).sum(2).argmin(1)
    np.testing.assert_array_equal(nearest(x, c), want)


def test_one_cluster_is_the_mean():
    r = vt.kmeans([[0.0, 0.0], [2.0, 4.0]], 1)
    assert r.centres.tolist() == [[1.0, 2.0]] and r.labels.tolist() == [0, 0] and r.inertia == 10.0


def test_a_weighted_point_counts_as_that_many_points():
    from videotools.errors import ParameterError

    r = vt.kmeans([0.0, 10.0], 1, weights=[3, 1])
    assert r.centres.ravel().tolist() == [2.5] and r.inertia == 3 * 2.5 ** 2 + 7.5 ** 2
    two = vt.kmeans([[0, 0], [1, 0], [100, 100]], 2, weights=[1, 1, 5], seed=3)
    assert sorted(two.centres[:, 0].tolist()) == [0.5, 100.0] and two.labels[0] == two.labels[1] != two.labels[2]
    with pytest.raises(ParameterError, match="weights must be 2 positive numbers"):
        vt.kmeans([0.0, 10.0], 1, weights=[1, 0])
