"""The report: ranks with ties, paper comparison flags, statistics and files from a store."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reproduce.backends import SequentialBackend
from reproduce.config import expand, parse_config
from reproduce.registry import register_method, unregister_method
from reproduce.report import ReportBuilder
from reproduce.results import read_results_csv
from reproduce.runner import run_grid
from reproduce.stats import critical_difference, friedman, wilcoxon_against
from reproduce.store import RunRecord, RunStore
from reproduce.tables import average_ranks, compare_with_paper, read_paper_auc
from reproduce.testing import ToyFactory
from tests.run_records import done_record, failed_record

ROOT = Path(__file__).resolve().parents[1]
PAPER_DIR = ROOT / "results" / "paper"


@pytest.fixture(autouse=True)
def more_toy_methods(toys):
    """ToyB and ToyC beside the shared toys (the ``toys`` fixture of conftest.py)."""
    for name in ("ToyB", "ToyC"):
        register_method(name, ToyFactory(), {"noise": 0.2}, replace=True)
    yield
    for name in ("ToyB", "ToyC"):
        unregister_method(name)


# ---------------------------------------------------------------------- ranks and flags
def test_ties_share_the_mean_rank():
    matrix = pd.DataFrame(
        {"A": [0.9, 0.7, 0.5], "B": [0.9, 0.8, 0.5], "C": [0.8, 0.9, 0.5]},
        index=["d1", "d2", "d3"],
    )
    ranks, n = average_ranks(matrix)
    # d1: A,B tie for 1-2 -> 1.5 each, C 3; d2: C 1, B 2, A 3; d3: all tie -> 2 each.
    assert n == 3
    assert ranks.to_dict() == pytest.approx(
        {"A": (1.5 + 3 + 2) / 3, "B": (1.5 + 2 + 2) / 3, "C": (3 + 1 + 2) / 3}
    )


def test_ranks_skip_incomplete_datasets():
    matrix = pd.DataFrame({"A": [0.9, np.nan], "B": [0.8, 0.7]}, index=["d1", "d2"])
    ranks, n = average_ranks(matrix)
    assert n == 1 and ranks.to_dict() == {"A": 1.0, "B": 2.0}


def test_paper_ranks_recomputed_from_its_table1_means():
    """results/paper/README.md: the paper's own means give these ranks (not the printed row)."""
    paper = read_paper_auc(PAPER_DIR / "table1_odds_auc.csv")
    matrix = paper.pivot_table(index="dataset", columns="method", values="auc_mean")
    assert "mammography" in matrix.index  # the paper's "mammo" is mapped
    ranks, n = average_ranks(matrix)
    assert n == 16
    expected = {
        "RobustRealNVP": 2.75,
        "IF": 3.00,
        "RealNVP": 4.06,
        "OCSVM": 4.19,
        "AE": 4.75,
        "VAE": 5.38,
        "LOF": 6.22,
        "SO-GAAL": 6.94,
        "Deep-SVDD": 7.72,
    }
    assert ranks.round(2).to_dict() == pytest.approx(expected, abs=0.006)


def test_flags_use_twice_the_larger_std():
    summary = pd.DataFrame(
        {
            "dataset": ["d"] * 4,
            "method": ["A", "B", "C", "D"],
            "auc_mean": [0.80, 0.80, 0.80, 0.80],
            "auc_std": [0.01, 0.05, np.nan, 0.01],
        }
    )
    paper = pd.DataFrame(
        {
            "dataset": ["d"] * 3,
            "method": ["A", "B", "C"],
            "auc_mean": [0.85, 0.85, 0.85],
            "auc_std": [0.02, 0.01, 0.03],
        }
    )
    compared = compare_with_paper(summary, paper).set_index("method")
    assert compared.loc["A", "difference"] == pytest.approx(-0.05)
    assert compared.loc["A", "flag"]  # 0.05 > 2 * 0.02
    assert not compared.loc["B", "flag"]  # 0.05 <= 2 * 0.05
    assert not compared.loc["C", "flag"]  # single seed: 0.05 <= 2 * 0.03 (paper std)
    assert not compared.loc["D", "flag"] and np.isnan(compared.loc["D", "paper_mean"])


def test_statistics_on_a_clear_winner():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.5, 0.7, size=12)
    matrix = pd.DataFrame(
        {"Best": base + 0.2, "Mid": base + 0.1, "Worst": base}, index=[f"d{i}" for i in range(12)]
    )
    result = friedman(matrix)
    assert result.n_datasets == 12 and result.p_value < 1e-4
    wilcoxon = wilcoxon_against(matrix, "Best").set_index("method")
    assert wilcoxon.loc["Worst", "wins"] == 12 and wilcoxon.loc["Worst", "p_value"] < 0.01
    # Demšar (2006), Table 5: q_0.05 = 2.343 for k = 3.
    assert critical_difference(3, 12) == pytest.approx(2.343 * np.sqrt(3 * 4 / (6 * 12)), rel=1e-3)


# ---------------------------------------------------------------------- report from a store
CONFIG = """
[experiments.synth]
title = "Synthetic: AUC table"
report = "auc_table"
datasets = ["toy-a", "toy-b", "toy-c"]
seeds = [0, 1]
methods = ["Toy", "ToyB", "ToyC"]
paper_auc = "paper.csv"
reference_method = "Toy"

[experiments.abl]
title = "Synthetic: ablation"
report = "ablation"
datasets = ["toy-a", "toy-b"]
seeds = [0, 1]
methods = ["Toy", "ToyB"]

[experiments.sweep]
title = "Synthetic: sweep"
report = "sweep"
datasets = ["toy-a", "toy-b"]
seeds = [0, 1]
methods = ["Toy", "ToyB"]

[experiments.sweep.sweep]
section = "params"
key = "noise"
values = [0.1, 0.5, 1.0]
"""

# Hand-picked AUCs: (dataset, method) -> per-seed values. toy-c ties Toy and ToyB.
AUCS = {
    ("toy-a", "Toy"): [0.90, 0.92],
    ("toy-a", "ToyB"): [0.80, 0.82],
    ("toy-a", "ToyC"): [0.70, 0.72],
    ("toy-b", "Toy"): [0.60, 0.62],
    ("toy-b", "ToyB"): [0.80, 0.82],
    ("toy-b", "ToyC"): [0.70, 0.72],
    ("toy-c", "Toy"): [0.85, 0.85],
    ("toy-c", "ToyB"): [0.85, 0.85],
    ("toy-c", "ToyC"): [0.50, 0.52],
}


def synthetic_record(spec, auc: float) -> RunRecord:
    """A done run whose environment also names package versions and a device (provenance)."""
    return done_record(spec, auc, environment={"versions": {"numpy": "1"}, "device": "cpu"})


@pytest.fixture()
def synthetic_store(tmp_path):
    experiments = {e.name: e for e in parse_config(CONFIG, "synthetic.toml")}
    store = RunStore(tmp_path / "runs")
    for point in expand(experiments["synth"]):
        spec = point.spec
        if (spec.dataset, spec.method, spec.seed) == ("toy-b", "ToyC", 1):
            continue  # one run missing
        store.write(synthetic_record(spec, AUCS[(spec.dataset, spec.method)][spec.seed]))
    for point in expand(experiments["abl"]) + expand(experiments["sweep"]):
        if not store.record_path(point.spec.run_id).exists():
            auc = 0.9 - 0.1 * (point.sweep_value or 0) - 0.05 * (point.spec.method == "ToyB")
            store.write(synthetic_record(point.spec, auc + 0.01 * point.spec.seed))
    failed = expand(experiments["synth"], datasets=["toy-a"], seeds=[5], methods=["Toy"])[0].spec
    store.write(failed_record(failed, "Traceback: boom"))
    paper_dir = tmp_path / "paper"
    paper_dir.mkdir()
    pd.DataFrame(
        {
            "dataset": ["toy-a", "toy-a", "toy-b"],
            "method": ["Toy", "ToyB", "Toy"],
            "auc_mean": [0.91, 0.60, 0.61],
            "auc_std": [0.01, 0.02, 0.01],
        }
    ).to_csv(paper_dir / "paper.csv", index=False)
    return experiments, store, paper_dir


def test_report_tables_ranks_flags_and_statistics(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    out = tmp_path / "out"
    builder = ReportBuilder(store, out, paper_dir)
    path = builder.build(list(experiments.values()), command="pytest")
    report = path.read_text()

    cells = pd.read_csv(out / "tables" / "synth_auc.csv").set_index(["dataset", "method"])
    assert cells.loc[("toy-a", "Toy"), "auc_mean"] == pytest.approx(0.91)
    assert cells.loc[("toy-a", "Toy"), "auc_std"] == pytest.approx(np.std([0.90, 0.92], ddof=1))
    assert not cells.loc[("toy-a", "Toy"), "flag"]  # 0.91 vs 0.91
    assert cells.loc[("toy-a", "ToyB"), "flag"]  # 0.81 vs 0.60
    assert (
        cells.loc[("toy-b", "ToyC"), "n_done"] == 1
        and cells.loc[("toy-b", "ToyC"), "n_missing"] == 1
    )

    ranks = pd.read_csv(out / "tables" / "synth_ranks.csv").set_index("method")["ours"]
    # toy-a: Toy 1, ToyB 2, ToyC 3; toy-b: ToyB 1, ToyC 2, Toy 3; toy-c: Toy/ToyB 1.5, ToyC 3.
    assert ranks.to_dict() == pytest.approx({"Toy": 5.5 / 3, "ToyB": 4.5 / 3, "ToyC": 8 / 3})

    runs = pd.read_csv(out / "tables" / "synth_runs.csv")
    assert len(runs) == 18 and (runs["status"] == "missing").sum() == 1

    assert "† marks the 1 of 3 cells" in report
    assert "Cells have 1 to 2 seed(s) of the 2 configured" in report
    table = (out / "tables" / "synth_auc.md").read_text()
    assert table.count("(n = 1)") == 1 and "(n = 2)" not in table
    toy_b = next(line for line in table.splitlines() if line.startswith("| toy-b"))
    assert toy_b.split(" | ")[3].startswith("0.700 ± — (n = 1)")  # ToyC on toy-b: seed 0 only
    assert "**Friedman test** over 3 datasets and 3 methods" in report
    assert "Wilcoxon signed-rank test" in report
    for name in ("synth_cd", "abl", "sweep"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
        assert (out / "figures" / f"{name}.pdf").exists()
    tex = (out / "tables" / "synth_auc.tex").read_text()
    assert r"\toprule" in tex and r"$^\dagger$" in tex and r"\label{tab:synth}" in tex
    overview = pd.read_csv(out / "tables" / "sweep_overview.csv")
    assert sorted(overview["noise"].unique()) == [0.1, 0.5, 1.0]
    assert "## Protocol choices" in report and "## Provenance" in report
    assert "`test-host` (" in report
    assert "computed at" not in report  # one commit only


def test_report_lists_failed_runs_of_an_experiment(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    builder = ReportBuilder(store, tmp_path / "out", paper_dir)
    section = builder.section(experiments["synth"], seeds=[5], datasets=["toy-a"], methods=["Toy"])
    assert section.counts == {"done": 0, "failed": 1, "missing": 0}
    assert "RuntimeError: boom" in section.markdown


def test_runs_from_several_commits_are_pointed_out(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    spec = expand(experiments["abl"])[0].spec
    old = store.read(spec.run_id)
    store.write(
        dataclasses.replace(old, environment={**old.environment, "git": {"commit": "def0123456"}})
    )
    section = ReportBuilder(store, tmp_path / "out", paper_dir).section(experiments["abl"])
    assert "computed at 2 git commits (abc, def0123456)" in section.markdown


def test_density_report_from_real_toy_runs(tmp_path):
    (experiment,) = parse_config(
        """
[experiments.dens]
title = "Toy densities"
report = "density"
datasets = ["toy-a"]
seeds = [0]
methods = ["Toy", "ToyB"]
outputs = ["density_grid"]
""",
        "dens.toml",
    )
    store = RunStore(tmp_path / "runs")
    summary = run_grid(
        [p.spec for p in expand(experiment)], store, SequentialBackend(), progress=False
    )
    assert summary.done == 2
    record = store.read(expand(experiment)[0].spec.run_id)
    assert set(record.artifacts) == {"density_grid"}
    out = tmp_path / "out"
    ReportBuilder(store, out, tmp_path).build([experiment], command="pytest")
    assert (out / "figures" / "dens_toy-a.png").stat().st_size > 1000


# ------------------------------------------------------------- re-rendering without a store
def test_report_re_renders_from_the_results_csvs_without_the_store(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build(list(experiments.values()), command="first")
    from_store = {
        name: pd.read_csv(out / "tables" / f"{name}_auc.csv") for name in ("synth", "abl", "sweep")
    }
    results_csv = (out / "synth.csv").read_bytes()
    assert (out / "provenance.json").is_file()

    empty = RunStore(tmp_path / "no-store")
    report = (
        ReportBuilder(empty, out, paper_dir)
        .build(list(experiments.values()), command="again")
        .read_text()
    )
    for name, frame in from_store.items():
        again = pd.read_csv(out / "tables" / f"{name}_auc.csv")
        pd.testing.assert_frame_equal(again, frame)
    assert (out / "synth.csv").read_bytes() == results_csv  # the input is not rewritten
    assert "Rendered from the committed results file `synth.csv`" in report
    assert "from the committed results CSVs" in report
    assert "`test-host` (" in report  # provenance read back from provenance.json
    assert "**Friedman test** over 3 datasets and 3 methods" in report


def test_runs_from_store_ignores_the_csvs_and_csv_needs_them(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build([experiments["synth"]], command="first")
    empty = RunStore(tmp_path / "no-store")
    section = ReportBuilder(empty, out, paper_dir, runs_from="store").section(experiments["synth"])
    assert section.source == "store" and section.counts["done"] == 0
    with pytest.raises(FileNotFoundError, match="abl.csv"):
        ReportBuilder(empty, out, paper_dir, runs_from="csv").section(experiments["abl"])
    with pytest.raises(ValueError, match="runs_from"):
        ReportBuilder(empty, out, paper_dir, runs_from="cache")


def _without_variants_added_since(experiment, again, committed):
    """``again`` without the rows of variants the committed table lacks (added to the config
    after the results were rendered). Their runs are not computed yet: a cell with runs must hold
    the base variant's runs (shared run ids)."""
    added = ~again["variant"].isin(set(committed["variant"]))
    base = next(v.name for v in experiment.variants if experiment.is_base_variant(v.name))
    keys = ["dataset", "method"]
    base_cells = again[again["variant"] == base].set_index(keys)["auc_mean"]
    for _, row in again[added & (again["n_done"] > 0)].iterrows():
        assert row["auc_mean"] == base_cells[(row["dataset"], row["method"])], row.to_dict()
    return again[~added].reset_index(drop=True)


def test_committed_results_re_render_to_the_committed_tables(tmp_path):
    """`python -m reproduce.report` works on a fresh clone: the committed long-format CSVs alone
    give back the committed per-cell tables (means, stds, flags and ranks)."""
    import shutil

    from reproduce.config import load_experiments, select_experiments

    results = ROOT / "results"
    names = [p.stem for p in results.glob("*.csv")]
    assert {"table1", "fig4"} <= set(names)
    out = tmp_path / "results"
    out.mkdir()
    for name in names:
        shutil.copy(results / f"{name}.csv", out / f"{name}.csv")
    shutil.copy(results / "provenance.json", out / "provenance.json")
    experiments = [
        e for e in select_experiments(load_experiments(["paper"]), None) if e.name in names
    ]
    # Experiments with committed runs; those runs must be of the current configs (a committed
    # results file of other settings would render as missing runs and fail below).
    experiments = [
        e for e in experiments if e.report != "density" and len(pd.read_csv(out / f"{e.name}.csv"))
    ]
    builder = ReportBuilder(
        RunStore(tmp_path / "no-store"),
        out,
        results / "paper",
        causes_path=results / "causes.toml",
        runs_from="csv",
    )
    report = builder.build(experiments, command="pytest").read_text()
    for experiment in experiments:
        columns = ["dataset", "method", "n_done", "auc_mean", "auc_std", "paper_mean"]
        if experiment.report in ("protocol_comparison", "baseline_fidelity"):
            columns.insert(2, "variant")  # compared with the paper, never flagged
        else:
            columns.append("flag")
        committed = pd.read_csv(results / "tables" / f"{experiment.name}_auc.csv")
        again = pd.read_csv(out / "tables" / f"{experiment.name}_auc.csv")
        if "variant" in columns:
            again = _without_variants_added_since(experiment, again, committed)
        pd.testing.assert_frame_equal(again[columns], committed[columns], check_exact=False)
    committed_ranks = pd.read_csv(results / "tables" / "table1_ranks.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out / "tables" / "table1_ranks.csv"), committed_ranks)
    assert "## Verdict" in report and "no cause recorded" not in report


def test_hand_written_reading_follows_the_computed_verdict(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    out = tmp_path / "out"
    out.mkdir()
    (out / "verdict_reading.md").write_text("Toy beats the others on toy-a.\n")
    report = ReportBuilder(store, out, paper_dir).build([experiments["synth"]], command="t")
    text = report.read_text()
    verdict, rest = text.split("### Reading (hand-written in `verdict_reading.md`", 1)
    assert "## Verdict" in verdict and rest.index("Toy beats the others") < rest.index("## ")


# ------------------------------------------------------------- store and results CSV, per run
def test_auto_reads_each_run_from_the_store_else_from_the_results_csv(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    synth = experiments["synth"]
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build([synth], command="first")
    committed = pd.read_csv(out / "synth.csv", dtype=str, keep_default_na=False)
    # A hand-edited committed file: an extra column, numbers written differently, and a row of
    # an older spec (a run id the grid no longer has).
    committed["note"] = "kept"
    committed["fit_seconds"] = "0.1000"
    stale = committed.iloc[[0]].assign(run_id="toy-a__Toy__s0__0000000000000000", roc_auc="0.5")
    pd.concat([committed, stale]).to_csv(out / "synth.csv", index=False)
    csv_lines = set((out / "synth.csv").read_text().splitlines())

    # A fresh store holding only the Toy runs, with other AUCs.
    fresh = RunStore(tmp_path / "fresh")
    for point in expand(synth, methods=["Toy"]):
        fresh.write(synthetic_record(point.spec, 0.55 + 0.01 * point.spec.seed))

    builder = ReportBuilder(fresh, out, paper_dir, causes_path=tmp_path / "none.toml")
    report = builder.build([synth], command="second").read_text()
    section = builder.section(synth)
    assert section.source == "mixed"
    assert section.from_sources == {"store": 6, "csv": 11}
    assert section.counts == {"done": 17, "failed": 0, "missing": 1}
    assert len(section.records) == 6
    runs = section.runs.set_index(["dataset", "method", "seed"])
    assert runs.loc[("toy-a", "Toy", 1), "source"] == "store"
    assert runs.loc[("toy-a", "Toy", 1), "roc_auc"] == pytest.approx(0.56)
    assert runs.loc[("toy-a", "ToyB", 1), "source"] == "csv"
    assert runs.loc[("toy-a", "ToyB", 1), "roc_auc"] == pytest.approx(0.82)
    assert pd.isna(runs.loc[("toy-b", "ToyC", 1), "source"])

    rewritten = (out / "synth.csv").read_text().splitlines()
    assert rewritten[0].endswith(",run_id,note")
    assert len(rewritten) == 1 + 17
    from_csv = [line for line in rewritten[1:] if "__Toy__" not in line]
    assert len(from_csv) == 11 and set(from_csv) <= csv_lines  # copied unchanged
    toy = [line for line in rewritten[1:] if "__Toy__" in line]
    assert all(line.endswith(",") and "0.55" in line or "0.56" in line for line in toy)
    assert "toy-a__Toy__s0__0000000000000000" not in "\n".join(rewritten)

    assert "Runs read per run id: 6 from the run store, 11 (runs the store lacks)" in report
    assert "1 row(s) of the previous `synth.csv` are not finished runs of this experiment" in report
    assert "| run store (6) + results CSV (11) |" in report
    assert "and, for runs it lacks, the committed results CSVs" in report
    cells = pd.read_csv(out / "tables" / "synth_auc.csv").set_index(["dataset", "method"])
    assert cells.loc[("toy-a", "Toy"), "auc_mean"] == pytest.approx(0.555)
    assert cells.loc[("toy-a", "ToyB"), "auc_mean"] == pytest.approx(0.81)

    provenance = json.loads((out / "provenance.json").read_text())["synth"]
    assert provenance["runs_used"] == 6 and provenance["results_csv_runs"] == 11
    assert provenance["results_csv_runs_provenance"]["runs_used"] == 17
    assert "Plus 11 runs of the committed results CSV" in report

    # Rendering again gives the same file and keeps the earlier provenance of the CSV's runs.
    before = (out / "synth.csv").read_bytes()
    ReportBuilder(fresh, out, paper_dir).build([synth], command="third")
    assert (out / "synth.csv").read_bytes() == before
    again = json.loads((out / "provenance.json").read_text())["synth"]
    assert again["results_csv_runs_provenance"]["runs_used"] == 17


def test_rerunning_some_methods_keeps_the_other_rows_of_the_results_csv(synthetic_store, tmp_path):
    """The flows of an experiment rerun into a fresh store (``reproduce.all --methods ...``
    renders the report with the same selection): the other methods' rows stay in its CSV."""
    experiments, store, paper_dir = synthetic_store
    synth = experiments["synth"]
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build([synth], command="first")
    before = (out / "synth.csv").read_text().splitlines()
    fresh = RunStore(tmp_path / "fresh")
    for point in expand(synth, methods=["Toy"]):
        fresh.write(synthetic_record(point.spec, 0.5))
    builder = ReportBuilder(fresh, out, paper_dir)
    builder.build([synth], command="rerun Toy", methods=["Toy"])
    provenance = json.loads((out / "provenance.json").read_text())["synth"]
    assert provenance["runs_used"] == 6 and provenance["results_csv_runs"] == 11
    assert provenance["results_csv_runs_provenance"]["runs_used"] == 17
    section = builder.section(synth, methods=["Toy"])
    assert section.source == "store" and section.from_sources == {"store": 6, "csv": 0}
    assert "11 run(s) of this experiment outside the selection" in section.markdown
    after = (out / "synth.csv").read_text().splitlines()
    assert after[0] == before[0] and len(after) == len(before)
    assert [line for line in after if "__Toy__" not in line] == [
        line for line in before if "__Toy__" not in line
    ]
    assert all(",0.5," in line for line in after if "__Toy__" in line)
    # Rendered again without a selection: Toy from the store, the others from the CSV.
    section = builder.section(synth)
    assert section.source == "mixed" and section.from_sources == {"store": 6, "csv": 11}
    assert (out / "synth.csv").read_text().splitlines() == after


def test_a_failed_rerun_does_not_hide_the_committed_result(synthetic_store, tmp_path):
    experiments, store, paper_dir = synthetic_store
    synth = experiments["synth"]
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build([synth], command="first")
    fresh = RunStore(tmp_path / "fresh")
    points = expand(synth, methods=["Toy"])
    fresh.write(synthetic_record(points[0].spec, 0.5))
    for point in points[1:]:
        fresh.write(failed_record(point.spec))
    stray = expand(synth, datasets=["toy-a"], seeds=[5], methods=["ToyB"])[0].spec
    fresh.write(failed_record(stray))
    section = ReportBuilder(fresh, out, paper_dir).section(synth)
    assert section.from_sources == {"store": 1, "csv": 16}
    assert section.counts == {"done": 17, "failed": 0, "missing": 1}
    section = ReportBuilder(fresh, out, paper_dir).section(synth, seeds=[5], methods=["ToyB"])
    assert section.counts == {"done": 0, "failed": 1, "missing": 2}  # not in the CSV: failed
    assert len(pd.read_csv(out / "synth.csv")) == 17  # the selection's failure loses no row


def test_auto_without_any_stored_run_of_an_experiment_reads_and_keeps_its_csv(
    synthetic_store, tmp_path
):
    experiments, store, paper_dir = synthetic_store
    out = tmp_path / "out"
    ReportBuilder(store, out, paper_dir).build([experiments["synth"]], command="first")
    before = (out / "synth.csv").read_bytes()
    fresh = RunStore(tmp_path / "fresh")
    for point in expand(experiments["sweep"]):  # runs of another experiment only
        if point.sweep_value == 1.0:
            fresh.write(synthetic_record(point.spec, 0.5))
    section = ReportBuilder(fresh, out, paper_dir).section(experiments["synth"])
    assert section.source == "csv" and section.from_sources == {"store": 0, "csv": 17}
    assert (out / "synth.csv").read_bytes() == before


def test_a_results_csv_with_the_legacy_auc_roc_column_is_read_and_rewritten_renamed(
    synthetic_store, tmp_path, caplog
):
    """Results CSVs written before issue 18 name the AUC column ``auc_roc``: still read, as
    ``roc_auc``, with a warning; a rewrite writes the current name, the rows unchanged."""
    experiments, store, paper_dir = synthetic_store
    synth = experiments["synth"]
    out = tmp_path / "out"
    expected = ReportBuilder(store, out, paper_dir).section(synth).runs  # writes synth.csv
    header, rows = (out / "synth.csv").read_text().split("\n", 1)
    assert ",roc_auc," in header
    (out / "synth.csv").write_text(header.replace(",roc_auc,", ",auc_roc,") + "\n" + rows)

    empty = RunStore(tmp_path / "no-store")
    with caplog.at_level(logging.WARNING, logger="reproduce.results"):
        section = ReportBuilder(empty, out, paper_dir, runs_from="csv").section(synth)
    assert section.from_sources == {"store": 0, "csv": 17}
    pd.testing.assert_series_equal(section.runs["roc_auc"], expected["roc_auc"])
    assert "'auc_roc' read as 'roc_auc'" in caplog.text and "rename it" in caplog.text

    fresh = RunStore(tmp_path / "fresh")  # some runs in the store: the CSV is rewritten
    for point in expand(synth, methods=["Toy"]):
        fresh.write(synthetic_record(point.spec, 0.6))
    ReportBuilder(fresh, out, paper_dir).build([synth], command="second")
    rewritten = (out / "synth.csv").read_text().split("\n", 1)
    assert rewritten[0] == header
    copied = [line for line in rewritten[1].splitlines() if "__Toy__" not in line]
    assert copied and set(copied) <= set(rows.splitlines())


def test_a_results_csv_with_both_auc_column_names_is_refused(tmp_path):
    path = tmp_path / "synth.csv"
    path.write_text("run_id,roc_auc,auc_roc\nx,0.5,0.6\n")
    with pytest.raises(ValueError, match="both 'roc_auc' and its legacy name 'auc_roc'"):
        read_results_csv(path)


# ------------------------------------------------------------- protocol comparison
PROTOCOLS = """
[experiments.prot]
title = "Toy protocols"
report = "protocol_comparison"
datasets = ["toy-a", "toy-b", "toy-c"]
seeds = [0, 1]
methods = ["Toy", "ToyB"]
paper_auc = "paper.csv"

[experiments.prot.variants.project]
label = "project protocol"

[experiments.prot.variants.noisy]
label = "noisy protocol"
data = { n_test = 50 }

[experiments.prot.variants.noisy.params.Toy]
noise = 0.5

[experiments.abl]
title = "Toy ablation"
report = "ablation"
datasets = ["toy-a", "toy-b", "toy-c"]
seeds = [0, 1]
methods = ["Toy", "ToyB"]
"""


def protocol_auc(point) -> float:
    base = {"toy-a": 0.9, "toy-b": 0.8, "toy-c": 0.7}[point.spec.dataset]
    if point.sweep_value == "noisy":
        base -= 0.1
    return base - 0.05 * (point.spec.method == "ToyB") + 0.01 * point.spec.seed


def test_protocol_comparison_table_means_and_no_flags(tmp_path):
    experiments = {e.name: e for e in parse_config(PROTOCOLS, "protocols.toml")}
    prot = experiments["prot"]
    store = RunStore(tmp_path / "runs")
    for point in expand(prot):
        if point.sweep_value == "noisy" and point.spec.dataset == "toy-c":
            if point.spec.method == "ToyB":
                continue  # a missing cell: toy-c leaves the mean row
        store.write(synthetic_record(point.spec, protocol_auc(point)))
    # The project variant's runs are the ablation's: nothing else to store for it.
    assert all(store.record_path(p.spec.run_id).exists() for p in expand(experiments["abl"]))
    paper_dir = tmp_path / "paper"
    paper_dir.mkdir()
    pd.DataFrame(
        {
            "dataset": ["toy-a", "toy-b", "toy-c"],
            "method": ["Toy"] * 3,
            "auc_mean": [0.5, 0.5, 0.5],  # far from ours: an auc_table would flag these
            "auc_std": [0.01] * 3,
        }
    ).to_csv(paper_dir / "paper.csv", index=False)
    out = tmp_path / "out"
    builder = ReportBuilder(store, out, paper_dir, causes_path=tmp_path / "none.toml")
    report = builder.build([prot, experiments["abl"]], command="pytest").read_text()

    cells = pd.read_csv(out / "tables" / "prot_auc.csv")
    assert list(cells.columns) == [
        "dataset", "method", "variant", "auc_mean", "auc_std", "n_done", "paper_mean",
    ]  # fmt: skip
    cells = cells.set_index(["dataset", "method", "variant"])
    assert cells.loc[("toy-a", "Toy", "project"), "auc_mean"] == pytest.approx(0.905)
    assert cells.loc[("toy-a", "Toy", "noisy"), "auc_mean"] == pytest.approx(0.805)
    assert cells.loc[("toy-a", "Toy", "noisy"), "paper_mean"] == 0.5
    assert np.isnan(cells.loc[("toy-a", "ToyB", "project"), "paper_mean"])
    assert cells.loc[("toy-c", "ToyB", "noisy"), "n_done"] == 0

    md = (out / "tables" / "prot_auc.md").read_text()
    header = md.splitlines()[0]
    assert header == (
        "| Dataset | Toy: project | Toy: noisy | Toy: paper | ToyB: project | ToyB: noisy "
        "| ToyB: paper |"
    )
    assert (
        "| toy-a | 0.905 ± 0.007 | 0.805 ± 0.007 | 0.500 | 0.855 ± 0.007 | 0.755 ± 0.007 | — |"
        in md
    )
    # toy-c lacks ToyB: noisy, so the mean row is over toy-a and toy-b; ToyB: paper has no value
    # at all and is left out of that rule.
    assert (
        "| **mean** (2 datasets) | **0.855** | **0.755** | **0.500** | **0.805** | **0.705** | — |"
        in md
    )
    means = pd.read_csv(out / "tables" / "prot_means.csv").set_index(["method", "column"])
    assert means.loc[("Toy", "project"), "auc_mean_over_datasets"] == pytest.approx(0.855)
    assert means.loc[("ToyB", "paper"), "n_datasets"] == 0
    assert "`noisy` — noisy protocol: data: n_test = 50; Toy: noise = 0.5." in report
    assert "`project` — project protocol: no override" in report
    assert "The **mean** row averages each column over the 2 dataset(s)" in report

    section = builder.section(prot)
    assert "flag" not in section.compared.columns
    assert set(section.compared["sweep_value"]) == {"project", "noisy"}
    flagged = pd.read_csv(out / "tables" / "flagged_cells.csv")
    assert "prot" not in set(flagged["experiment"])
    results = pd.read_csv(out / "prot.csv")
    assert set(results["sweep_value"]) == {"project", "noisy"} and len(results) == 22


def test_the_verdict_states_the_flow_claims_under_each_protocol(tmp_path):
    (prot,) = parse_config(
        """
[experiments.prot]
title = "Flows under two protocols"
report = "protocol_comparison"
datasets = ["glass", "pima", "vowels"]  # ODDS names: the ODDS parts of the claims
seeds = [0]
methods = ["RobustRealNVP", "TrimRealNVP", "RealNVP"]

[experiments.prot.variants.project]
label = "project protocol"

[experiments.prot.variants.authors]
label = "authors' protocol"
params.RobustRealNVP = { masks = "authors" }
params.TrimRealNVP = { masks = "authors" }
params.RealNVP = { masks = "authors" }
""",
        "prot.toml",
    )
    store = RunStore(tmp_path / "runs")  # records only: nothing is fitted
    for point in expand(prot):
        robust = point.spec.method == "RobustRealNVP"
        auc = 0.8 + (0.1 if robust else 0.0) * (1 if point.sweep_value == "project" else -1)
        store.write(synthetic_record(point.spec, auc))
    report = (
        ReportBuilder(store, tmp_path / "out", tmp_path, causes_path=tmp_path / "none.toml")
        .build([prot], command="pytest")
        .read_text()
    )
    assert "**Holds** — RobustRealNVP beats Real NVP" in report
    assert "The status is the project protocol's; the lines of other protocols (`prot`)" in report
    assert "ODDS (Table 1), project protocol (`prot`), 1 seed(s): RobustRealNVP higher" in report
    assert "ODDS (Table 1), authors' protocol (`prot`), 1 seed(s): RobustRealNVP higher" in report
    assert (
        "the verdict depends on the protocol — holds under the project protocol, does not hold "
        "under the authors' protocol." in report
    )


# ---------------------------------------------------------------------- baseline fidelity
def fidelity_cells() -> pd.DataFrame:
    """Two methods, three datasets, variants ``project`` and ``ref`` (NaN: no done run)."""
    ours = {
        ("A", "project"): [0.80, 0.60, 0.90],
        ("A", "ref"): [0.82, 0.58, 0.88],
        ("B", "project"): [0.50, np.nan, 0.70],
        ("B", "ref"): [0.50, np.nan, 0.70],
    }
    paper = {"A": [0.70, 0.65, np.nan], "B": [0.60, 0.60, 0.80]}
    rows = [
        {
            "dataset": dataset,
            "method": method,
            "sweep_value": variant,
            "auc_mean": values[i],
            "paper_mean": paper[method][i],
        }
        for (method, variant), values in ours.items()
        for i, dataset in enumerate(["d1", "d2", "d3"])
    ]
    return pd.DataFrame(rows)


def test_baseline_fidelity_arithmetic():
    from reproduce.tables import baseline_fidelity

    reference = pd.DataFrame(
        {"dataset": ["d1", "d3"], "method": ["A", "A"], "auc_mean": [0.80, 0.95]}
    )
    table = baseline_fidelity(
        fidelity_cells(), ["A", "B"], ["d1", "d2", "d3"], "project", reference, "ref"
    ).set_index("method")
    a, b = table.loc["A"], table.loc["B"]
    # A vs paper: d3 has no paper value -> d1, d2: ours 0.70, paper 0.675
    assert a["n_datasets"] == 2
    assert a["ours_mean"] == pytest.approx(0.70) and a["paper_mean"] == pytest.approx(0.675)
    assert a["difference"] == pytest.approx(0.025)
    assert a["mean_abs_difference"] == pytest.approx((0.10 + 0.05) / 2)
    assert a["within_tolerance"]
    # A vs the reference, from the ref variant: d2 has no reference value -> d1, d3
    assert a["reference_n_datasets"] == 2
    assert a["reference_ours_mean"] == pytest.approx((0.82 + 0.88) / 2)
    assert a["reference_mean"] == pytest.approx((0.80 + 0.95) / 2)
    assert a["reference_difference"] == pytest.approx(-0.025)
    assert a["reference_mean_abs_difference"] == pytest.approx((0.02 + 0.07) / 2)
    assert a["reference_within_tolerance"]
    # B: d2 has no run -> d1, d3: ours 0.60, paper 0.70, outside 0.03; no reference value
    assert (b["n_datasets"], b["ours_mean"], b["paper_mean"]) == (2, pytest.approx(0.6), 0.7)
    assert b["difference"] == pytest.approx(-0.1) and not b["within_tolerance"]
    assert b["reference_n_datasets"] == 0 and np.isnan(b["reference_mean"])
    assert not b["reference_within_tolerance"]
    # The tolerance decides "within".
    strict = baseline_fidelity(
        fidelity_cells(), ["A"], ["d1", "d2", "d3"], "project", tolerance=0.02
    )
    assert not strict.loc[0, "within_tolerance"]
    # Without stds the seed noise is unknown.
    assert np.isnan(a["difference_seed_se"]) and np.isnan(a["difference_in_seed_se"])


def test_baseline_fidelity_seed_noise_of_the_gap():
    from reproduce.tables import PAPER_RUNS_PER_CELL, baseline_fidelity

    cells = fidelity_cells().assign(n_done=4, auc_std=0.04, paper_std=0.05)
    cells.loc[(cells["method"] == "A") & (cells["dataset"] == "d2"), "auc_std"] = 0.08
    a = baseline_fidelity(cells, ["A"], ["d1", "d2", "d3"], "project").iloc[0]
    # d1, d2 compared: variances 0.04²/4 + 0.05²/5 and 0.08²/4 + 0.05²/5, mean over 2 datasets
    expected = np.sqrt(0.04**2 / 4 + 0.08**2 / 4 + 2 * 0.05**2 / PAPER_RUNS_PER_CELL) / 2
    assert a["difference_seed_se"] == pytest.approx(expected)
    assert a["difference_in_seed_se"] == pytest.approx(0.025 / expected)
    # One missing std leaves the noise unknown rather than understated.
    cells.loc[cells["dataset"] == "d1", "paper_std"] = np.nan
    b = baseline_fidelity(cells, ["A"], ["d1", "d2", "d3"], "project").iloc[0]
    assert np.isnan(b["difference_seed_se"])


def test_reference_results_are_read_long_with_canonical_names(tmp_path):
    from reproduce.tables import read_reference_auc

    path = tmp_path / "ref.csv"
    path.write_text("dataset,IF,LOF\nmammo,.9,\npima,.68,.63\n")
    long = read_reference_auc(path)
    assert sorted(zip(long["dataset"], long["method"], long["auc_mean"])) == [
        ("mammography", "IF", 0.9), ("pima", "IF", 0.68), ("pima", "LOF", 0.63),
    ]  # fmt: skip
    shipped = read_reference_auc(PAPER_DIR / "pyod_benchmark_odds_roc.csv")
    assert set(shipped["method"]) == {"IF", "LOF", "OCSVM"} and shipped["dataset"].nunique() == 13
    path.write_text("name,IF\npima,.6\n")
    with pytest.raises(ValueError, match="'dataset' column"):
        read_reference_auc(path)


FIDELITY = """
[experiments.fid]
title = "Toy baselines beside the paper and a benchmark"
report = "baseline_fidelity"
datasets = ["toy-a", "toy-b", "toy-c"]
seeds = [0, 1]
methods = ["Toy", "ToyB"]
paper_auc = "paper.csv"
reference_auc = "pyod_bench.csv"
reference_variant = "noisy"

[experiments.fid.variants.project]
label = "project protocol"

[experiments.fid.variants.noisy]
label = "noisy protocol"

[experiments.fid.variants.noisy.params.Toy]
noise = 0.5
"""


def test_baseline_fidelity_report_from_stored_runs(tmp_path):
    (experiment,) = parse_config(FIDELITY, "fid.toml")
    store = RunStore(tmp_path / "runs")
    for point in expand(experiment):
        if not store.record_path(point.spec.run_id).exists():  # ToyB's runs are shared
            store.write(synthetic_record(point.spec, protocol_auc(point)))
    paper_dir = tmp_path / "paper"
    paper_dir.mkdir()
    pd.DataFrame(
        {
            "dataset": ["toy-a", "toy-b", "toy-a", "toy-b", "toy-c"],
            "method": ["Toy", "Toy", "ToyB", "ToyB", "ToyB"],
            "auc_mean": [0.90, 0.70, 0.80, 0.80, 0.60],
            "auc_std": [0.01] * 5,
        }
    ).to_csv(paper_dir / "paper.csv", index=False)
    (paper_dir / "pyod_bench.csv").write_text("dataset,Toy\ntoy-a,.80\ntoy-c,.50\n")
    out = tmp_path / "out"
    builder = ReportBuilder(store, out, paper_dir, causes_path=tmp_path / "none.toml")
    report = builder.build([experiment], command="pytest").read_text()

    table = pd.read_csv(out / "tables" / "fid_fidelity.csv").set_index("method")
    # Toy, project: toy-a 0.905, toy-b 0.805 (toy-c has no paper value); paper 0.90, 0.70
    assert table.loc["Toy", "n_datasets"] == 2
    assert table.loc["Toy", "ours_mean"] == pytest.approx(0.855)
    assert table.loc["Toy", "paper_mean"] == pytest.approx(0.80)
    assert table.loc["Toy", "mean_abs_difference"] == pytest.approx((0.005 + 0.105) / 2)
    assert not table.loc["Toy", "within_tolerance"]
    # Toy, noisy runs vs the benchmark: toy-a 0.805, toy-c 0.605 against 0.80, 0.50
    assert table.loc["Toy", "reference_ours_mean"] == pytest.approx(0.705)
    assert table.loc["Toy", "reference_mean"] == pytest.approx(0.65)
    # ToyB: 0.855, 0.755, 0.655 vs 0.80, 0.80, 0.60 -> 0.755 vs 0.7333
    assert table.loc["ToyB", "ours_mean"] == pytest.approx(0.755)
    assert table.loc["ToyB", "within_tolerance"]
    assert table.loc["ToyB", "reference_n_datasets"] == 0

    md = (out / "tables" / "fid_fidelity.md").read_text()
    assert "| Toy | `project` | 2 of 3 | 0.855 | 0.800 | +0.055 | 0.055 | **no** |" in md
    assert "| ToyB | `project` | 3 | 0.755 | 0.733 | +0.022 | 0.052 | yes |" in md
    assert "| Toy | `noisy` | 2 | 0.705 | 0.650 | +0.055 | 0.055 | **no** |" in md
    assert "ToyB | `noisy`" not in md  # the benchmark has no ToyB
    assert "| Baseline | Runs compared (protocol) | Datasets | Ours | PyOD |" in md
    assert "`noisy` — noisy protocol: Toy: noise = 0.5." in report
    cells = pd.read_csv(out / "tables" / "fid_auc.csv").set_index(["dataset", "method", "variant"])
    assert cells.loc[("toy-a", "Toy", "noisy"), "reference_mean"] == pytest.approx(0.80)
    assert np.isnan(cells.loc[("toy-a", "Toy", "project"), "reference_mean"])
    assert "flag" not in builder.section(experiment).compared.columns


def test_baseline_fidelity_report_shows_a_variant_without_runs_as_missing(tmp_path):
    """A third variant (like a newly added table1_baselines variant) whose own runs are not
    computed yet: the section renders, counts them as missing and gives the method it overrides
    a row of its own in the fidelity table, empty until the runs exist."""
    text = FIDELITY + '[experiments.fid.variants.later]\nlabel = "later"\n'
    text += "[experiments.fid.variants.later.params.Toy]\nnoise = 0.3\n"
    (experiment,) = parse_config(text, "fid.toml")
    store = RunStore(tmp_path / "runs")
    for point in expand(experiment):
        if point.sweep_value != "later" and not store.record_path(point.spec.run_id).exists():
            store.write(synthetic_record(point.spec, protocol_auc(point)))
    paper_dir = tmp_path / "paper"
    paper_dir.mkdir()
    pd.DataFrame(
        {"dataset": ["toy-a"], "method": ["Toy"], "auc_mean": [0.9], "auc_std": [0.01]}
    ).to_csv(paper_dir / "paper.csv", index=False)
    (paper_dir / "pyod_bench.csv").write_text("dataset,Toy\ntoy-a,.80\n")
    out = tmp_path / "out"
    builder = ReportBuilder(store, out, paper_dir, causes_path=tmp_path / "none.toml")
    report = builder.build([experiment], command="pytest").read_text()

    # Toy's 3 datasets x 2 seeds of `later` are missing; ToyB's `later` runs are its project runs.
    assert "36 runs — 30 done, 0 failed, 6 not in the store." in report
    assert "`later` — later: Toy: noise = 0.3." in report
    table = pd.read_csv(out / "tables" / "fid_fidelity.csv").set_index(["method", "variant"])
    assert table.loc[("Toy", "project"), "ours_mean"] == pytest.approx(0.905)  # project runs only
    # `later` overrides Toy only: a row of its own, empty until its runs exist.
    assert table.loc[("Toy", "later"), "n_datasets"] == 0
    assert np.isnan(table.loc[("Toy", "later"), "ours_mean"])
    assert ("ToyB", "later") not in table.index
    assert "| Toy | `later`: noise = 0.3 |" not in report  # settings show implementation/scaling
    assert "| Toy | `later` | 0 of 3 |" in report

    cells = pd.read_csv(out / "tables" / "fid_auc.csv").set_index(["dataset", "method", "variant"])
    assert cells.loc[("toy-a", "Toy", "later"), "n_done"] == 0
    assert np.isnan(cells.loc[("toy-a", "Toy", "later"), "auc_mean"])
    assert cells.loc[("toy-a", "ToyB", "later"), "n_done"] == 2
    # Toy methods are no baselines: the protocol section has no baseline table.
    assert "### Baselines: implementation" not in report

    # Once the variant's runs exist, its row holds their mean beside the project's.
    for point in expand(experiment):
        if point.sweep_value == "later" and point.spec.method == "Toy":
            store.write(synthetic_record(point.spec, protocol_auc(point) - 0.2))
    builder = ReportBuilder(store, out, paper_dir, causes_path=tmp_path / "none.toml")
    builder.build([experiment], command="pytest")
    table = pd.read_csv(out / "tables" / "fid_fidelity.csv").set_index(["method", "variant"])
    assert table.loc[("Toy", "later"), "n_datasets"] == 1  # the paper has toy-a only
    assert table.loc[("Toy", "later"), "ours_mean"] == pytest.approx(0.705)
    assert table.loc[("Toy", "project"), "ours_mean"] == pytest.approx(0.905)


def test_protocol_section_lists_each_baselines_implementation_and_input_scaling():
    from reproduce.config import load_experiments
    from reproduce.report import baseline_protocol_lines

    (table1,) = [e for e in load_experiments(["table1"]) if e.name == "table1"]
    lines = baseline_protocol_lines([table1])
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| ")}
    assert set(rows) >= {"AE", "VAE", "SO-GAAL", "Deep-SVDD", "OCSVM", "LOF", "IF"}
    assert "RobustRealNVP" not in rows
    assert "`ae` (`implementation = 'authors-script'`)" in rows["AE"]
    assert "the authors' ODDS script exactly" in rows["AE"]
    assert "`implementation = 'authors'` (`ae_rebuilt`)" in rows["AE"]
    assert "`implementation = 'pyod'` (`ae_pyod`)" in rows["AE"]
    assert "`deep_svdd` (`implementation = 'authors-script'`)" in rows["Deep-SVDD"]
    assert "`implementation = 'authors'` (`deep_svdd_rebuilt`)" in rows["Deep-SVDD"]
    assert "`implementation = 'ruff'` (`deep_svdd_ruff`)" in rows["Deep-SVDD"]
    # VAE records no implementation: its default is "pyod" (vae), not listed as another one
    assert rows["VAE"].startswith("| VAE | `vae`: ")
    assert "| `implementation = 'pyod-0.8'` (`vae_pyod08`) |" in rows["VAE"]
    assert "| `standard` |" in rows["OCSVM"] and "| `none` |" in rows["LOF"]
    assert "PyOD" in rows["OCSVM"].split("| `standard` |")[1]  # the reason is shown


def test_runs_shared_by_variants_are_written_once_and_read_back(tmp_path):
    """ToyB is the same run in both variants: one row of the results CSV, found by both when the
    report is rendered from that file."""
    (experiment,) = parse_config(FIDELITY, "fid.toml")
    store = RunStore(tmp_path / "runs")
    for point in expand(experiment):
        if not store.record_path(point.spec.run_id).exists():
            store.write(synthetic_record(point.spec, protocol_auc(point)))
    out = tmp_path / "out"
    ReportBuilder(store, out, PAPER_DIR).build([experiment], command="pytest")
    results = pd.read_csv(out / "fid.csv")
    assert results["run_id"].is_unique and len(results) == 3 * 2 * 3  # Toy twice, ToyB once
    again = ReportBuilder(RunStore(tmp_path / "empty"), out, PAPER_DIR, runs_from="csv")
    section = again.section(experiment)
    assert section.counts == {"done": 24, "failed": 0, "missing": 0}


def test_the_shipped_table2_vae_comparison_renders_without_a_reference(tmp_path):
    """table2_vae (baseline_fidelity, no reference_auc): Table 2's VAE runs (PyOD 0.8.6's, the
    project variant) and the earlier PyOD 3.6 runs (pyod36), each against the paper's column."""
    from reproduce.config import load_experiments

    experiment = next(e for e in load_experiments(["table2"]) if e.name == "table2_vae")
    assert experiment.reference_auc is None
    paper = read_paper_auc(PAPER_DIR / experiment.paper_auc)
    paper_vae = paper[paper["method"] == "VAE"].set_index("dataset")["auc_mean"]
    store = RunStore(tmp_path / "runs")
    for point in expand(experiment):
        spec = point.spec
        auc = paper_vae[spec.dataset] + 0.01 if point.sweep_value == "project" else 0.85
        store.write(synthetic_record(spec, auc + 0.002 * spec.seed))
    out = tmp_path / "out"
    builder = ReportBuilder(store, out, PAPER_DIR, causes_path=tmp_path / "none.toml")
    report = builder.build([experiment], command="pytest").read_text()

    table = pd.read_csv(out / "tables" / "table2_vae_fidelity.csv").set_index("variant")
    assert list(table["method"]) == ["VAE", "VAE"] and set(table.index) == {"project", "pyod36"}
    assert (table["n_datasets"] == 20).all()
    assert table.loc["project", "ours_mean"] == pytest.approx(paper_vae.mean() + 0.011)
    assert table.loc["pyod36", "ours_mean"] == pytest.approx(0.851)
    assert (table["reference_n_datasets"] == 0).all()
    md = (out / "tables" / "table2_vae_fidelity.md").read_text()
    assert md.count("\n| VAE | ") == 2 and "| Baseline | Runs compared" in md
    assert "PyOD |" not in md  # no reference table
    assert "`pyod36` — PyOD 3.6's VAE" in report and "80 runs — 80 done" in report
