"""CIFAR-10 registry names, the contamination split protocol (index logic, no images), and the
min-max scaling of the PCA features (on fake features)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import datasets
from datasets.cifar10 import split as cifar10_split
from datasets.cifar10.images import ImageCollection

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
    options = set(datasets.kind_of("airplane-u").options.names())
    assert {"ratio", "features", "test_protocol", "image_source", "pca_components"} <= options
    assert not options & set(datasets.EXECUTION_SETTINGS), "execution settings are not options"


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
    assert cifar10_split.anomaly_classes(normal, mode) == expected


@pytest.mark.parametrize("mode", ["uniform", "clustered"])
@pytest.mark.parametrize("ratio", [0.1, 0.2, 0.3, 0.4])
def test_training_rows_sizes_and_allowed_classes(mode: str, ratio: float) -> None:
    for normal in (0, 7, 9):
        normal_rows, anomaly_rows = cifar10_split.draw_training_rows(
            TRAIN_LABELS, normal, mode, ratio, seed=0
        )
        assert normal_rows.size == 5000
        assert np.all(TRAIN_LABELS[normal_rows] == normal)
        assert anomaly_rows.size == round(ratio * 5000)
        assert np.unique(anomaly_rows).size == anomaly_rows.size, "drawn without replacement"
        drawn_classes = set(TRAIN_LABELS[anomaly_rows].tolist())
        assert drawn_classes <= set(cifar10_split.anomaly_classes(normal, mode))
        if mode == "uniform":  # drawn from the nine pooled classes, none left out
            assert len(drawn_classes) == 9
            counts = np.bincount(TRAIN_LABELS[anomaly_rows], minlength=10)
            share = counts[counts > 0] / anomaly_rows.size
            assert np.all(np.abs(share - 1 / 9) < 0.06)


def test_draw_is_seeded_and_independent_of_other_classes() -> None:
    def draw(normal: int, mode: str = "uniform", ratio: float = 0.1, seed: int = 0):
        return cifar10_split.draw_training_rows(TRAIN_LABELS, normal, mode, ratio, seed)[1]

    first = draw(4)
    for other in range(10):  # drawing other datasets in between changes nothing
        draw(other, "clustered", 0.3, seed=7)
    np.testing.assert_array_equal(draw(4), first)
    assert not np.array_equal(draw(4, seed=1), first)
    # Different classes use different streams (not the same positions in their pools).
    pool_positions = [np.searchsorted(np.flatnonzero(TRAIN_LABELS != c), draw(c)) for c in (4, 5)]
    assert not np.array_equal(*pool_positions)


def test_larger_ratio_adds_to_the_anomalies_of_a_smaller_one() -> None:
    small = cifar10_split.draw_training_rows(TRAIN_LABELS, 2, "uniform", 0.1, seed=3)[1]
    large = cifar10_split.draw_training_rows(TRAIN_LABELS, 2, "uniform", 0.4, seed=3)[1]
    assert set(small) < set(large)


def test_draw_ignores_global_random_state() -> None:
    np.random.seed(1)
    a = cifar10_split.draw_training_rows(TRAIN_LABELS, 6, "clustered", 0.2, seed=5)[1]
    np.random.seed(2)
    b = cifar10_split.draw_training_rows(TRAIN_LABELS, 6, "clustered", 0.2, seed=5)[1]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("ratio", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_ratio_is_rejected(ratio: object) -> None:
    with pytest.raises(ValueError, match="ratio"):
        cifar10_split.draw_training_rows(TRAIN_LABELS, 0, "uniform", ratio, seed=0)


def test_too_many_clustered_anomalies_is_an_error() -> None:
    with pytest.raises(ValueError, match="only 5000 candidate"):
        cifar10_split.draw_training_rows(TRAIN_LABELS, 0, "clustered", 1.2, seed=0)
    # uniform has 45,000 candidates: ratio 1.2 works there
    assert cifar10_split.draw_training_rows(TRAIN_LABELS, 0, "uniform", 1.2, seed=0)[1].size == 6000


def test_zero_ratio_gives_a_clean_training_set() -> None:
    assert cifar10_split.draw_training_rows(TRAIN_LABELS, 0, "uniform", 0.0, seed=0)[1].size == 0


def test_balanced_protocol_tests_on_the_whole_test_split() -> None:
    train, test = cifar10_split.split_rows(LABELS, N_TRAIN, 3, "uniform", 0.1, seed=0)
    assert train.size == 5500 and np.all(train < N_TRAIN)
    np.testing.assert_array_equal(test, np.arange(N_TRAIN, LABELS.size))
    y_test = LABELS[test] != 3
    assert (y_test == 0).sum() == 1000 and (y_test == 1).sum() == 9000
    assert np.all(np.diff(train) > 0)


def test_authors_80_20_protocol_splits_the_contaminated_set() -> None:
    normal_rows, anomaly_rows = cifar10_split.draw_training_rows(
        TRAIN_LABELS, 3, "clustered", 0.1, 0
    )
    train, test = cifar10_split.split_rows(
        LABELS, N_TRAIN, 3, "clustered", 0.1, seed=0, test_protocol="authors_80_20"
    )
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.union1d(normal_rows, anomaly_rows))
    assert (train.size, test.size) == (4400, 1100)
    assert (LABELS[test] != 3).sum() == 100, "stratified: 20 % of the 500 anomalies"
    other = cifar10_split.split_rows(LABELS, N_TRAIN, 3, "clustered", 0.1, 1, "authors_80_20")
    assert not np.array_equal(other[1], test)


def test_unknown_protocol_and_mode() -> None:
    with pytest.raises(ValueError, match="valid: balanced, authors_80_20"):
        cifar10_split.split_rows(LABELS, N_TRAIN, 0, "uniform", 0.1, 0, test_protocol="paper")
    with pytest.raises(ValueError, match="valid: uniform, clustered"):
        cifar10_split.split_rows(LABELS, N_TRAIN, 0, "blob", 0.1, 0)


def test_pca_is_exact_and_fitted_on_the_training_rows() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 10)) * np.linspace(3, 0.5, 10)
    features[150:] += 5.0  # test rows far away: a fit that saw them would centre differently
    X, record = cifar10_split.fit_pca(features.astype(np.float32), n_train=150, n_components=3)
    centred = features[:150] - features[:150].mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    expected = (features - features[:150].mean(axis=0)) @ components[:3].T
    np.testing.assert_allclose(np.abs(X), np.abs(expected), rtol=1e-4, atol=1e-4)
    ratio = (singular[:3] ** 2).sum() / (singular**2).sum()
    assert record["pca_explained_variance_ratio"] == pytest.approx(ratio, rel=1e-5)
    with pytest.raises(ValueError, match="pca_components must be in \\[1, 10\\]"):
        cifar10_split.fit_pca(features, n_train=150, n_components=11)


# ------------------------------------------------------------------------------------------
# Min-max scaling of the PCA features (``scale_features``), on fake images and features

FAKE_TRAIN_PER_CLASS, FAKE_TEST_PER_CLASS, FAKE_DIM = 20, 6, 5


@pytest.fixture
def fake_features(monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """Stand-ins for the images and their PCA features (no images, no network, no torch).

    Columns have different spreads; the test images are shifted and wider, so scaled test rows
    fall outside [0, 1]; column 4 is constant on every training image. Returns the features.
    """
    rng = np.random.default_rng(7)
    labels = np.concatenate(
        [
            rng.permutation(np.repeat(np.arange(10), FAKE_TRAIN_PER_CLASS)),
            rng.permutation(np.repeat(np.arange(10), FAKE_TEST_PER_CLASS)),
        ]
    )
    n_train = 10 * FAKE_TRAIN_PER_CLASS
    X = rng.normal(size=(labels.size, FAKE_DIM)) * np.array([30.0, 5.0, 1.0, 0.01, 1.0])
    X[n_train:] = 3.0 * X[n_train:] + 2.0
    X[:n_train, 4] = 1.5
    X.setflags(write=False)  # like the shared memo of cifar10_features
    images = ImageCollection(
        labels=labels,
        n_train=n_train,
        digest="fake",
        source="fake",
        location="memory",
        verification="none",
        reader=lambda rows: np.zeros((len(rows), 2, 2, 3), dtype=np.uint8),
    )
    record = {"pca_fit_on": f"the {n_train} training images", "pca_components": FAKE_DIM}
    monkeypatch.setattr(cifar10_split, "load_images", lambda *args, **kwargs: images)
    monkeypatch.setattr(
        cifar10_split, "cifar10_features", lambda *args, **kwargs: (X, dict(record))
    )
    return X


def _manual_minmax(rows: np.ndarray, fit_rows: np.ndarray) -> np.ndarray:
    low, span = fit_rows.min(axis=0), np.ptp(fit_rows, axis=0)
    return (rows - low) / np.where(span > 0, span, 1.0)


@pytest.mark.parametrize("name", ["bird-u", "truck-c"])
def test_scaled_training_columns_span_zero_to_one_test_rows_not_clipped(
    fake_features: np.ndarray, name: str
) -> None:
    split = datasets.load_split(name, seed=2, ratio=0.25)
    varying = slice(0, FAKE_DIM - 1)  # column 4 is constant on the training images
    np.testing.assert_allclose(split.X_train[:, varying].min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train[:, varying].max(axis=0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(split.X_train[:, 4], 0.0)  # constant: kept, scale 1
    assert split.X_test.min() < 0.0 and split.X_test.max() > 1.0, "test rows are not clipped"
    assert split.X_train.dtype == split.X_test.dtype == np.float64
    assert split.X_train.flags.writeable and split.X_test.flags.writeable


def test_balanced_scaler_is_fitted_on_the_training_part_only(fake_features: np.ndarray) -> None:
    raw = datasets.load_split("cat-u", seed=1, ratio=0.25, scale_features=False)
    split = datasets.load_split("cat-u", seed=1, ratio=0.25)
    np.testing.assert_array_equal(split.train_index, raw.train_index)
    np.testing.assert_array_equal(split.test_index, raw.test_index)
    # The manual min-max of the unscaled training part, applied to both parts.
    np.testing.assert_allclose(split.X_train, _manual_minmax(raw.X_train, raw.X_train), atol=1e-12)
    np.testing.assert_allclose(split.X_test, _manual_minmax(raw.X_test, raw.X_train), atol=1e-12)
    # ... which differs from a fit that saw the test part.
    pooled = np.concatenate([raw.X_train, raw.X_test])
    assert not np.allclose(split.X_test, _manual_minmax(raw.X_test, pooled))
    assert split.transform is not None and split.transform.n_fit_rows == raw.X_train.shape[0]
    np.testing.assert_array_equal(split.transform.center, raw.X_train.min(axis=0))
    np.testing.assert_array_equal(split.transform.transform(raw.X_test), split.X_test)


def test_balanced_scaler_ignores_the_test_values(
    fake_features: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = datasets.load_split("deer-c", seed=0, ratio=0.25)
    changed = fake_features.copy()
    n_train = 10 * FAKE_TRAIN_PER_CLASS
    changed[n_train:] = changed[n_train:] * 100.0 - 50.0  # only the test images change
    monkeypatch.setattr(
        cifar10_split, "cifar10_features", lambda *a, **k: (changed, {"pca_fit_on": ""})
    )
    after = datasets.load_split("deer-c", seed=0, ratio=0.25)
    np.testing.assert_array_equal(after.X_train, before.X_train)
    np.testing.assert_array_equal(after.transform.center, before.transform.center)
    np.testing.assert_array_equal(after.transform.scale, before.transform.scale)
    assert not np.allclose(after.X_test, before.X_test)


def test_authors_80_20_scaler_is_fitted_on_train_and_test_pooled(
    fake_features: np.ndarray,
) -> None:
    options = {"seed": 4, "ratio": 0.5, "test_protocol": "authors_80_20"}
    raw = datasets.load_split("horse-u", scale_features=False, **options)
    split = datasets.load_split("horse-u", **options)
    assert np.all(split.test_index < 10 * FAKE_TRAIN_PER_CLASS)
    pooled = np.concatenate([split.X_train, split.X_test])
    np.testing.assert_allclose(pooled.min(axis=0)[:4], 0.0, atol=1e-12)
    np.testing.assert_allclose(pooled.max(axis=0)[:4], 1.0, atol=1e-12)
    raw_pooled = np.concatenate([raw.X_train, raw.X_test])
    np.testing.assert_allclose(split.X_train, _manual_minmax(raw.X_train, raw_pooled), atol=1e-12)
    np.testing.assert_allclose(split.X_test, _manual_minmax(raw.X_test, raw_pooled), atol=1e-12)
    assert split.transform.n_fit_rows == raw_pooled.shape[0]
    assert split.preprocessing["scaler_fit_on"] == "train+test"


def test_scale_features_false_is_the_unscaled_output(fake_features: np.ndarray) -> None:
    for protocol in cifar10_split.TEST_PROTOCOLS:
        split = datasets.load_split(
            "ship-c", seed=5, ratio=0.25, test_protocol=protocol, scale_features=False
        )
        train_rows, test_rows = cifar10_split.split_rows(
            cifar10_split.load_images().labels,
            10 * FAKE_TRAIN_PER_CLASS,
            8,
            "clustered",
            0.25,
            5,
            protocol,
        )
        # Exactly the rows of the PCA features, as before the option existed.
        for got, expected in (
            (split.X_train, fake_features[train_rows]),
            (split.X_test, fake_features[test_rows]),
        ):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert got.tobytes() == expected.tobytes()
        assert split.transform is None
        assert split.preprocessing["scaler"] is None
        assert split.preprocessing["feature_scaler"] is None
        assert split.preprocessing["scaler_fit_on"] is None


def test_scaling_is_recorded_in_preprocessing(fake_features: np.ndarray) -> None:
    split = datasets.load_split("frog-u", seed=0, ratio=0.25, scale_features=np.bool_(True))
    record = json.loads(json.dumps(split.preprocessing))  # JSON-able
    assert record["feature_scaler"] == "minmax" and record["scaler"] == "minmax"
    assert record["scaler_fit_on"] == "train"
    assert record["feature_transform"] == {
        "scaler": "minmax",
        "dropped_features": [],
        "n_features_in": FAKE_DIM,
        "n_features_out": FAKE_DIM,
        "n_fit_rows": split.X_train.shape[0],
    }
    # The keys recorded before the option existed are all still there.
    assert {
        "protocol",
        "fit_on",
        "scaler",
        "normal_class",
        "normal_label",
        "anomaly_mode",
        "anomaly_classes",
        "ratio",
        "n_train_normal",
        "n_train_anomalies",
        "test_protocol",
        "draw",
        "pca_fit_on",
        "pca_components",
    } <= set(record)
    assert "scale_features" in datasets.kind_of("frog-u").options.names()


@pytest.mark.parametrize("value", ["yes", 1, 0, None, 1.0])
def test_bad_scale_features_is_rejected(fake_features: np.ndarray, value: object) -> None:
    with pytest.raises(ValueError, match=f"scale_features must be True or False, got {value!r}"):
        datasets.load_split("airplane-u", scale_features=value)
