"""The datasets that ADBench and the paper's ODDS share: the same method's mean AUC on ADBench's
version beside ODDS's version.

The ODDS runs are the specs of the paper's ODDS experiments (:data:`ODDS_EXPERIMENTS`: Table 1,
and Figure 4 for TrimRealNVP): the ODDS dataset, the same method with the same parameters, and
the data options of the ADBench experiment that ODDS also has (the ADBench-only
``max_train_rows`` is left out: ODDS's training parts are never capped). They are read as
``--runs-from`` says (:class:`RunSources`): per run id from the run store, else from those
experiments' committed results CSVs (in the report's folder, else in ``results/``); runs found in
neither are shown as missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import datasets
from reproduce.cli import DEFAULT_OUT
from reproduce.config import Experiment, GridPoint
from reproduce.report.sources import RunSources
from reproduce.results import (
    csv_run_rows,
    merged_run_rows,
    read_results_csv,
    run_rows,
    summarise,
)
from reproduce.spec import RunSpec

#: The experiments whose runs (and committed results CSVs) are ODDS's side of the table.
ODDS_EXPERIMENTS = ("table1", "fig4")


def odds_points(
    experiment: Experiment, pairs: Mapping[str, str], methods: Sequence[str]
) -> list[GridPoint]:
    """The ODDS runs that match the experiment's: for each (ADBench name -> ODDS name) pair,
    method and seed, the spec of the ODDS dataset with the same method parameters."""
    odds_options = set(datasets.get_kind("odds").options.names())
    data = {k: v for k, v in experiment.data_options().items() if k in odds_options}
    return [
        GridPoint(
            ODDS_EXPERIMENTS[0],
            RunSpec.create(
                odds_name,
                method,
                seed,
                params=experiment.method_params(method),
                data_options=data,
                outputs=experiment.outputs,
            ),
        )
        for odds_name in pairs.values()
        for method in methods
        for seed in experiment.seeds
    ]


def read_odds_runs(sources: RunSources, points: Sequence[GridPoint], out_dir: Path) -> pd.DataFrame:
    """The runs of ``points``: per run id from the store, else from the committed results CSVs
    ``<e>.csv`` of :data:`ODDS_EXPERIMENTS` in ``out_dir``, then in the paper's results folder
    (``results/``, where they are when this experiment writes to its own, ``results/adbench/``);
    only the store with ``--runs-from store``, only the CSVs with ``csv``."""
    folders = dict.fromkeys([Path(out_dir).resolve(), DEFAULT_OUT.resolve()])
    frames = [
        read_results_csv(folder / f"{name}.csv")
        for folder in folders
        for name in ODDS_EXPERIMENTS
        if (folder / f"{name}.csv").is_file()
    ]
    committed = None
    if frames:
        committed = pd.concat(frames)
        committed = committed[~committed.index.duplicated()]
    if sources.runs_from == "store":
        return run_rows(points, sources.records)
    if sources.runs_from == "csv":
        return csv_run_rows(points, committed) if committed is not None else run_rows(points, {})
    return merged_run_rows(points, sources.records, committed)


def overlap_frame(
    ours: pd.DataFrame, odds: pd.DataFrame, pairs: Mapping[str, str], methods: Sequence[str]
) -> pd.DataFrame:
    """One row per (dataset pair, method): both versions' mean, std and seed count, and the
    difference ADBench − ODDS.

    Parameters
    ----------
    ours : DataFrame
        The per-cell summary of the ADBench experiment (:func:`reproduce.results.summarise`).
    odds : DataFrame
        The per-cell summary of the ODDS runs.
    """
    ours_cells = ours.set_index(["dataset", "method"])
    odds_cells = odds.set_index(["dataset", "method"]) if len(odds) else None
    rows = []
    for adbench_name, odds_name in pairs.items():
        for method in methods:
            row = {"dataset": adbench_name, "odds_dataset": odds_name, "method": method}
            for side, cells, name in (
                ("adbench", ours_cells, adbench_name),
                ("odds", odds_cells, odds_name),
            ):
                found = cells is not None and (name, method) in cells.index
                cell = cells.loc[(name, method)] if found else None
                row[f"{side}_mean"] = float(cell["auc_mean"]) if found else np.nan
                row[f"{side}_std"] = float(cell["auc_std"]) if found else np.nan
                row[f"{side}_n"] = int(cell["n_done"]) if found else 0
            row["difference"] = row["adbench_mean"] - row["odds_mean"]
            rows.append(row)
    return pd.DataFrame(rows)


def _cell(mean: float, n: int, most: int) -> str:
    if not np.isfinite(mean):
        return "—"
    return f"{mean:.3f}" + (f" (n = {n})" if n < most else "")


def markdown_overlap(frame: pd.DataFrame, methods: Sequence[str]) -> str:
    """Dataset pairs (rows) by method: ``ADBench / ODDS`` mean AUC and the difference beneath;
    then per method the mean difference and the datasets where ADBench's version is higher."""
    most = int(max(frame["adbench_n"].max(), frame["odds_n"].max())) if len(frame) else 0
    lines = [
        "| Dataset (ADBench / ODDS) | " + " | ".join(methods) + " |",
        "|---|" + "---:|" * len(methods),
    ]
    cells = frame.set_index(["dataset", "method"])
    for (adbench_name, odds_name), _ in frame.groupby(["dataset", "odds_dataset"], sort=False):
        row = []
        for method in methods:
            c = cells.loc[(adbench_name, method)]
            text = f"{_cell(c['adbench_mean'], c['adbench_n'], most)} / "
            text += _cell(c["odds_mean"], c["odds_n"], most)
            if np.isfinite(c["difference"]):
                text += f"<br><sub>Δ {c['difference']:+.3f}</sub>"
            row.append(text)
        lines.append(f"| {adbench_name} / {odds_name} | " + " | ".join(row) + " |")
    summary_mean, summary_higher = [], []
    for method in methods:
        both = frame[(frame["method"] == method) & frame["difference"].notna()]
        if both.empty:
            summary_mean.append("—")
            summary_higher.append("—")
            continue
        summary_mean.append(f"{both['difference'].mean():+.3f}")
        summary_higher.append(f"{int((both['difference'] > 0).sum())} of {len(both)}")
    lines.append("| *Mean Δ (ADBench − ODDS)* | " + " | ".join(summary_mean) + " |")
    lines.append("| *ADBench's version higher* | " + " | ".join(summary_higher) + " |")
    return "\n".join(lines) + "\n"


def odds_summary(sources: RunSources, points: Sequence[GridPoint], out_dir: Path) -> pd.DataFrame:
    """The per-cell summary of the ODDS runs of ``points`` (empty frame when there are none)."""
    runs = read_odds_runs(sources, points, out_dir)
    return summarise(runs) if len(runs) else pd.DataFrame()
