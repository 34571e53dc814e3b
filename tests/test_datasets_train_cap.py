"""The training-row cap (datasets.splits.cap_training_rows): stratified, seeded, train-only,
deterministic, recorded, and part of the run id when a config sets it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.registry import Dataset
from datasets.splits import (
    CAP_STREAM,
    cap_training_rows,
    check_max_train_rows,
    make_split,
    split_and_preprocess,
)
from reproduce.spec import RunSpec
from reproduce.testing import labelled_dataset


def toy_dataset(n: int = 1000, d: int = 3, n_anomalies: int = 80, seed: int = 0) -> Dataset:
    return labelled_dataset(n, d, n_anomalies, seed, shift=False)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(20, 600),
    anomaly_share=st.floats(0.002, 0.45),
    cap=st.integers(2, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_cap_is_a_stratified_subset_of_the_training_part(
    n: int, anomaly_share: float, cap: int, seed: int
) -> None:
    data = toy_dataset(n, 2, max(2, round(anomaly_share * n)))
    raw = make_split(data.X, data.y, seed)
    capped = cap_training_rows(raw, cap, seed)
    n_train, n_anom = raw.y_train.size, int(raw.y_train.sum())
    assert capped.y_train.size == min(cap, n_train)
    assert np.isin(capped.train_index, raw.train_index).all()
    assert np.all(np.diff(capped.train_index) > 0), "kept rows stay in their order"
    np.testing.assert_array_equal(capped.X_train, data.X[capped.train_index])
    np.testing.assert_array_equal(capped.y_train, data.y[capped.train_index])
    kept_anom = int(capped.y_train.sum())
    if n_train > cap:
        share = n_anom * cap / n_train
        assert abs(kept_anom - share) < 1 or (kept_anom == 1 and share < 1), "stratified"
        assert kept_anom >= min(1, n_anom), "a label present keeps a row"
    else:
        assert kept_anom == n_anom
    # The test part is never touched.
    np.testing.assert_array_equal(capped.test_index, raw.test_index)
    np.testing.assert_array_equal(capped.X_test, raw.X_test)


def test_cap_is_deterministic_by_seed_and_its_own_stream() -> None:
    raw = make_split(*toy_dataset(), seed=5)
    first, again = cap_training_rows(raw, 100, 5), cap_training_rows(raw, 100, 5)
    np.testing.assert_array_equal(first.train_index, again.train_index)
    other = cap_training_rows(raw, 100, 6)
    assert not np.array_equal(first.train_index, other.train_index)
    assert first.preprocessing["train_cap"]["seed"] == [5, CAP_STREAM]


def test_capped_split_fits_preprocessing_on_the_capped_rows_and_records_the_cap() -> None:
    data = toy_dataset()
    full = split_and_preprocess(data, 2)
    capped = split_and_preprocess(data, 2, max_train_rows=150)
    np.testing.assert_array_equal(capped.test_index, full.test_index)
    np.testing.assert_array_equal(capped.y_test, full.y_test)
    rows = data.X[capped.train_index]
    np.testing.assert_allclose(capped.X_train.min(axis=0), 0.0)
    np.testing.assert_allclose(capped.X_train.max(axis=0), 1.0)
    np.testing.assert_allclose(capped.transform.center, rows.min(axis=0))
    facts = capped.preprocessing
    assert facts["n_fit_rows"] == 150
    assert facts["train_cap"] == {
        "max_train_rows": 150,
        "n_train_before_cap": 600,
        "n_anomalies_before_cap": 48,
        "stratified": True,
        "seed": [2, CAP_STREAM],
        "applied": True,
        "n_train": 150,
        "n_anomalies": 12,
    }
    assert "train_cap" not in full.preprocessing, "without a cap the record is unchanged"


def test_cap_above_the_training_size_changes_nothing_but_says_so() -> None:
    data = toy_dataset()
    full = split_and_preprocess(data, 1)
    capped = split_and_preprocess(data, 1, max_train_rows=600)
    np.testing.assert_array_equal(capped.X_train, full.X_train)
    np.testing.assert_array_equal(capped.X_test, full.X_test)
    assert capped.preprocessing["train_cap"]["applied"] is False
    assert capped.preprocessing["train_cap"]["n_train"] == 600


def test_transductive_protocol_keeps_fitting_on_all_rows() -> None:
    data = toy_dataset()
    capped = split_and_preprocess(data, 0, protocol="transductive", max_train_rows=100)
    assert capped.preprocessing["n_fit_rows"] == 1000 and capped.X_train.shape[0] == 100


@pytest.mark.parametrize("bad", [0, 1, -3, 2.0, True, np.bool_(True), "100"])
def test_invalid_cap_is_a_clear_error(bad: object) -> None:
    with pytest.raises(ValueError, match=r"max_train_rows must be None .* integer >= 2"):
        check_max_train_rows(bad)
    with pytest.raises(ValueError, match="max_train_rows"):
        split_and_preprocess(toy_dataset(), 0, max_train_rows=bad)


def test_cap_none_is_refused_by_cap_training_rows() -> None:
    raw = make_split(*toy_dataset(), seed=0)
    with pytest.raises(ValueError, match="needs an integer max_train_rows"):
        cap_training_rows(raw, None, 0)


def test_cap_written_in_a_config_enters_the_run_id() -> None:
    plain = RunSpec.create("adbench-cover", "IF", 0, data_options={})
    capped = RunSpec.create("adbench-cover", "IF", 0, data_options={"max_train_rows": 20_000})
    other = RunSpec.create("adbench-cover", "IF", 0, data_options={"max_train_rows": 10_000})
    assert len({plain.run_id, capped.run_id, other.run_id}) == 3
