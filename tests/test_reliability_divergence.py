"""Divergence: real training runs provoked into non-finite losses end as failed runs, never NaN.

Each run goes through the runner (the same ``execute_run`` the worker processes use) on a toy
dataset with an absurd learning rate. A flow must end as a ``failed`` run whose error names the
epoch and the step (and they must be right); a baseline must end failed with
``TrainingDivergedError`` or done with finite metrics. No record ever carries a NaN score or AUC.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from baselines import make_baseline
from reproduce.backends import SequentialBackend
from reproduce.runner import run_grid
from reproduce.spec import RunSpec
from reproduce.store import RunStore
from reproduce.testing import load_toy_split
from rrnvp import RealNVP, TrainingDivergedError

pytestmark = pytest.mark.usefixtures("toys")

N_TRAIN, BATCH_SIZE = 200, 32  # the toy split's training size; 6 full batches per epoch
ABSURD_FLOW = {
    "n_couplings": 2,
    "hidden_features": 8,
    "epochs": 5,
    "batch_size": BATCH_SIZE,
    "learning_rate": 1e20,
}
_WHERE = re.compile(r"at epoch (\d+), step (\d+) \(global step (\d+)\)")


def run_one(spec: RunSpec, store: RunStore):
    summary = run_grid([spec], store, SequentialBackend(), progress=False)
    assert summary.total == 1
    return store.read(spec.run_id)


def assert_never_nan(record) -> None:
    """A record's metrics are finite numbers, or absent (failed run); never NaN."""
    assert all(isinstance(v, float) and math.isfinite(v) for v in record.metrics.values())
    if not record.done:
        assert record.metrics == {}


@pytest.mark.parametrize("method", ["RealNVP", "TrimRealNVP", "RobustRealNVP"])
def test_flow_with_absurd_learning_rate_fails_naming_epoch_and_step(method, tmp_path):
    store = RunStore(tmp_path)
    spec = RunSpec.create("toy-a", method, 0, ABSURD_FLOW)
    record = run_one(spec, store)
    assert record.status == "failed"
    assert_never_nan(record)
    error = record.error
    assert (error["type"], error["phase"]) == ("TrainingDivergedError", "fit")
    match = _WHERE.search(error["message"])
    assert match, error["message"]
    epoch, step, global_step = map(int, match.groups())
    assert global_step == epoch * (N_TRAIN // BATCH_SIZE) + step
    assert "learning_rate" in error["message"] and "1e+20" in error["message"]
    assert "Traceback" in error["traceback"]
    assert record.resolved_params["learning_rate"] == 1e20
    # The next invocation retries it (and, the cause unchanged, records the failure again).
    again = run_grid([spec], store, SequentialBackend(), progress=False)
    assert (again.failed, again.skipped) == (1, 0)


def test_divergence_after_the_first_epoch_names_the_right_epoch_step_and_global_step(
    monkeypatch,
):
    """A loss that turns NaN on the 9th optimiser step, with 6 batches an epoch, is reported as
    epoch 1, step 2, global step 8 (counted by hand: 8 = 1 * 6 + 2)."""
    import rrnvp.detector

    real_step = rrnvp.detector.train_step
    calls = []

    def nan_on_the_ninth_call(*args, **kwargs):
        calls.append(1)
        loss = real_step(*args, **kwargs)
        return loss * float("nan") if len(calls) == 9 else loss

    monkeypatch.setattr(rrnvp.detector, "train_step", nan_on_the_ninth_call)
    X = np.random.default_rng(0).normal(size=(6 * BATCH_SIZE + 5, 3))  # 6 full batches
    detector = RealNVP(n_couplings=2, hidden_features=8, epochs=3, batch_size=BATCH_SIZE)
    with pytest.raises(TrainingDivergedError) as raised:
        detector.fit(X)
    assert _WHERE.search(str(raised.value)).groups() == ("1", "2", "8")
    assert len(calls) == 9


@pytest.mark.parametrize(
    "method, params, must_diverge",
    [
        ("AE", {"epochs": 3, "hidden_features": 8, "learning_rate": 1e12}, True),
        (
            "AE",
            {"implementation": "pyod", "epochs": 3, "hidden_features": 8, "learning_rate": 1e12},
            True,
        ),
        ("VAE", {"epochs": 3, "hidden_features": 8, "learning_rate": 1e12}, True),
        (
            "Deep-SVDD",
            {"epochs": 3, "pretrain_epochs": 3, "hidden_features": 8, "learning_rate": 1e12},
            True,
        ),
        # SO-GAAL's sigmoid discriminator saturates instead of overflowing: constant scores.
        ("SO-GAAL", {"stop_epochs": 2, "lr_d": 1e12, "lr_g": 1e12}, False),
    ],
)
def test_baseline_with_absurd_learning_rate_fails_clearly_or_stays_finite(
    method, params, must_diverge, tmp_path
):
    record = run_one(RunSpec.create("toy-a", method, 0, params), RunStore(tmp_path))
    assert_never_nan(record)
    if record.done:
        assert not must_diverge, f"{method} trained with lr=1e12 without diverging"
        assert 0.0 <= record.metrics["roc_auc"] <= 1.0
        return
    error = record.error
    assert (error["type"], error["phase"]) == ("TrainingDivergedError", "fit"), error
    own_loop = method in ("AE", "Deep-SVDD") and params.get("implementation") != "pyod"
    if own_loop:  # our own training loops name where it diverged
        assert re.search(r"at epoch \d+, step \d+", error["message"]), error["message"]
    else:  # PyOD's internal "Input contains NaN" is not passed off as bad input
        assert "training produced non-finite values" in error["message"]


def test_a_diverged_flow_has_no_scores_to_give():
    split = load_toy_split("toy-a", 0)
    detector = RealNVP(**ABSURD_FLOW, random_state=0, device="cpu")
    with pytest.raises(TrainingDivergedError, match=_WHERE):
        detector.fit(split.X_train)
    with pytest.raises(NotFittedError):
        detector.decision_function(split.X_test)
    # A divergence is bad input to the contract: callers catching ValueError catch it too.
    with pytest.raises(ValueError):
        RealNVP(**ABSURD_FLOW, random_state=0, device="cpu").fit(split.X_train)
    # A failed refit of a fitted detector does not leave the old model behind half-replaced.
    detector.set_params(learning_rate=3e-4).fit(split.X_train)
    assert np.isfinite(detector.decision_function(split.X_test)).all()
    with pytest.raises(TrainingDivergedError):
        detector.set_params(learning_rate=1e20).fit(split.X_train[:, :1])
    with pytest.raises(NotFittedError):
        detector.decision_function(split.X_test)


def test_finite_input_too_large_for_a_fitted_flow_is_refused_not_scored_nan():
    split = load_toy_split("toy-a", 0)
    detector = RealNVP(n_couplings=2, hidden_features=8, epochs=2, random_state=0, device="cpu")
    detector.fit(split.X_train)
    extreme = np.full((3, 2), 3e38)  # finite in float32, overflows inside the couplings
    with pytest.raises(ValueError, match="non-finite log-density.*rescale the data"):
        detector.decision_function(extreme)
    scores = detector.decision_function(np.vstack([split.X_test, np.full((1, 2), 1e20)]))
    assert np.isfinite(scores).all()


def test_a_diverged_baseline_names_epoch_and_step_and_is_left_unfitted():
    split = load_toy_split("toy-a", 0)
    detector = make_baseline(
        "deep_svdd",
        epochs=3,
        pretrain_epochs=3,
        hidden_features=8,
        learning_rate=1e12,
        random_state=0,
        device="cpu",
    )
    with pytest.raises(TrainingDivergedError, match=r"at epoch \d+, step \d+"):
        detector.fit(split.X_train)
    with pytest.raises(NotFittedError):
        detector.decision_function(split.X_test)
