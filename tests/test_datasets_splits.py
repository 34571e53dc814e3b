"""Train/test splits and preprocessing: partition, stratification, seeds, no test leakage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datasets
from datasets import fetch
from datasets.preprocessing import fit_preprocessing
from datasets.registry import Dataset
from datasets.splits import make_split, split_and_preprocess
from reproduce.testing import labelled_dataset


def toy_dataset(n: int = 200, d: int = 5, n_anomalies: int = 20, seed: int = 0) -> Dataset:
    return labelled_dataset(n, d, n_anomalies, seed)  # shifted columns


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(10, 400),
    anomaly_share=st.floats(0.02, 0.5),
    train_fraction=st.floats(0.2, 0.8),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_is_a_stratified_partition(
    n: int, anomaly_share: float, train_fraction: float, seed: int
) -> None:
    n_anomalies = max(2, round(anomaly_share * n))
    data = toy_dataset(n, 2, n_anomalies)
    split = make_split(data.X, data.y, seed, train_fraction=train_fraction)
    train, test = split.train_index, split.test_index
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
    assert abs(train.size - train_fraction * n) <= 1
    # Stratified: each part's anomaly count is within one sample of its proportional share.
    assert abs(split.y_train.sum() - n_anomalies * train.size / n) <= 1
    assert abs(split.y_test.sum() - n_anomalies * test.size / n) <= 1
    np.testing.assert_array_equal(split.X_train, data.X[train])
    np.testing.assert_array_equal(split.y_test, data.y[test])
    assert split.contamination == pytest.approx(split.y_train.mean())


def test_split_is_deterministic_by_seed() -> None:
    data = toy_dataset()
    first, again = make_split(*data, seed=3), make_split(*data, seed=3)
    np.testing.assert_array_equal(first.train_index, again.train_index)
    np.testing.assert_array_equal(first.X_test, again.X_test)
    other = make_split(*data, seed=4)
    assert not np.array_equal(first.train_index, other.train_index)


def test_unstratified_split_and_bad_arguments() -> None:
    data = toy_dataset()
    split = make_split(*data, seed=0, stratify=False)
    assert split.train_index.size == 120 and split.preprocessing["stratify"] is False
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="train_fraction"):
            make_split(*data, seed=0, train_fraction=bad)
    for seed in (-1, 1.5, True, 2**32):
        with pytest.raises(ValueError, match="seed"):
            make_split(*data, seed=seed)
    with pytest.raises(ValueError, match="only 0"):
        make_split(data.X, data.y * 2, seed=0)
    with pytest.raises(ValueError, match="1-D"):
        make_split(data.X, data.y[:-1], seed=0)


@pytest.mark.parametrize("scaler", ["minmax", "zscore", None])
def test_scalers_are_fitted_on_the_training_part(scaler: str | None) -> None:
    data = toy_dataset()
    split = split_and_preprocess(data, seed=1, scaler=scaler)
    raw = make_split(*data, seed=1)
    if scaler == "minmax":
        np.testing.assert_allclose(split.X_train.min(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(split.X_train.max(axis=0), 1, atol=1e-12)
        expected_test = (raw.X_test - raw.X_train.min(0)) / np.ptp(raw.X_train, axis=0)
    elif scaler == "zscore":
        np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(split.X_train.std(axis=0), 1, atol=1e-12)
        expected_test = (raw.X_test - raw.X_train.mean(0)) / raw.X_train.std(0)
    else:
        expected_test = raw.X_test
    np.testing.assert_allclose(split.X_test, expected_test)
    assert split.preprocessing["scaler"] == scaler and split.preprocessing["fit_on"] == "train"
    json.dumps(split.preprocessing)


def test_scaler_never_sees_test_rows() -> None:
    data = toy_dataset()
    clean = split_and_preprocess(data, seed=2)
    poisoned_X = data.X.copy()
    row = clean.test_index[0]
    poisoned_X[row] = 1e9
    poisoned = split_and_preprocess(Dataset("toy", poisoned_X, data.y), seed=2)
    np.testing.assert_array_equal(poisoned.X_train, clean.X_train)
    np.testing.assert_array_equal(poisoned.transform.center, clean.transform.center)
    np.testing.assert_array_equal(poisoned.transform.scale, clean.transform.scale)
    changed = np.flatnonzero((poisoned.X_test != clean.X_test).any(axis=1))
    np.testing.assert_array_equal(changed, [0])
    # The authors' transductive protocol does see it: the same poisoning moves the train features.
    transductive = split_and_preprocess(
        Dataset("toy", poisoned_X, data.y), seed=2, protocol="transductive"
    )
    np.testing.assert_array_equal(transductive.train_index, clean.train_index)
    assert not np.allclose(transductive.X_train, clean.X_train)
    assert transductive.preprocessing["fit_on"] == "all"


def test_columns_constant_on_train_are_dropped_and_recorded() -> None:
    data = toy_dataset(d=4)
    X = data.X.copy()
    X[:, 1] = 7.0
    raw = make_split(X, data.y, seed=0)
    X[raw.test_index[:3], 2] = 5.0  # column 2: constant on train, varies on test
    X[raw.train_index, 2] = 1.0
    split = split_and_preprocess(Dataset("toy", X, data.y), seed=0)
    assert split.preprocessing["dropped_features"] == [1, 2]
    assert split.n_features == 2 and split.preprocessing["n_features_out"] == 2
    np.testing.assert_array_equal(split.transform.kept_features, [0, 3])
    kept = split_and_preprocess(Dataset("toy", X, data.y), seed=0, drop_constant=False)
    assert kept.n_features == 4 and kept.preprocessing["dropped_features"] == []
    assert np.isfinite(kept.X_train).all() and (kept.X_train[:, 1] == 0).all()


def test_preprocessing_rejects_bad_values() -> None:
    data = toy_dataset()
    with pytest.raises(ValueError, match="unknown scaler 'robust'"):
        split_and_preprocess(data, seed=0, scaler="robust")
    with pytest.raises(ValueError, match="valid protocols: inductive, transductive"):
        split_and_preprocess(data, seed=0, protocol="semi")
    with pytest.raises(ValueError, match="NaN"):
        fit_preprocessing(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="every column is constant"):
        fit_preprocessing(np.ones((5, 3)))
    fitted = fit_preprocessing(data.X)
    with pytest.raises(ValueError, match="5 columns"):
        fitted.transform(np.ones((2, 4)))


def real_data_dir() -> Path:
    root = os.environ.get("RRNVP_DATA")
    if not root:
        pytest.skip("RRNVP_DATA is not set: no local copy of the ODDS files")
    return Path(root)


@pytest.mark.parametrize(("name", "n_constant"), [("arrhythmia", 17), ("mnist", 22)])
def test_real_constant_columns_are_dropped(name: str, n_constant: int) -> None:
    root = real_data_dir()
    full = datasets.load_split(name, seed=0, data_dir=root, protocol="transductive")
    assert len(full.preprocessing["dropped_features"]) == n_constant
    split = datasets.load_split(name, seed=0, data_dir=root)
    dropped = split.preprocessing["dropped_features"]
    assert set(full.preprocessing["dropped_features"]) <= set(dropped)
    assert split.n_features == split.transform.n_features_in - len(dropped)
    assert (np.ptp(split.X_train, axis=0) > 0).all()


def test_real_odds_split_through_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    root = real_data_dir()
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")
    split = datasets.load_split("mammo", seed=4, data_dir=root)
    assert split.name == "mammography" and split.seed == 4
    assert split.X_train.shape == (6709, 6) and split.X_test.shape == (4474, 6)
    assert abs(split.y_train.sum() - 260 * 0.6) <= 1
    assert split.X_train.min() == 0 and split.X_train.max() == 1
    again = datasets.load_split("mammography", seed=4, data_dir=root)
    np.testing.assert_array_equal(split.test_index, again.test_index)
    zscored = datasets.load_split("mammography", seed=4, data_dir=root, scaler="zscore")
    np.testing.assert_array_equal(zscored.train_index, split.train_index)
    json.dumps(split.preprocessing)
