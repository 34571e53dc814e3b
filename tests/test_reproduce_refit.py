"""Rebuilding a stored run's inputs for a diagnostic: the runner's split, parameters and record."""

from __future__ import annotations

import numpy as np

from reproduce.backends import SequentialBackend
from reproduce.config import expand, load_experiments
from reproduce.execute import split_contaminations
from reproduce.refit import load_run_inputs
from reproduce.runner import run_grid
from reproduce.store import RunStore


def _moons_spec(method: str):
    (experiment,) = [e for e in load_experiments(["quick"]) if e.name == "quick-moons"]
    (point,) = expand(experiment, methods=[method])
    return point.spec


def test_inputs_match_the_stored_run_and_resolve_oracle_values(tmp_path):
    spec = _moons_spec("TrimRealNVP")
    store = RunStore(tmp_path / "store")
    before = load_run_inputs(spec, None, store)
    assert before.stored is None and before.stored_roc_auc is None

    assert run_grid([spec], store, SequentialBackend(), progress=False).done == 1
    run = load_run_inputs(spec, None, store)
    record = store.read(spec.run_id)
    assert run.stored_roc_auc == record.metrics["roc_auc"]
    assert run.params == dict(record.resolved_params)  # what the worker resolved and stored
    assert len(run.split.X_train) == record.data["n_train"]
    np.testing.assert_array_equal(run.split.X_train, before.split.X_train)  # same seed, same split

    train, pooled = split_contaminations(run.split)
    assert (run.contamination, run.dataset_contamination) == (train, pooled)
    assert run.resolve({"epsilon": "contamination", "k": "dataset_contamination", "n": 3}) == {
        "epsilon": train,
        "k": pooled,
        "n": 3,
    }
