"""The ``beyond_paper`` report kind (the ADBench experiment), rendered from synthetic run records:
AUC table without a paper column, ranks, CD diagram, the claims on subsets of datasets, the ODDS
overlap table; a partial store renders with its counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reproduce.config import expand, parse_config
from reproduce.report import ReportBuilder
from reproduce.report.kinds import REPORT_KINDS, ReportKind, register_report_kind
from reproduce.report.odds_overlap import odds_points
from reproduce.report.subset_claims import evaluate_on_subsets
from reproduce.store import RunRecord, RunStore
from tests.run_records import done_record, failed_record

CONFIG = """
[experiments.beyond]
title = "Beyond: toy"
report = "beyond_paper"
datasets = ["adbench-cardio", "adbench-glass", "adbench-wine", "adbench-wbc", "adbench-stamps"]
seeds = [0, 1]
methods = ["RobustRealNVP", "TrimRealNVP", "RealNVP", "IF"]
reference_method = "RobustRealNVP"

[experiments.beyond.data]
max_train_rows = 1000
"""
#: Mean AUC per method on every dataset: RobustRealNVP best, IF last ...
LEVEL = {"RobustRealNVP": 0.9, "TrimRealNVP": 0.8, "RealNVP": 0.7, "IF": 0.6}
#: ... but on the two datasets that are also ODDS's, Real NVP is best: the claims on the new
#: datasets and on all of them differ, so a subset holding the wrong datasets shows.
OVERLAP_REAL_NVP = 0.95


def level(dataset: str, method: str) -> float:
    overlap = dataset in ("adbench-cardio", "adbench-glass")
    return OVERLAP_REAL_NVP if overlap and method == "RealNVP" else LEVEL[method]


def record(spec, auc: float, n_train: int = 100, status: str = "done") -> RunRecord:
    if status == "failed":
        return failed_record(spec, "MemoryError", error_type="MemoryError", message="too big")
    return done_record(spec, auc, data={"n_train": n_train, "n_test": 50, "n_features": 3})


@pytest.fixture()
def rendered(tmp_path):
    return render(tmp_path)


def render(tmp_path, config: str = CONFIG):
    (experiment,) = parse_config(config, "beyond.toml")
    store = RunStore(tmp_path / "runs")
    for point in expand(experiment):
        spec = point.spec
        if (spec.dataset, spec.method) == ("adbench-stamps", "IF"):
            continue  # a missing cell
        if (spec.dataset, spec.method, spec.seed) == ("adbench-wbc", "RealNVP", 1):
            store.write(record(spec, 0.0, status="failed"))
            continue
        n_train = 1000 if spec.dataset == "adbench-cardio" else 100
        store.write(record(spec, level(spec.dataset, spec.method) + 0.01 * spec.seed, n_train))
    # ODDS's side: cardio in the store, glass in table1's committed CSV, nothing else.
    out = tmp_path / "out"
    out.mkdir()
    pairs = {"adbench-cardio": "cardio", "adbench-glass": "glass"}
    rows = []
    for point in odds_points(experiment, pairs, list(experiment.methods)):
        spec = point.spec
        auc = LEVEL[spec.method] - 0.05
        if spec.dataset == "cardio":
            store.write(record(spec, auc))
        else:
            rows.append(
                {"dataset": "glass", "method": spec.method, "seed": spec.seed, "roc_auc": auc,
                 "run_id": spec.run_id}
            )  # fmt: skip
    pd.DataFrame(rows).to_csv(out / "table1.csv", index=False)
    report = ReportBuilder(store, out, tmp_path).build([experiment], command="pytest")
    return out, report.read_text()


def test_auc_table_has_no_paper_column_and_shows_missing_cells(rendered):
    out, text = rendered
    table = (out / "tables" / "beyond_auc.md").read_text()
    assert "paper" not in table
    stamps = next(line for line in table.splitlines() if line.startswith("| adbench-stamps"))
    assert stamps.rstrip().endswith("| — |"), "the missing IF cell is shown as missing"
    assert "(n = 1)" in table, "a cell with a failed seed shows its count"
    assert "19 of 20 cells (5 datasets × 4 methods) have results; 4 dataset(s) have all" in text
    ranks = pd.read_csv(out / "tables" / "beyond_ranks.csv").set_index("method")["ours"]
    # cardio, glass: RealNVP, Robust, Trim, IF; wine, wbc: Robust, Trim, RealNVP, IF
    assert ranks.to_dict() == {"RobustRealNVP": 1.5, "TrimRealNVP": 2.5, "RealNVP": 2.0, "IF": 4.0}
    assert "**Failed runs (1)**" in text and "MemoryError: too big" in text


def test_statistics_and_cd_diagram_are_rendered(rendered):
    out, text = rendered
    assert "**Friedman test** over 4 datasets and 4 methods" in text
    assert (out / "figures" / "beyond_cd.png").is_file()
    assert (out / "tables" / "beyond_wilcoxon.csv").is_file()


def test_cap_is_stated_with_the_datasets_it_binds_on(rendered):
    _, text = rendered
    assert "Training parts capped at 1,000 rows (`max_train_rows`)" in text
    assert "it binds on 1: adbench-cardio." in text
    assert "differs by the cap too (adbench-cardio)." in text  # an overlapping, capped dataset


def test_claims_are_evaluated_on_the_new_datasets_and_on_all(rendered):
    out, text = rendered
    claims = pd.read_csv(out / "tables" / "beyond_claims.csv")
    assert set(claims["subset"]) == {"3 datasets new to the paper", "all 5 datasets"}
    status = claims.set_index(["claim_id", "subset"])["status"]
    for subset in ("3 datasets new to the paper", "all 5 datasets"):
        assert status[("best_average_rank_on_odds", subset)] == "holds"
        assert status[("beats_real_nvp", subset)] == "holds"
        assert status[("spectral_normalisation_helps_on_clustered_anomalies", subset)] == "holds"
        assert status[("stable_under_a_mis_set_trimming_ratio", subset)] == "not evaluated"
    new = claims[(claims["subset"] == "3 datasets new to the paper")]
    assert set(new["n_datasets"]) == {3}
    evidence = claims.set_index(["claim_id", "subset"])["evidence"]
    new_only = "3 datasets new to the paper"
    assert "higher on 3 of 3 dataset(s)" in evidence[("beats_real_nvp", new_only)]
    assert "higher on 3 of 5 dataset(s)" in evidence[("beats_real_nvp", "all 5 datasets")]
    # Ranked among the paper's methods (TrimRealNVP, the ablation, left out): over the two new
    # datasets where every method has a result RobustRealNVP is first alone; over all four it
    # shares first place with Real NVP (1.5 each), which counts as first, as in the verdict.
    rank_new = evidence[("best_average_rank_on_odds", new_only)]
    assert "RobustRealNVP 1.00, number 1 of 3 (first), over 2 dataset(s)" in rank_new
    assert "TrimRealNVP (the paper's ablation) left out" in rank_new
    rank_all = evidence[("best_average_rank_on_odds", "all 5 datasets")]
    assert "RobustRealNVP 1.50, number 1 of 3 (first, tied with 1 other(s)), over 4" in rank_all
    assert "| Claim | 3 datasets new to the paper | all 5 datasets |" in text


def test_overlap_table_reads_odds_runs_from_the_store_and_the_committed_csv(rendered):
    out, text = rendered
    frame = pd.read_csv(out / "tables" / "beyond_odds_overlap.csv")
    assert set(frame["dataset"]) == {"adbench-cardio", "adbench-glass"}
    cardio = frame[frame["odds_dataset"] == "cardio"].set_index("method")
    assert cardio.loc["RobustRealNVP", "difference"] == pytest.approx(0.05 + 0.005)
    assert cardio.loc["IF", "odds_n"] == 2 and cardio.loc["IF", "adbench_n"] == 2
    glass = frame[frame["odds_dataset"] == "glass"].set_index("method")
    assert glass.loc["TrimRealNVP", "odds_mean"] == pytest.approx(0.75)
    assert "8 ODDS cell(s) found; 8 of 8 cells have both versions" in text
    assert "| *ADBench's version higher* | 2 of 2 | 2 of 2 | 2 of 2 | 2 of 2 |" in text


def test_subset_claims_count_only_datasets_with_results():
    matrix = pd.DataFrame(
        {"RobustRealNVP": [0.9, 0.5, np.nan], "RealNVP": [0.8, 0.6, np.nan],
         "TrimRealNVP": [0.7, 0.7, np.nan]},
        index=["a", "b", "c"],
    )  # fmt: skip
    frame = evaluate_on_subsets(matrix, {"ab": ["a", "b"], "c only": ["c"]})
    rows = frame.set_index(["claim_id", "subset"])
    assert rows.loc[("beats_real_nvp", "ab"), "status"] == "does not hold"  # 1 win of 2
    assert "higher on 1 of 2 dataset(s)" in rows.loc[("beats_real_nvp", "ab"), "evidence"]
    assert rows.loc[("beats_real_nvp", "c only"), "status"] == "not evaluated"
    assert rows.loc[("beats_real_nvp", "c only"), "n_with_results"] == 0
    best = rows.loc[("best_average_rank_on_odds", "ab")]
    assert best["status"] == "holds" and "tied with 1 other(s)" in best["evidence"]  # both 1.5


def test_the_rank_claim_leaves_out_the_papers_own_ablation():
    """TrimRealNVP above RobustRealNVP does not make "best among the paper's methods" fail."""
    matrix = pd.DataFrame(
        {"RobustRealNVP": [0.9, 0.8], "TrimRealNVP": [0.95, 0.85], "RealNVP": [0.7, 0.7],
         "IF": [0.6, 0.6]},
        index=["a", "b"],
    )  # fmt: skip
    rows = evaluate_on_subsets(matrix, {"ab": ["a", "b"]}).set_index("claim_id")
    assert rows.loc["best_average_rank_on_odds", "status"] == "holds"
    assert "number 1 of 3 (first)" in rows.loc["best_average_rank_on_odds", "evidence"]
    worse = matrix.assign(IF=[0.99, 0.99])
    rows = evaluate_on_subsets(worse, {"ab": ["a", "b"]}).set_index("claim_id")
    assert rows.loc["best_average_rank_on_odds", "status"] == "does not hold"
    assert "best: IF 1.00" in rows.loc["best_average_rank_on_odds", "evidence"]


def test_a_report_beyond_the_paper_alone_has_no_vacuous_verdict(rendered):
    _, text = rendered
    verdict = text.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    assert "This report's experiments are beyond the paper" in verdict
    assert "Not evaluated" not in verdict and "No cell differs" not in verdict


@pytest.mark.parametrize("beyond_paper", [True, False])
def test_the_verdict_follows_the_kinds_beyond_paper_flag_not_its_name(tmp_path, beyond_paper):
    builtin = REPORT_KINDS["beyond_paper"]
    register_report_kind(
        ReportKind("toy_beyond", builtin.renderer, "a plugin's kind", beyond_paper=beyond_paper)
    )
    try:
        _, text = render(
            tmp_path, CONFIG.replace('report = "beyond_paper"', 'report = "toy_beyond"')
        )
    finally:
        REPORT_KINDS.unregister("toy_beyond")
    verdict = text.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    assert ("This report's experiments are beyond the paper" in verdict) is beyond_paper
    assert ("Not evaluated" in verdict) is not beyond_paper


def test_the_ranks_table_says_over_how_many_datasets(rendered):
    out, _ = rendered
    ranks = pd.read_csv(out / "tables" / "beyond_ranks.csv")
    assert set(ranks["n_datasets_ranked"]) == {4}  # adbench-stamps has no IF result
