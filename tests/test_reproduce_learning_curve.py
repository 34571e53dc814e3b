"""The learning-curve diagnostic: stopped fits are the full run's prefix; the last is the run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from reproduce.config import expand, load_experiments
from reproduce.learning_curve import learning_curve

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not os.environ.get("RRNVP_DATA"), reason="RRNVP_DATA (ODDS files) not set")
def test_last_budget_reproduces_the_committed_table1_run():
    (table1,) = [e for e in load_experiments(["table1"]) if e.name == "table1"]
    (point,) = expand(table1, datasets=["glass"], seeds=[0], methods=["RobustRealNVP"])
    rows = list(learning_curve(point.spec, [5, 20], os.environ["RRNVP_DATA"]))
    assert [r["epochs"] for r in rows] == [5, 20]
    assert [r["steps"] for r in rows] == [5, 20]  # glass: one batch per epoch
    committed = pd.read_csv(ROOT / "results" / "table1.csv")
    expected = committed.query("dataset == 'glass' and method == 'RobustRealNVP' and seed == 0")
    assert rows[-1]["auc_test"] == pytest.approx(float(expected["auc_roc"].iloc[0]), abs=0.01)
    for row in rows:
        assert all(
            pd.notna(row[k]) for k in ("nll_train_normal", "nll_test_anomalous", "auc_train")
        )
    with pytest.raises(ValueError, match="exceeds the run's 20 epochs"):
        list(learning_curve(point.spec, [21], os.environ["RRNVP_DATA"]))
