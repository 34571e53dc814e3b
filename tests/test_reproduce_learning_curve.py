"""The learning-curve diagnostic: stopped fits are the full run's prefix; the last is the run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from reproduce.config import expand, load_experiments
from reproduce.learning_curve import learning_curve
from reproduce.spec import HASH_OMITTED_AT_LEGACY_VALUE, RunSpec

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not os.environ.get("RRNVP_DATA"), reason="RRNVP_DATA (ODDS files) not set")
def test_last_budget_reproduces_the_committed_table1_run():
    (table1,) = [e for e in load_experiments(["table1"]) if e.name == "table1"]
    (point,) = expand(table1, datasets=["glass"], seeds=[0], methods=["RobustRealNVP"])
    committed = pd.read_csv(ROOT / "results" / "table1.csv").set_index("run_id")
    spec = point.spec
    if spec.run_id not in committed.index:  # committed before an option was added: pin it
        legacy = HASH_OMITTED_AT_LEGACY_VALUE["params"]
        params = {k: legacy.get(k, v) for k, v in spec.params_dict.items()}
        spec = RunSpec.create(spec.dataset, spec.method, spec.seed, params, spec.data_options_dict)
    assert spec.run_id in committed.index
    rows = list(learning_curve(spec, [5, 20], os.environ["RRNVP_DATA"]))
    assert [r["epochs"] for r in rows] == [5, 20]
    assert [r["steps"] for r in rows] == [5, 20]  # glass: one batch per epoch
    expected = float(committed.loc[spec.run_id, "roc_auc"])
    assert rows[-1]["auc_test"] == pytest.approx(expected, abs=0.01)
    for row in rows:
        assert all(
            pd.notna(row[k]) for k in ("nll_train_normal", "nll_test_anomalous", "auc_train")
        )
    with pytest.raises(ValueError, match="exceeds the run's 20 epochs"):
        list(learning_curve(spec, [21], os.environ["RRNVP_DATA"]))


def test_an_unknown_experiment_is_named_not_a_key_error(capsys):
    from reproduce.learning_curve import main

    argv = ["--config", "quick", "--experiment", "nope", "--dataset", "moons"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--methods", "RealNVP", "--epochs", "1"])
    assert exc.value.code == 2
    assert "no experiment 'nope' in config 'quick'" in capsys.readouterr().err
