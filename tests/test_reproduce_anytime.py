"""The anytime-AUC table and figure of the report (test AUC at recorded epoch budgets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reproduce.anytime import anytime_rows, anytime_summary, dataset_group, paper_means
from reproduce.backends import SequentialBackend
from reproduce.config import expand, parse_config
from reproduce.report import ReportBuilder
from reproduce.runner import run_grid
from reproduce.spec import RunSpec, package_version
from reproduce.store import RunRecord, RunStore


def _record(spec: RunSpec, by_epoch: dict[str, float] | None) -> RunRecord:
    metrics = {"roc_auc": (by_epoch or {"0": 0.5})[max(by_epoch or {"0": 0}, key=int)]}
    if by_epoch is not None:
        metrics["roc_auc_by_epoch"] = by_epoch
    return RunRecord(
        run_id=spec.run_id, status="done", spec=spec, package_version=package_version(),
        metrics=metrics,
    )  # fmt: skip


def _runs(records: list[RunRecord]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "run_id": r.run_id,
                "dataset": r.spec.dataset,
                "method": r.spec.method,
                "seed": r.spec.seed,
                "status": r.status,
            }
            for r in records
        ]
    )


def test_dataset_groups():
    assert [dataset_group(n) for n in ("bird-u", "bird-c", "glass")] == [
        "uniform",
        "clustered",
        "all",
    ]


def test_summary_is_the_mean_over_datasets_of_per_dataset_means():
    records = [
        _record(RunSpec.create("a-u", "M", 0, {}), {"10": 0.6, "20": 0.8}),
        _record(RunSpec.create("a-u", "M", 1, {}), {"10": 0.8, "20": 0.8}),
        _record(RunSpec.create("b-u", "M", 0, {}), {"10": 0.4, "20": 0.6}),
        _record(RunSpec.create("b-c", "M", 0, {}), {"10": 0.9, "20": 0.7}),
        _record(RunSpec.create("c-u", "M", 0, {}), None),  # recorded before the anytime AUC
    ]
    runs = _runs(records)
    rows = anytime_rows(runs, {r.run_id: r for r in records})
    assert len(rows) == 8 and set(rows["dataset"]) == {"a-u", "b-u", "b-c"}
    summary = anytime_summary(rows).set_index(["group", "method", "epoch"])
    # uniform, epoch 10: a-u mean 0.7 (two seeds), b-u 0.4 -> mean 0.55, std of (0.7, 0.4)
    assert summary.loc[("uniform", "M", 10), "auc_mean"] == pytest.approx(0.55)
    assert summary.loc[("uniform", "M", 10), "auc_std"] == pytest.approx(np.std([0.7, 0.4], ddof=1))
    assert summary.loc[("uniform", "M", 10), "n_runs"] == 3
    assert summary.loc[("uniform", "M", 20), "auc_mean"] == pytest.approx(0.7)
    assert summary.loc[("clustered", "M", 20), "n_datasets"] == 1
    paper = pd.DataFrame(
        {"dataset": ["a-u", "b-u", "z-u"], "method": ["M", "M", "M"], "auc_mean": [0.5, 0.7, 0.1]}
    )
    means = paper_means(rows, paper).set_index(["group", "method"])
    assert means.loc[("uniform", "M"), "paper_mean"] == pytest.approx(0.6)  # z-u not ours
    assert means.loc[("uniform", "M"), "n_datasets"] == 2


def test_failed_runs_and_runs_without_records_give_no_rows():
    spec = RunSpec.create("a-u", "M", 0, {})
    runs = _runs([_record(spec, {"10": 0.6})])
    assert anytime_rows(runs, {}).empty
    runs["status"] = "failed"
    assert anytime_rows(runs, {spec.run_id: _record(spec, {"10": 0.6})}).empty
    assert anytime_summary(anytime_rows(runs, {})).empty


def _run_and_report(experiment, tmp_path, n_runs: int):
    """Run every run of ``experiment`` into a fresh store, check all ``n_runs`` finished, render
    its report; the report folder and the text of its report.md."""
    store = RunStore(tmp_path / "runs")
    specs = [p.spec for p in expand(experiment)]
    assert run_grid(specs, store, SequentialBackend(), progress=False).done == n_runs
    out = tmp_path / "out"
    ReportBuilder(store, out, tmp_path).build([experiment], command="pytest")
    return out, (out / "report.md").read_text()


@pytest.mark.usefixtures("toys")
def test_the_report_shows_the_anytime_auc_of_real_flow_runs(tmp_path):
    (experiment,) = parse_config(
        """
[experiments.any]
title = "Toy anytime"
report = "auc_table"
datasets = ["toy-a", "toy-b"]
seeds = [0]
methods = ["RealNVP", "Toy"]

[experiments.any.params.RealNVP]
epochs = 12
batch_size = 64
""",
        "any.toml",
    )
    out, report = _run_and_report(experiment, tmp_path, n_runs=4)
    assert "Test AUC by training epochs" in report and "2 of the 4 finished runs" in report
    table = pd.read_csv(out / "tables" / "any_anytime.csv")
    assert set(table["method"]) == {"RealNVP"} and sorted(table["epoch"]) == [10, 12]
    assert (out / "figures" / "any_anytime.png").stat().st_size > 1000


def test_sweep_summary_gives_each_swept_values_mean_and_the_spread_across_them():
    from reproduce.anytime import sweep_anytime_summary

    rows = pd.DataFrame(
        [
            # dataset, method, seed, group, epoch, roc_auc, sweep_value
            ("a", "M", 0, "all", 10, 0.6, 0.1),
            ("a", "M", 1, "all", 10, 0.8, 0.1),  # a at 0.1: mean 0.7
            ("a", "M", 0, "all", 10, 0.9, 0.2),  # a: range 0.2
            ("b", "M", 0, "all", 10, 0.5, 0.1),
            ("b", "M", 0, "all", 10, 0.5, 0.2),  # b: range 0
            ("c", "M", 0, "all", 10, 0.4, 0.1),  # c lacks 0.2: not in the spread
        ],
        columns=["dataset", "method", "seed", "group", "epoch", "roc_auc", "sweep_value"],
    )
    (row,) = sweep_anytime_summary(rows).to_dict("records")
    assert row["auc_at_0.1"] == pytest.approx((0.7 + 0.5 + 0.4) / 3)
    assert row["auc_at_0.2"] == pytest.approx((0.9 + 0.5) / 2)
    assert row["spread"] == pytest.approx(0.1)
    assert (row["n_datasets"], row["n_runs"]) == (3, 6)
    assert sweep_anytime_summary(rows.iloc[:0]).empty


@pytest.mark.usefixtures("toys")
def test_a_sweep_report_shows_the_anytime_auc_per_swept_value(tmp_path):
    (experiment,) = parse_config(
        """
[experiments.sw]
title = "Toy sweep"
report = "sweep"
datasets = ["toy-a", "toy-b"]
seeds = [0]
methods = ["RobustRealNVP"]

[experiments.sw.sweep]
section = "params"
key = "trim_ratio"
values = [0.05, 0.2]

[experiments.sw.params.RobustRealNVP]
epochs = 12
batch_size = 64
""",
        "sw.toml",
    )
    out, report = _run_and_report(experiment, tmp_path, n_runs=4)
    assert "Test AUC by training epochs and trim_ratio" in report
    assert "4 of the 4 finished runs" in report
    table = pd.read_csv(out / "tables" / "sw_anytime.csv")
    assert sorted(table["epoch"]) == [10, 12]
    assert {"auc_at_0.05", "auc_at_0.2", "spread"} <= set(table.columns)
    assert (table["n_datasets"] == 2).all() and (table["spread"] >= 0).all()
