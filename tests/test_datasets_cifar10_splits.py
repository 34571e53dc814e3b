"""CIFAR-10 registry names and the contamination split protocol (index logic, no images)."""

from __future__ import annotations

import numpy as np
import pytest

import datasets
from datasets import cifar10

# CIFAR-10's real layout: 5,000 training images per class, 1,000 test images per class,
# in a shuffled order (the splits must not depend on the order being sorted).
_ORDER = np.random.default_rng(123)
TRAIN_LABELS = _ORDER.permutation(np.repeat(np.arange(10), 5000))
TEST_LABELS = _ORDER.permutation(np.repeat(np.arange(10), 1000))
LABELS = np.concatenate([TRAIN_LABELS, TEST_LABELS])
N_TRAIN = TRAIN_LABELS.size


def test_twenty_names_in_paper_order_with_aliases() -> None:
    names = datasets.list_datasets("cifar10")
    paper = ["airplane", "auto", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    assert names == [f"{c}-{m}" for c in paper for m in ("u", "c")]
    assert datasets.get_entry("automobile-c").name == "auto-c"
    options = datasets.get_entry("airplane-u").split_options()
    assert {"ratio", "features", "test_protocol", "image_source", "pca_components"} <= options


def test_unknown_split_option_is_named() -> None:
    with pytest.raises(TypeError, match="unknown option.*contamination"):
        datasets.load_split("airplane-u", contamination=0.1)


@pytest.mark.parametrize(
    ("normal", "mode", "expected"),
    [
        (0, "clustered", (1,)),
        (8, "clustered", (9,)),  # ship -> truck
        (9, "clustered", (0,)),  # truck wraps to airplane
        (3, "uniform", (0, 1, 2, 4, 5, 6, 7, 8, 9)),
    ],
)
def test_anomaly_classes(normal: int, mode: str, expected: tuple[int, ...]) -> None:
    assert cifar10.anomaly_classes(normal, mode) == expected


@pytest.mark.parametrize("mode", ["uniform", "clustered"])
@pytest.mark.parametrize("ratio", [0.1, 0.2, 0.3, 0.4])
def test_training_rows_sizes_and_allowed_classes(mode: str, ratio: float) -> None:
    for normal in (0, 7, 9):
        normal_rows, anomaly_rows = cifar10.draw_training_rows(
            TRAIN_LABELS, normal, mode, ratio, seed=0
        )
        assert normal_rows.size == 5000
        assert np.all(TRAIN_LABELS[normal_rows] == normal)
        assert anomaly_rows.size == round(ratio * 5000)
        assert np.unique(anomaly_rows).size == anomaly_rows.size, "drawn without replacement"
        drawn_classes = set(TRAIN_LABELS[anomaly_rows].tolist())
        assert drawn_classes <= set(cifar10.anomaly_classes(normal, mode))
        if mode == "uniform":  # drawn from the nine pooled classes, none left out
            assert len(drawn_classes) == 9
            counts = np.bincount(TRAIN_LABELS[anomaly_rows], minlength=10)
            share = counts[counts > 0] / anomaly_rows.size
            assert np.all(np.abs(share - 1 / 9) < 0.06)


def test_draw_is_seeded_and_independent_of_other_classes() -> None:
    def draw(normal: int, mode: str = "uniform", ratio: float = 0.1, seed: int = 0):
        return cifar10.draw_training_rows(TRAIN_LABELS, normal, mode, ratio, seed)[1]

    first = draw(4)
    for other in range(10):  # drawing other datasets in between changes nothing
        draw(other, "clustered", 0.3, seed=7)
    np.testing.assert_array_equal(draw(4), first)
    assert not np.array_equal(draw(4, seed=1), first)
    # Different classes use different streams (not the same positions in their pools).
    pool_positions = [np.searchsorted(np.flatnonzero(TRAIN_LABELS != c), draw(c)) for c in (4, 5)]
    assert not np.array_equal(*pool_positions)


def test_larger_ratio_adds_to_the_anomalies_of_a_smaller_one() -> None:
    small = cifar10.draw_training_rows(TRAIN_LABELS, 2, "uniform", 0.1, seed=3)[1]
    large = cifar10.draw_training_rows(TRAIN_LABELS, 2, "uniform", 0.4, seed=3)[1]
    assert set(small) < set(large)


def test_draw_ignores_global_random_state() -> None:
    np.random.seed(1)
    a = cifar10.draw_training_rows(TRAIN_LABELS, 6, "clustered", 0.2, seed=5)[1]
    np.random.seed(2)
    b = cifar10.draw_training_rows(TRAIN_LABELS, 6, "clustered", 0.2, seed=5)[1]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("ratio", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_ratio_is_rejected(ratio: object) -> None:
    with pytest.raises(ValueError, match="ratio"):
        cifar10.draw_training_rows(TRAIN_LABELS, 0, "uniform", ratio, seed=0)


def test_too_many_clustered_anomalies_is_an_error() -> None:
    with pytest.raises(ValueError, match="only 5000 candidate"):
        cifar10.draw_training_rows(TRAIN_LABELS, 0, "clustered", 1.2, seed=0)
    # uniform has 45,000 candidates: ratio 1.2 works there
    assert cifar10.draw_training_rows(TRAIN_LABELS, 0, "uniform", 1.2, seed=0)[1].size == 6000


def test_zero_ratio_gives_a_clean_training_set() -> None:
    assert cifar10.draw_training_rows(TRAIN_LABELS, 0, "uniform", 0.0, seed=0)[1].size == 0


def test_balanced_protocol_tests_on_the_whole_test_split() -> None:
    train, test = cifar10.split_rows(LABELS, N_TRAIN, 3, "uniform", 0.1, seed=0)
    assert train.size == 5500 and np.all(train < N_TRAIN)
    np.testing.assert_array_equal(test, np.arange(N_TRAIN, LABELS.size))
    y_test = LABELS[test] != 3
    assert (y_test == 0).sum() == 1000 and (y_test == 1).sum() == 9000
    assert np.all(np.diff(train) > 0)


def test_authors_80_20_protocol_splits_the_contaminated_set() -> None:
    normal_rows, anomaly_rows = cifar10.draw_training_rows(TRAIN_LABELS, 3, "clustered", 0.1, 0)
    train, test = cifar10.split_rows(
        LABELS, N_TRAIN, 3, "clustered", 0.1, seed=0, test_protocol="authors_80_20"
    )
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.union1d(normal_rows, anomaly_rows))
    assert (train.size, test.size) == (4400, 1100)
    assert (LABELS[test] != 3).sum() == 100, "stratified: 20 % of the 500 anomalies"
    other = cifar10.split_rows(LABELS, N_TRAIN, 3, "clustered", 0.1, 1, "authors_80_20")
    assert not np.array_equal(other[1], test)


def test_unknown_protocol_and_mode() -> None:
    with pytest.raises(ValueError, match="valid: balanced, authors_80_20"):
        cifar10.split_rows(LABELS, N_TRAIN, 0, "uniform", 0.1, 0, test_protocol="paper")
    with pytest.raises(ValueError, match="valid: uniform, clustered"):
        cifar10.split_rows(LABELS, N_TRAIN, 0, "blob", 0.1, 0)


def test_pca_is_exact_and_fitted_on_the_training_rows() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 10)) * np.linspace(3, 0.5, 10)
    features[150:] += 5.0  # test rows far away: a fit that saw them would centre differently
    X, record = cifar10.fit_pca(features.astype(np.float32), n_train=150, n_components=3)
    centred = features[:150] - features[:150].mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    expected = (features - features[:150].mean(axis=0)) @ components[:3].T
    np.testing.assert_allclose(np.abs(X), np.abs(expected), rtol=1e-4, atol=1e-4)
    ratio = (singular[:3] ** 2).sum() / (singular**2).sum()
    assert record["pca_explained_variance_ratio"] == pytest.approx(ratio, rel=1e-5)
    with pytest.raises(ValueError, match="pca_components must be in \\[1, 10\\]"):
        cifar10.fit_pca(features, n_train=150, n_components=11)
