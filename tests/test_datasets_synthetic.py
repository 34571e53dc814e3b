"""Two-moons data of the paper's Figures 1-3."""

from __future__ import annotations

import json

import numpy as np
import pytest

import datasets
from datasets.synthetic import make_two_moons


@pytest.mark.parametrize("anomalies", ["uniform", "clustered"])
def test_sizes_labels_and_determinism(anomalies: str) -> None:
    data = make_two_moons(anomalies, seed=0)
    assert data.X.shape == (10_500, 2) and data.X.dtype == np.float64
    assert data.n_anomalies == 500 and data.y.dtype == np.int64
    assert data.name == f"two-moons-{anomalies}"
    assert data.y[-500:].sum() < 500, "rows must be shuffled, not anomalies last"
    again = make_two_moons(anomalies, seed=0)
    np.testing.assert_array_equal(data.X, again.X)
    np.testing.assert_array_equal(data.y, again.y)
    assert not np.array_equal(data.X, make_two_moons(anomalies, seed=1).X)


def test_normal_points_are_the_two_moons() -> None:
    data = make_two_moons("clustered", seed=0, noise=0.0)
    normal = data.X[data.y == 0]
    # Noise-free make_moons: each point is on the upper half of the unit circle around (0, 0)
    # or on the lower half of the unit circle around (1, 0.5).
    on_upper = np.isclose(np.hypot(normal[:, 0], normal[:, 1]), 1) & (normal[:, 1] >= 0)
    on_lower = np.isclose(np.hypot(normal[:, 0] - 1, normal[:, 1] - 0.5), 1) & (normal[:, 1] <= 0.5)
    assert (on_upper | on_lower).all()
    assert on_upper.sum() == on_lower.sum() == 5000
    noisy = make_two_moons("clustered", seed=0).X
    assert noisy[data.y == 0].std(axis=0) == pytest.approx(normal.std(axis=0), rel=0.05)


def test_clustered_anomalies_form_the_small_gaussian() -> None:
    data = make_two_moons("clustered", seed=3)
    outliers = data.X[data.y == 1]
    np.testing.assert_allclose(outliers.mean(axis=0), [2.5, 2.5], atol=0.01)
    np.testing.assert_allclose(outliers.std(axis=0), [0.05, 0.05], rtol=0.15)


def test_uniform_anomalies_cover_the_square() -> None:
    data = make_two_moons("uniform", seed=3)
    outliers = data.X[data.y == 1]
    assert outliers.min() >= -1.75 and outliers.max() <= 3.25
    np.testing.assert_allclose(outliers.min(axis=0), -1.75, atol=0.1)
    np.testing.assert_allclose(outliers.max(axis=0), 3.25, atol=0.1)
    np.testing.assert_allclose(outliers.mean(axis=0), 0.75, atol=0.15)


def test_load_split_trains_and_tests_on_independent_draws() -> None:
    split = datasets.load_split("two-moons-uniform", seed=2)
    assert split.X_train.shape == split.X_test.shape == (10_500, 2)
    assert split.train_index is None and split.test_index is None
    assert split.contamination == pytest.approx(500 / 10_500)
    assert not np.allclose(split.X_train, split.X_test)
    again = datasets.load_split("two-moons-uniform", seed=2)
    np.testing.assert_array_equal(split.X_test, again.X_test)
    assert split.preprocessing["scaler"] is None and split.preprocessing["protocol"] == "generated"
    json.dumps(split.preprocessing)
    X, y = datasets.load_dataset("two-moons-uniform")
    np.testing.assert_array_equal(X, datasets.load_split("two-moons-uniform", seed=0).X_train)


def test_load_split_options() -> None:
    split = datasets.load_split(
        "two-moons-clustered", seed=0, n_normal=200, n_anomalies=10, scaler="minmax"
    )
    assert split.X_train.shape == (210, 2) and split.y_train.sum() == 10
    np.testing.assert_allclose(split.X_train.min(axis=0), 0)
    np.testing.assert_allclose(split.X_train.max(axis=0), 1)
    with pytest.raises(TypeError, match="train_fraction"):
        datasets.load_split("two-moons-clustered", seed=0, train_fraction=0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"anomalies": "ring"}, "unknown anomaly type"),
        ({"n_anomalies": -1}, "n_anomalies"),
        ({"n_normal": 1.5}, "n_normal"),
        ({"noise": -0.1}, "noise"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    arguments = {"anomalies": "uniform", **kwargs}
    with pytest.raises(ValueError, match=message):
        make_two_moons(**arguments)
