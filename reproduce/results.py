"""Stored runs as tables: one row per run of an experiment (long format), and per-cell summaries.

The report never runs anything: it expands each experiment into its grid (the same run ids the
runner used) and looks the runs up in a scan of the store, in a committed results CSV, or in both
(:func:`merged_run_rows`: per run id, the store first). A run found nowhere is a ``missing`` row,
a failed one a ``failed`` row; only ``done`` rows enter the statistics. The ``source`` column
says where each found run was read (``store`` or ``csv``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from os import PathLike

import numpy as np
import pandas as pd

from reproduce.config import GridPoint
from reproduce.store import RunRecord

logger = logging.getLogger(__name__)

#: The ROC-AUC column of every table and CSV: scikit-learn's name, as in the run records.
AUC_COLUMN = "roc_auc"
#: Its name in the results and reference CSVs written before issue 18; still read, as
#: :data:`AUC_COLUMN` (:func:`read_legacy_auc_column`).
LEGACY_AUC_COLUMN = "auc_roc"

RUN_COLUMNS = [
    "experiment",
    "dataset",
    "method",
    "seed",
    "sweep_value",
    "status",
    "roc_auc",
    "average_precision",
    "fit_seconds",
    "score_seconds",
    "n_train",
    "n_test",
    "n_features",
    "train_contamination",
    "dataset_contamination",
    "error",
    "host",
    "git_commit",
    "package_version",
    "run_id",
    "source",
]
CELL_KEYS = ["dataset", "method", "sweep_value"]


def _point_row(point: GridPoint) -> dict:
    """The columns of a run table row that come from the grid point; status ``missing``."""
    spec = point.spec
    return {
        "experiment": point.experiment,
        "dataset": spec.dataset,
        "method": spec.method,
        "seed": spec.seed,
        "sweep_value": point.sweep_value,
        "status": "missing",
        "run_id": spec.run_id,
    }


def _typed(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    for column in ("roc_auc", "average_precision", "fit_seconds", "score_seconds"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _record_row(row: dict, record: RunRecord) -> dict:
    """Fill a grid point's row from its stored record."""
    environment = record.environment
    row.update(
        status=record.status,
        roc_auc=record.metrics.get("roc_auc"),
        average_precision=record.metrics.get("average_precision"),
        fit_seconds=record.timing.get("fit_seconds"),
        score_seconds=record.timing.get("score_seconds"),
        n_train=record.data.get("n_train"),
        n_test=record.data.get("n_test"),
        n_features=record.data.get("n_features"),
        train_contamination=record.data.get("train_contamination"),
        dataset_contamination=record.data.get("dataset_contamination"),
        error=(
            f"{record.error.get('type')}: {record.error.get('message')}" if record.error else None
        ),
        host=environment.get("host"),
        git_commit=(environment.get("git") or {}).get("commit"),
        package_version=record.package_version,
        source="store",
    )
    return row


def _csv_row(row: dict, results: pd.DataFrame) -> dict:
    """Fill a grid point's row from its line of a committed results CSV (a finished run)."""
    found = results.loc[row["run_id"]]
    row["status"] = "done"
    row["roc_auc"] = found[AUC_COLUMN]
    row["source"] = "csv"
    for column in (
        "average_precision", "fit_seconds", "score_seconds", "n_train", "n_features", "git_commit",
    ):  # fmt: skip
        if column in results.columns:
            row[column] = found[column]
    return row


def run_rows(points: Sequence[GridPoint], records: dict[str, RunRecord]) -> pd.DataFrame:
    """Long table of an experiment's runs (see :data:`RUN_COLUMNS`)."""
    rows = []
    for point in points:
        row = _point_row(point)
        record = records.get(point.spec.run_id)
        if record is not None:
            row = _record_row(row, record)
        rows.append(row)
    return _typed(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation (over seeds, ``ddof=1``) of the done runs of each cell.

    Returns one row per (dataset, method, sweep_value) in grid order, with ``n_done``,
    ``n_failed``, ``n_missing``, ``auc_mean``, ``auc_std``, ``ap_mean``, ``ap_std``,
    ``fit_seconds_mean``.
    """
    keyed = runs.assign(
        sweep_value=runs["sweep_value"].astype(object).where(runs["sweep_value"].notna(), "-")
    )
    rows = []
    for key, cell in keyed.groupby(CELL_KEYS, sort=False, dropna=False):
        done = cell[cell["status"] == "done"]
        auc = done["roc_auc"].to_numpy(dtype=float)
        ap = done["average_precision"].to_numpy(dtype=float)
        rows.append(
            {
                "dataset": key[0],
                "method": key[1],
                "sweep_value": None if key[2] == "-" else key[2],
                "n_done": len(done),
                "n_failed": int((cell["status"] == "failed").sum()),
                "n_missing": int((cell["status"] == "missing").sum()),
                "auc_mean": float(np.mean(auc)) if auc.size else np.nan,
                "auc_std": float(np.std(auc, ddof=1)) if auc.size > 1 else np.nan,
                "ap_mean": float(np.mean(ap)) if ap.size else np.nan,
                "ap_std": float(np.std(ap, ddof=1)) if ap.size > 1 else np.nan,
                "fit_seconds_mean": float(done["fit_seconds"].mean()) if len(done) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def auc_matrix(
    summary: pd.DataFrame, methods: Sequence[str], datasets: Sequence[str]
) -> pd.DataFrame:
    """Mean AUC as a datasets x methods frame (NaN where a cell has no done run)."""
    matrix = summary.pivot_table(
        index="dataset", columns="method", values="auc_mean", aggfunc="first"
    )
    return matrix.reindex(index=list(datasets), columns=list(methods))


#: Columns of the committed long-format ``<experiment>.csv`` files that :func:`csv_run_rows` needs.
RESULTS_CSV_COLUMNS = ("run_id", AUC_COLUMN)


def read_legacy_auc_column(frame: pd.DataFrame, path: str | PathLike) -> pd.DataFrame:
    """``frame`` (read from ``path``) with a legacy ``auc_roc`` column renamed ``roc_auc``.

    Results CSVs (``<experiment>.csv``) and ``--check`` reference files written before issue 18
    name the ROC-AUC column ``auc_roc``. They are read as if it were ``roc_auc``, with a
    warning that asks to rename it; the file itself is left alone.

    Raises
    ------
    ValueError
        When the file has both columns (which one holds the AUC is unknown).
    """
    if LEGACY_AUC_COLUMN not in frame.columns:
        return frame
    if AUC_COLUMN in frame.columns:
        raise ValueError(
            f"{path}: has both {AUC_COLUMN!r} and its legacy name {LEGACY_AUC_COLUMN!r}; "
            f"keep one of them"
        )
    logger.warning(
        "%s: column %r read as %r (its name before issue 18); rename it in the file",
        path,
        LEGACY_AUC_COLUMN,
        AUC_COLUMN,
    )
    return frame.rename(columns={LEGACY_AUC_COLUMN: AUC_COLUMN})


def read_results_csv(path) -> pd.DataFrame:
    """A committed ``<experiment>.csv`` (one row per finished run), indexed by ``run_id``.

    A legacy ``auc_roc`` column is read as ``roc_auc`` (:func:`read_legacy_auc_column`).

    Raises
    ------
    ValueError
        When a required column is missing or a run id appears twice.
    """
    frame = read_legacy_auc_column(pd.read_csv(path), path)
    missing = [c for c in RESULTS_CSV_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; is it a results CSV?")
    duplicated = frame["run_id"][frame["run_id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"{path}: run id {duplicated.iloc[0]!r} appears more than once")
    return frame.set_index("run_id")


def csv_run_rows(points: Sequence[GridPoint], results: pd.DataFrame) -> pd.DataFrame:
    """Like :func:`run_rows`, from a committed results CSV instead of the store.

    The CSV holds finished runs only: a grid point whose run id it lacks is ``missing`` (a run
    that failed is not distinguished from one never run).
    """
    rows = []
    for point in points:
        row = _point_row(point)
        if point.spec.run_id in results.index:
            row = _csv_row(row, results)
        rows.append(row)
    return _typed(rows)


def merged_run_rows(
    points: Sequence[GridPoint],
    records: dict[str, RunRecord],
    results: pd.DataFrame | None,
) -> pd.DataFrame:
    """Like :func:`run_rows`, per run id from the store, else from a committed results CSV.

    A run the store holds finished comes from the store; otherwise from ``results``
    (:func:`read_results_csv`; None when there is no CSV) when it has the run id (a finished
    run: a failed rerun does not hide it); otherwise a failed record of the store makes the row
    ``failed``, and anything else is ``missing``. The ``source`` column says which.
    """
    rows = []
    for point in points:
        row = _point_row(point)
        record = records.get(point.spec.run_id)
        if record is not None and record.done:
            row = _record_row(row, record)
        elif results is not None and point.spec.run_id in results.index:
            row = _csv_row(row, results)
        elif record is not None:
            row = _record_row(row, record)
        rows.append(row)
    return _typed(rows)


def read_results_csv_text(path) -> pd.DataFrame:
    """A committed ``<experiment>.csv`` as text: every cell a string exactly as written (empty
    for an empty cell), so rows copied from it are written back unchanged (a legacy ``auc_roc``
    column under its current name, :func:`read_legacy_auc_column`)."""
    frame = read_legacy_auc_column(pd.read_csv(path, dtype=str, keep_default_na=False), path)
    if "run_id" not in frame.columns:
        raise ValueError(f"{path}: missing column 'run_id'; is it a results CSV?")
    return frame
