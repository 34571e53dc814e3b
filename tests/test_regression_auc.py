"""AUC regression: the regression subset recomputed and compared with its pinned reference."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reproduce.check import DEFAULT_TOLERANCE, compare, load_reference, reference_rows
from reproduce.config import expand, load_experiments

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "regression" / "reference.csv"


def runs_frame(rows):
    return pd.DataFrame(rows, columns=["dataset", "method", "seed", "status", "roc_auc"])


def test_compare_names_dataset_method_seed_expected_and_actual():
    reference = pd.DataFrame(
        [("glass", "IF", 0, 0.70), ("glass", "LOF", 0, 0.80), ("pima", "IF", 1, 0.66)],
        columns=["dataset", "method", "seed", "roc_auc"],
    )
    runs = runs_frame(
        [
            ("glass", "IF", 0, "done", 0.705),  # within tolerance
            ("glass", "LOF", 0, "done", 0.75),  # outside
            ("pima", "IF", 1, "failed", None),  # not finished
            ("vowels", "IF", 0, "done", 0.9),  # no reference
        ]
    )
    report = compare(runs, reference, tolerance=0.01)
    assert report.n_checked == 3 and not report.ok
    assert len(report.failures) == 3
    assert "dataset=glass method=LOF seed=0: expected AUC 0.8000, got 0.7500" in report.failures[0]
    assert "failed" in report.failures[1]
    assert "vowels" in report.failures[2] and "no reference" in report.failures[2]
    assert compare(runs.iloc[:1], reference, tolerance=0.01).ok


def test_reference_round_trip_and_errors(tmp_path):
    runs = runs_frame([("glass", "IF", 0, "done", 0.7), ("glass", "IF", 1, "failed", None)])
    path = tmp_path / "ref.csv"
    reference_rows(runs).to_csv(path, index=False)
    assert list(load_reference(path).itertuples(index=False)) == [("glass", "IF", 0, 0.7)]
    with pytest.raises(ValueError, match="does not exist"):
        load_reference(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("dataset,method,seed\nglass,IF,0\n")
    with pytest.raises(ValueError, match="roc_auc"):
        load_reference(tmp_path / "bad.csv")


def test_a_reference_with_the_legacy_auc_roc_column_is_read(tmp_path, caplog):
    """Reference files written before issue 18 name the AUC column ``auc_roc``."""
    path = tmp_path / "old.csv"
    path.write_text("dataset,method,seed,auc_roc\nglass,IF,0,0.7\n")
    with caplog.at_level(logging.WARNING, logger="reproduce.results"):
        reference = load_reference(path)
    assert list(reference.columns) == ["dataset", "method", "seed", "roc_auc"]
    assert "'auc_roc' read as 'roc_auc'" in caplog.text
    assert compare(runs_frame([("glass", "IF", 0, "done", 0.7)]), reference, tolerance=0).ok
    path.write_text("dataset,method,seed,auc_roc,roc_auc\nglass,IF,0,0.7,0.7\n")
    with pytest.raises(ValueError, match="both"):
        load_reference(path)


def test_committed_reference_covers_the_regression_config():
    """One pinned AUC for every (dataset, method, seed) the regression config runs, and no other."""
    reference = load_reference(REFERENCE)
    (experiment,) = load_experiments(["regression"])
    expected = {(p.spec.dataset, p.spec.method, p.spec.seed) for p in expand(experiment)}
    pinned = list(reference[["dataset", "method", "seed"]].itertuples(index=False, name=None))
    assert len(pinned) == len(set(pinned)), "a run is pinned twice"
    assert set(pinned) == expected
    assert reference["roc_auc"].between(0, 1).all()


@pytest.mark.skipif(not os.environ.get("RRNVP_DATA"), reason="RRNVP_DATA (ODDS files) not set")
def test_regression_subset_matches_pinned_aucs(tmp_path):
    command = [
        sys.executable,
        "-m",
        "reproduce.all",
        "--config",
        "regression",
        "--store",
        str(tmp_path / "store"),
        "--out",
        str(tmp_path / "out"),
        "--no-report",
        "--no-progress",
        "--n-jobs",
        "2",
        "--check",
        str(REFERENCE),
        "--tolerance",
        str(DEFAULT_TOLERANCE),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "40 cell(s) compared, 0 outside" in output, output
