"""Snapshots of a fit and the anytime ROC-AUC recorded from them (issue: what 200 epochs cost)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from reproduce.backends import SequentialBackend
from reproduce.execute import ANYTIME_EPOCHS, anytime_auc, request_snapshots
from reproduce.runner import run_grid
from reproduce.spec import RunSpec
from reproduce.store import RunStore
from reproduce.testing import load_toy_split
from rrnvp import FlowDetector

VARIANTS = {
    "RealNVP": {},
    "RobustRealNVP": {"trim_ratio": 0.1, "trim_warmup_epochs": 2, "spectral_norm": True},
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(270, 5)), rng.uniform(-5, 5, size=(30, 5))])
    T = np.vstack([rng.normal(size=(60, 5)), rng.uniform(-5, 5, size=(20, 5))])
    y = np.r_[np.zeros(60), np.ones(20)]
    return X, T, y


def _flow(**params) -> FlowDetector:
    return FlowDetector(epochs=6, batch_size=64, random_state=7, device="cpu", **params)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_snapshots_leave_the_final_model_bit_identical(data, variant):
    X, T, _ = data
    with_snapshots = _flow(snapshot_epochs=(2, 4), **VARIANTS[variant]).fit(X)
    without = _flow(**VARIANTS[variant]).fit(X)
    assert np.array_equal(with_snapshots.decision_function(T), without.decision_function(T))
    assert sorted(with_snapshots.snapshots_) == [2, 4] and without.snapshots_ == {}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_snapshot_scores_as_the_fit_stopped_at_its_epoch(data, variant):
    """The model kept after epoch e is the model a fit of e epochs ends with (same seed)."""
    X, T, _ = data
    staged = dict(
        _flow(snapshot_epochs=[4, 2], **VARIANTS[variant]).fit(X).staged_decision_function(T)
    )
    assert list(staged) == [2, 4, 6]
    for epoch in (2, 4):
        short = FlowDetector(**{**_flow(**VARIANTS[variant]).get_params(), "epochs": epoch}).fit(X)
        np.testing.assert_array_equal(staged[epoch], short.decision_function(T))
    assert not np.array_equal(staged[2], staged[6])


def test_staged_scores_end_with_the_final_model_and_change_nothing(data):
    X, T, _ = data
    detector = _flow(snapshot_epochs=[6, 3]).fit(X)
    before = detector.decision_function(T)
    staged = list(detector.staged_decision_function(T))
    assert [epoch for epoch, _ in staged] == [3, 6]  # epoch 6 is the final model, once
    np.testing.assert_array_equal(staged[-1][1], before)
    np.testing.assert_array_equal(detector.decision_function(T), before)


def test_snapshots_of_epochs_not_reached_are_absent(data):
    X, _, _ = data
    steps_per_epoch = len(X) // 64
    detector = _flow(snapshot_epochs=[2, 5], max_steps=3 * steps_per_epoch).fit(X)
    assert sorted(detector.snapshots_) == [2]
    assert len(detector.history_["loss"]) == 3


@pytest.mark.parametrize(
    "bad",
    [[0], [7], ["2"], [2.5], [True], "2", 3],
    ids=["zero", "past-end", "str-item", "float", "bool", "str", "int"],
)
def test_invalid_snapshot_epochs_are_a_clear_error(data, bad):
    with pytest.raises(ValueError, match="snapshot_epochs"):
        _flow(snapshot_epochs=bad).fit(data[0])


def test_snapshot_epochs_is_an_ordinary_parameter():
    detector = _flow(snapshot_epochs=(2, 3))
    assert clone(detector).get_params()["snapshot_epochs"] == (2, 3)


def test_the_runner_asks_only_estimators_that_take_snapshots_for_budgets_below_epochs():
    flow = FlowDetector(epochs=60)
    request_snapshots(flow)
    assert flow.snapshot_epochs == tuple(e for e in ANYTIME_EPOCHS if e < 60) == (10, 20, 50)
    short = FlowDetector(epochs=5)
    request_snapshots(short)
    assert short.snapshot_epochs is None

    class NoSnapshots:
        def get_params(self):
            return {"epochs": 100}

    request_snapshots(NoSnapshots())  # nothing to set, no error


def test_anytime_auc_is_the_test_auc_of_each_snapshot(data):
    X, T, y = data
    detector = _flow(snapshot_epochs=[2, 4]).fit(X)
    final = roc_auc_score(y, detector.decision_function(T))
    by_epoch = anytime_auc(detector, T, y, final)
    assert list(by_epoch) == ["2", "4", "6"] and by_epoch["6"] == final
    staged = dict(detector.staged_decision_function(T))
    assert by_epoch["2"] == roc_auc_score(y, staged[2])


@pytest.mark.usefixtures("toys")
def test_a_flow_run_record_holds_the_anytime_auc(tmp_path):
    spec = RunSpec.create("toy-a", "RealNVP", 0, {"epochs": 12, "batch_size": 64})
    store = RunStore(tmp_path)
    run_grid([spec], store, SequentialBackend(), progress=False)
    record = store.read(spec.run_id)
    by_epoch = record.metrics["roc_auc_by_epoch"]
    assert list(by_epoch) == ["10", "12"]
    assert by_epoch["12"] == record.metrics["roc_auc"]
    assert record.timing["anytime_score_seconds"] >= 0
    split = load_toy_split("toy-a", seed=0)
    params = {**record.resolved_params, "epochs": 10}
    ten = FlowDetector(**{**FlowDetector().get_params(), **params, "random_state": 0})
    ten.set_params(device="cpu").fit(split.X_train)
    assert by_epoch["10"] == roc_auc_score(split.y_test, ten.decision_function(split.X_test))
