"""Anytime ROC-AUC: what a protocol's epoch budget costs, from the flows' run records.

Every flow run records its test ROC-AUC after 10, 20, 50 and 100 epochs as well as at its last
epoch (``metrics["roc_auc_by_epoch"]``, see :data:`reproduce.execute.ANYTIME_EPOCHS`), in the
same fit. This module turns those into a table and a figure: per method and group of datasets
(CIFAR-10's uniform ``-u`` and clustered ``-c`` settings), the mean over datasets of the
per-dataset mean AUC at each epoch, with the paper's values (reported at the protocol's last
epoch) marked. The reported AUCs stay the last epoch's: nothing is selected on these numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

ANYTIME_COLUMNS = ["dataset", "method", "seed", "group", "epoch", "roc_auc"]
SUMMARY_COLUMNS = ["group", "method", "epoch", "auc_mean", "auc_std", "n_datasets", "n_runs"]


def dataset_group(name: str) -> str:
    """``uniform`` for a ``-u`` dataset, ``clustered`` for ``-c``, else ``all``."""
    if name.endswith("-u"):
        return "uniform"
    if name.endswith("-c"):
        return "clustered"
    return "all"


def anytime_rows(
    runs: pd.DataFrame, records: Mapping[str, object], extra_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per (finished run, recorded epoch) for the runs of ``runs`` whose record holds an
    anytime AUC.

    Parameters
    ----------
    runs : DataFrame
        A report run table (columns ``run_id``, ``dataset``, ``method``, ``seed``, ``status``).
    records : mapping of run id to RunRecord
        The store's records; runs read from a results CSV have none and are skipped.
    extra_columns : sequence of str
        Columns of ``runs`` copied onto each of the run's rows (e.g. ``sweep_value``), after
        :data:`ANYTIME_COLUMNS`.
    """
    rows = []
    for run in runs.itertuples(index=False):
        record = records.get(run.run_id)
        if run.status != "done" or record is None:
            continue
        by_epoch = record.metrics.get("roc_auc_by_epoch")
        if not by_epoch:
            continue
        for epoch, auc in by_epoch.items():
            rows.append(
                {
                    "dataset": run.dataset,
                    "method": run.method,
                    "seed": int(run.seed),
                    "group": dataset_group(run.dataset),
                    "epoch": int(epoch),
                    "roc_auc": float(auc),
                    **{column: getattr(run, column) for column in extra_columns},
                }
            )
    return pd.DataFrame(rows, columns=[*ANYTIME_COLUMNS, *extra_columns])


def anytime_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per group, method and epoch: mean and std over datasets of the per-dataset mean AUC, the
    number of datasets and of runs behind it."""
    if rows.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    per_dataset = (
        rows.groupby(["group", "method", "epoch", "dataset"], sort=False)["roc_auc"]
        .agg(["mean", "count"])
        .reset_index()
    )
    summary = (
        per_dataset.groupby(["group", "method", "epoch"], sort=False)
        .agg(
            auc_mean=("mean", "mean"),
            auc_std=("mean", "std"),
            n_datasets=("dataset", "nunique"),
            n_runs=("count", "sum"),
        )
        .reset_index()
        .sort_values(["group", "method", "epoch"], kind="stable")
        .reset_index(drop=True)
    )
    return summary[SUMMARY_COLUMNS]


def paper_means(rows: pd.DataFrame, paper_auc: pd.DataFrame | None) -> pd.DataFrame:
    """The paper's mean AUC per group and method over the datasets of ``rows`` it reports
    (columns ``group``, ``method``, ``paper_mean``, ``n_datasets``)."""
    columns = ["group", "method", "paper_mean", "n_datasets"]
    if paper_auc is None or rows.empty:
        return pd.DataFrame(columns=columns)
    ours = rows[["group", "method", "dataset"]].drop_duplicates()
    merged = ours.merge(paper_auc[["dataset", "method", "auc_mean"]], on=["dataset", "method"])
    if merged.empty:
        return pd.DataFrame(columns=columns)
    return (
        merged.groupby(["group", "method"], sort=False)
        .agg(paper_mean=("auc_mean", "mean"), n_datasets=("dataset", "nunique"))
        .reset_index()[columns]
    )


def sweep_anytime_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method and epoch of a sweep's anytime rows (:func:`anytime_rows` with
    ``extra_columns=["sweep_value"]``): the mean over datasets of the per-dataset mean AUC at each
    swept value (one column per value), and ``spread``, the mean over datasets of the range
    (max − min) of the per-dataset mean AUC across the swept values, with the number of datasets
    and runs behind them. A dataset counts in ``spread`` only when it has every swept value."""
    if rows.empty:
        return pd.DataFrame(columns=["method", "epoch", "spread", "n_datasets", "n_runs"])
    per_dataset = rows.groupby(["method", "epoch", "dataset", "sweep_value"], sort=True)[
        "roc_auc"
    ].mean()
    wide = per_dataset.unstack("sweep_value")
    means = wide.groupby(["method", "epoch"]).mean()
    complete = wide.dropna()
    spread = (complete.max(axis=1) - complete.min(axis=1)).groupby(["method", "epoch"]).mean()
    counts = rows.groupby(["method", "epoch"]).agg(
        n_datasets=("dataset", "nunique"), n_runs=("roc_auc", "size")
    )
    summary = means.copy()
    summary.columns = [f"auc_at_{value:g}" for value in summary.columns]
    summary["spread"] = spread
    return summary.join(counts).reset_index()
