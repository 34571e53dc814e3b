"""AUC regression checks: compare stored runs with pinned reference values.

A reference file is a long-format CSV with at least the columns ``dataset``, ``method``, ``seed``
and ``roc_auc`` (``results/regression/reference.csv``, or the committed ``results/table1.csv``);
a file written before issue 18, whose column is ``auc_roc``, is read as well
(:func:`reproduce.results.read_legacy_auc_column`).
Every selected run must be in the store, finished, and within ``tolerance`` of its reference
value; anything else is reported with dataset, method, seed, expected and actual value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reproduce.results import AUC_COLUMN, read_legacy_auc_column

REFERENCE_COLUMNS = ("dataset", "method", "seed", AUC_COLUMN)

#: Default tolerance on |actual - expected| ROC-AUC; see results/regression/README.md for the
#: measurement behind it.
DEFAULT_TOLERANCE = 0.01


@dataclass
class CheckReport:
    """Outcome of a comparison: how many cells were checked and every failure, one line each."""

    n_checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every cell was within tolerance."""
        return not self.failures and self.n_checked > 0

    def summary(self, tolerance: float) -> str:
        """One line: cells checked, failures, tolerance."""
        return (
            f"AUC check: {self.n_checked} cell(s) compared, {len(self.failures)} outside "
            f"|actual - expected| <= {tolerance}"
        )


def load_reference(path: str | Path) -> pd.DataFrame:
    """Read a reference CSV; a missing file or column is a ``ValueError`` naming it.

    A legacy ``auc_roc`` column is read as ``roc_auc`` (with a warning).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"reference file {path} does not exist")
    frame = read_legacy_auc_column(pd.read_csv(path), path)
    missing = [c for c in REFERENCE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"reference file {path} lacks the column(s) {missing}")
    duplicated = frame.duplicated(["dataset", "method", "seed"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ValueError(
            f"reference file {path} has more than one row for dataset={first.dataset}, "
            f"method={first.method}, seed={first.seed}"
        )
    return frame


def compare(runs: pd.DataFrame, reference: pd.DataFrame, tolerance: float) -> CheckReport:
    """Compare runs (long format: dataset, method, seed, status, roc_auc) with the reference.

    Parameters
    ----------
    runs : DataFrame
        One row per selected run, as written by :func:`reproduce.results.run_rows`.
    reference : DataFrame
        Pinned values (see :func:`load_reference`).
    tolerance : float
        Largest accepted ``|actual - expected|``.

    Returns
    -------
    CheckReport
    """
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    expected = {
        (row.dataset, row.method, int(row.seed)): float(row.roc_auc)
        for row in reference.itertuples(index=False)
    }
    report = CheckReport()
    for row in runs.drop_duplicates(["dataset", "method", "seed"]).itertuples(index=False):
        key = (row.dataset, row.method, int(row.seed))
        where = f"dataset={row.dataset} method={row.method} seed={row.seed}"
        if key not in expected:
            report.failures.append(f"{where}: no reference value")
            continue
        report.n_checked += 1
        if row.status != "done":
            report.failures.append(
                f"{where}: expected AUC {expected[key]:.4f}, but the run is {row.status}"
            )
            continue
        actual = float(row.roc_auc)
        if abs(actual - expected[key]) > tolerance:
            report.failures.append(
                f"{where}: expected AUC {expected[key]:.4f}, got {actual:.4f} "
                f"(difference {actual - expected[key]:+.4f}, tolerance {tolerance})"
            )
    return report


def reference_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """Finished runs as a reference table (for writing a new reference file)."""
    done = runs[runs["status"] == "done"]
    table = done[list(REFERENCE_COLUMNS)]
    return table.drop_duplicates(["dataset", "method", "seed"]).sort_values(
        ["dataset", "method", "seed"]
    )


def selected_runs(experiments, store, *, datasets=None, seeds=None, methods=None) -> pd.DataFrame:
    """Long table of the selected runs of ``experiments`` as found in ``store`` (scan only)."""
    from reproduce.config import expand
    from reproduce.results import run_rows

    records = store.scan().records
    frames = [
        run_rows(expand(e, datasets=datasets, seeds=seeds, methods=methods), records)
        for e in experiments
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
