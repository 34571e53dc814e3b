"""The input-sensitivity diagnostic: unperturbed it reproduces the runner's run; perturbed, not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reproduce.backends import SequentialBackend
from reproduce.config import expand, load_experiments
from reproduce.input_sensitivity import main, perturb
from reproduce.runner import run_grid
from reproduce.store import RunStore


def test_perturb_scales_each_entry_by_one_plus_relative_noise():
    X = np.arange(1.0, 13.0).reshape(3, 4)
    np.testing.assert_array_equal(perturb(X, 0.0, np.random.default_rng(0)), X)
    noise = np.random.default_rng(7).standard_normal(X.shape)
    np.testing.assert_allclose(perturb(X, 1e-3, np.random.default_rng(7)), X * (1 + 1e-3 * noise))
    ratio = perturb(X, 1e-6, np.random.default_rng(1)) / X - 1
    assert 0 < np.abs(ratio).max() < 1e-5
    for bad in (-1e-6, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="relative perturbation"):
            perturb(X, bad, np.random.default_rng(0))


def test_unperturbed_refit_reproduces_the_runners_record_and_a_perturbed_one_moves(
    tmp_path, capsys
):
    (experiment,) = [e for e in load_experiments(["quick"]) if e.name == "quick-moons"]
    specs = [p.spec for p in expand(experiment, methods=["RealNVP"])]
    store = RunStore(tmp_path / "store")
    assert run_grid(specs, store, SequentialBackend(), progress=False).done == 1
    stored = store.read(specs[0].run_id).metrics["roc_auc"]
    args = ["--config", "quick", "--experiment", "quick-moons", "--methods", "RealNVP"]
    args += ["--store", str(tmp_path / "store"), "--relative", "0,1e-2"]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["relative_perturbation"] for r in rows] == [0.0, 0.01]
    assert all(r["stored_roc_auc"] == stored for r in rows)
    assert rows[0]["roc_auc"] == stored  # bit for bit the runner's run
    assert rows[1]["roc_auc"] != stored


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--config", "quick", "--experiment", "nope"])
    assert "no experiment 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--config", "quick", "--experiment", "quick-moons", "--relative", "-1"])
    assert "--relative" in capsys.readouterr().err
