"""The report's verdict: claim criteria, the causes file and the flagged-cell listing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reproduce import verdict
from reproduce.verdict import (
    CLAIMS,
    CauseFileError,
    ClaimInputs,
    ProtocolComparison,
    ProtocolVariant,
    evaluate_claims,
    explain,
    flagged_cells,
    paper_claim,
    read_causes,
    render_verdict,
)

ROOT = Path(__file__).resolve().parents[1]


def cells(rows, sweep_value=None) -> pd.DataFrame:
    """A per-cell summary frame like ``tables/<experiment>_auc.csv``."""
    frame = pd.DataFrame(
        rows, columns=["dataset", "method", "auc_mean", "paper_mean", "paper_std", "auc_std"]
    )
    frame["sweep_value"] = sweep_value
    frame["n_done"] = 5
    frame["difference"] = frame["auc_mean"] - frame["paper_mean"]
    tol = 2 * np.fmax(frame["auc_std"].fillna(0), frame["paper_std"].fillna(0))
    frame["flag"] = (frame["difference"].abs() > tol) & frame["difference"].notna()
    return frame


def by_status(claims):
    return [c.status for c in claims]


def test_pairwise_claims_need_most_wins_and_a_higher_mean():
    # Robust wins 2 of 3 datasets but loses the third by a lot: the mean is lower -> not held.
    table1 = cells(
        [
            ("d1", "RobustRealNVP", 0.80, np.nan, np.nan, 0.01),
            ("d1", "RealNVP", 0.79, np.nan, np.nan, 0.01),
            ("d2", "RobustRealNVP", 0.80, np.nan, np.nan, 0.01),
            ("d2", "RealNVP", 0.79, np.nan, np.nan, 0.01),
            ("d3", "RobustRealNVP", 0.50, np.nan, np.nan, 0.01),
            ("d3", "RealNVP", 0.90, np.nan, np.nan, 0.01),
        ]
    )
    beats = evaluate_claims({"table1": table1})[1]
    assert beats.status == "does not hold"
    assert "higher than RealNVP on 2 of 3 dataset(s)" in beats.evidence[0]
    table1.loc[(table1.dataset == "d3") & (table1.method == "RealNVP"), "auc_mean"] = 0.45
    assert evaluate_claims({"table1": table1})[1].status == "holds"
    # One table supports it, the other does not -> partly.
    table2 = table1.assign(auc_mean=table1["auc_mean"][::-1].to_numpy())
    assert evaluate_claims({"table1": table1, "table2": table2})[1].status == "partly holds"


def test_best_rank_claim_reads_the_rank_table():
    ranks = pd.DataFrame(
        {"ours": [2.0, 1.5, 3.0], "paper_printed": [1.0, 2.0, 3.0]},
        index=pd.Index(["RobustRealNVP", "IF", "RealNVP"], name="method"),
    )
    claim = evaluate_claims({}, {"table1": ranks})[0]
    assert claim.status == "does not hold"
    assert "number 2, 0.50 ranks behind IF" in claim.evidence[0]
    ranks.loc["RobustRealNVP", "ours"] = 1.0
    assert evaluate_claims({}, {"table1": ranks})[0].status == "holds"


@pytest.mark.parametrize("order", [["RobustRealNVP", "IF"], ["IF", "RobustRealNVP"]])
def test_a_tie_for_the_best_rank_counts_as_first_whatever_the_row_order(order):
    """As the subset claims of the ADBench report count it (ties share the mean rank)."""
    ranks = pd.DataFrame(
        {"ours": [1.5, 1.5, 3.0]}, index=pd.Index([*order, "RealNVP"], name="method")
    )
    claim = evaluate_claims({}, {"table1": ranks})[0]
    assert claim.status == "holds"
    assert "RobustRealNVP is first, tied with 1 other(s)." in claim.evidence[0]


def test_epsilon_stability_uses_the_mean_spread_over_classes():
    rows = []
    for value, aucs in ((0.05, (0.80, 0.70)), (0.1, (0.81, 0.70)), (0.2, (0.82, 0.71))):
        frame = cells(
            [
                ("a-u", "RobustRealNVP", aucs[0], np.nan, np.nan, 0.01),
                ("b-u", "RobustRealNVP", aucs[1], np.nan, np.nan, 0.01),
            ],
            sweep_value=value,
        )
        rows.append(frame)
    fig6 = pd.concat(rows, ignore_index=True)
    claim = evaluate_claims({"fig6": fig6})[3]
    assert claim.status == "holds"  # spreads 0.02 and 0.01 -> mean 0.015 <= 0.02
    assert "mean 0.015, largest 0.020 (a-u)" in claim.evidence[0]
    fig6.loc[(fig6.dataset == "b-u") & (fig6.sweep_value == 0.2), "auc_mean"] = 0.60
    assert evaluate_claims({"fig6": fig6})[3].status == "does not hold"


def test_claims_without_their_experiments_are_not_evaluated():
    assert by_status(evaluate_claims({})) == ["not evaluated"] * 5


def write(tmp_path, text) -> Path:
    path = tmp_path / "causes.toml"
    path.write_text(text, encoding="utf-8")
    return path


RULES = """
[[cause]]
id = "specific"
methods = ["A"]
datasets = ["d1"]
direction = "lower"
category = "seed noise"
summary = "d1 is noisy"
evidence = "measured"

[[cause]]
id = "general"
methods = ["A", "B"]
category = "baseline configuration"
summary = "another implementation"
detail = "Longer words."
evidence = "likely"
"""


def test_causes_match_in_order_on_method_dataset_and_direction(tmp_path):
    rules = read_causes(write(tmp_path, RULES))
    assert explain(rules, "t", "d1", "A", -0.1).id == "specific"
    assert explain(rules, "t", "d1", "A", +0.1).id == "general"  # direction excludes the first
    assert explain(rules, "t", "d2", "B", -0.1).id == "general"
    assert explain(rules, "t", "d2", "C", -0.1) is None
    assert read_causes(tmp_path / "absent.toml") == []


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[cause]]\nid="x"\ncategory="luck"\nsummary="s"', "category 'luck'"),
        ('[[cause]]\nid="x"\ncategory="seed noise"', "'summary' must be one line"),
        ('[[cause]]\nid="x"\ncategory="seed noise"\nsummary="' + "w" * 200 + '"', "1-110"),
        ('[[cause]]\ncategory="seed noise"\nsummary="s"', "'id' is missing"),
        ('[[cause]]\nid="x"\ncategory="seed noise"\nsummary="s"\nmethod="A"', "unknown key"),
        ('[[cause]]\nid="x"\ncategory="seed noise"\nsummary="s"', "evidence must be one of"),
        ('[[cause]]\nid="x"\ncategory="seed noise"\nsummary="s"\nevidence="sure"', "evidence"),
        (
            '[[cause]]\nid="x"\ncategory="seed noise"\nsummary="s"\nevidence="likely"\n'
            'direction="up"',
            "direction",
        ),
        ("[[cause]\n", "not valid TOML"),
    ],
)
def test_malformed_causes_files_are_refused_naming_the_problem(tmp_path, text, message):
    with pytest.raises(CauseFileError, match=message):
        read_causes(write(tmp_path, text))


def test_flagged_cells_without_a_rule_are_listed_as_unexplained(tmp_path):
    rules = read_causes(write(tmp_path, RULES))
    table = cells(
        [
            ("d1", "A", 0.50, 0.80, 0.01, 0.02),  # flagged, lower -> specific
            ("d1", "C", 0.50, 0.80, 0.01, 0.02),  # flagged, no rule
            ("d2", "A", 0.80, 0.81, 0.01, 0.02),  # not flagged
        ]
    )
    flagged = flagged_cells({"t": table}, rules)
    assert flagged[["method", "cause_id", "category"]].values.tolist() == [
        ["A", "specific", "seed noise"],
        ["C", "", "no cause recorded"],
    ]
    text = "\n".join(render_verdict(evaluate_claims({"t": table}), flagged, "c.toml", rules))
    assert "no cause recorded 1" in text and "d1 is noisy [specific]" in text
    assert flagged["evidence"].tolist() == ["measured", ""]
    assert "*seed noise* (measured): d1 is noisy" in text
    assert "Longer words." not in text  # only the causes used are detailed


def test_every_flagged_cell_of_the_committed_results_has_a_cause():
    """A new discrepancy in results/ must be explained (or visibly left unexplained) in
    results/causes.toml; and every rule there must still explain some cell."""
    rules = read_causes(ROOT / "results" / "causes.toml")
    compared = {
        path.name.removesuffix("_auc.csv"): pd.read_csv(path)
        for path in sorted((ROOT / "results" / "tables").glob("*_auc.csv"))
    }
    flagged = flagged_cells(compared, rules)
    assert len(flagged) > 0
    unexplained = flagged[flagged["cause_id"] == ""]
    assert unexplained.empty, unexplained[["experiment", "dataset", "method"]].to_string()
    unused = {r.id for r in rules} - set(flagged["cause_id"])
    assert not unused, f"rules that explain no committed cell: {sorted(unused)}"


def test_paper_comparison_uses_only_the_datasets_we_have():
    table2 = cells(
        [
            ("a", "RobustRealNVP", 0.6, 0.80, 0.01, np.nan),
            ("a", "RealNVP", 0.7, 0.70, 0.01, np.nan),
            ("b", "RobustRealNVP", np.nan, 0.80, 0.01, np.nan),  # not run yet
            ("b", "RealNVP", np.nan, 0.70, 0.01, np.nan),
        ]
    )
    evidence = evaluate_claims({"table2": table2})[1].evidence
    assert "higher than RealNVP on 0 of 1 dataset(s)" in evidence[0]
    assert "RobustRealNVP higher on 1 of 1" in evidence[1]


# ---------------------------------------------------------------------- protocol comparisons
VARIANTS = (
    ProtocolVariant("project", "project protocol", is_project=True),
    ProtocolVariant("authors", "authors' protocol"),
    ProtocolVariant("scale_shift", "project protocol, coupling_form = scale-shift"),
)


def flows(robust, plain, trim, sweep_value=None) -> pd.DataFrame:
    """Cells of RobustRealNVP / RealNVP / TrimRealNVP on datasets d1..dn."""
    rows = []
    for i, values in enumerate(zip(robust, plain, trim)):
        for method, auc in zip(("RobustRealNVP", "RealNVP", "TrimRealNVP"), values):
            rows.append((f"d{i + 1}", method, auc, np.nan, np.nan, 0.01))
    return cells(rows, sweep_value)


def comparison(project, authors, scale_shift) -> ProtocolComparison:
    frame = pd.concat(
        [
            flows(*project, sweep_value="project"),
            flows(*authors, sweep_value="authors"),
            flows(*scale_shift, sweep_value="scale_shift"),
        ],
        ignore_index=True,
    ).drop(columns=["flag"])  # as the report keeps it: never flagged
    return ProtocolComparison("table1_protocols", frame, VARIANTS, dataset_kind="odds")


LOSES = ((0.6, 0.6, 0.6), (0.9, 0.9, 0.9), (0.9, 0.9, 0.9))


def test_other_protocols_add_evidence_but_the_status_stays_the_project_protocols():
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    table1 = flows(*project)
    fig4 = flows(*project)
    cmp = comparison(project, LOSES, project)
    claims = evaluate_claims({"table1": table1, "fig4": fig4}, comparisons=[cmp])
    beats, sn = claims[1], claims[2]
    assert beats.status == "holds" and sn.status == "holds"  # the authors' protocol loses
    text = "\n".join(beats.evidence)
    assert (
        "ODDS (Table 1), authors' protocol (`table1_protocols`), 5 seed(s): RobustRealNVP "
        "higher than RealNVP on 0 of 3 dataset(s)" in text
    )
    assert (
        "ODDS (Table 1), project protocol, coupling_form = scale-shift (`table1_protocols`)" in text
    )
    assert "ODDS (Table 1), project protocol (`table1_protocols`)" not in text  # = table1
    assert (
        "ODDS (Table 1): the verdict depends on the protocol — holds under the project protocol, "
        "does not hold under the authors' protocol, holds under the project protocol, "
        "coupling_form = scale-shift." in text
    )
    sn_text = "\n".join(sn.evidence)
    assert "RobustRealNVP higher than TrimRealNVP on 0 of 3" in sn_text
    assert "authors' protocol (`table1_protocols`)" in sn_text
    assert "the verdict depends on the protocol" in sn_text


def test_no_line_on_protocols_when_they_agree():
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    claims = evaluate_claims(
        {"table1": flows(*project)}, comparisons=[comparison(project, project, project)]
    )
    assert claims[1].status == "holds"
    assert len(claims[1].evidence) == 3  # table1, authors, scale_shift
    assert not any("depends on the protocol" in line for line in claims[1].evidence)


def test_a_comparison_on_other_datasets_than_the_claim_part_adds_no_evidence():
    """A comparison on a subset of the datasets (e.g. `odd_d_masks`) answers another question."""
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    subset = comparison(project, LOSES, project)
    subset = ProtocolComparison(
        "odd_d_masks",
        subset.compared[subset.compared["dataset"] != "d3"],
        VARIANTS,
        dataset_kind="odds",
    )
    claims = evaluate_claims({"table1": flows(*project)}, comparisons=[subset])
    assert claims[1].status == "holds"
    assert not any("odd_d_masks" in line for line in claims[1].evidence)


def test_the_project_variant_stands_in_when_table1_and_fig4_are_not_in_the_report():
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    claims = evaluate_claims({}, comparisons=[comparison(project, LOSES, project)])
    beats = claims[1]
    assert beats.status == "holds"
    assert beats.evidence[0].startswith(
        "ODDS (Table 1), project protocol (`table1_protocols`), 5 seed(s)"
    )
    assert (
        "holds under the project protocol, does not hold under the authors' protocol"
        in (beats.evidence[-1])
    )
    assert claims[2].status == "holds"
    assert claims[0].status == "not evaluated"


def test_the_rank_claim_says_it_is_evaluated_under_the_project_protocol_only():
    ranks = pd.DataFrame({"ours": [1.0, 2.0]}, index=pd.Index(["RobustRealNVP", "IF"]))
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    cmp = comparison(project, project, project)
    claim = evaluate_claims({}, {"table1": ranks}, comparisons=[cmp])[0]
    assert claim.status == "holds"
    assert "Evaluated under the project protocol only" in claim.evidence[-1]
    assert "`table1_protocols`" in claim.evidence[-1]
    plain = evaluate_claims({}, {"table1": ranks})[0]
    assert not any("project protocol only" in line for line in plain.evidence)


def test_protocol_comparison_cells_are_never_flagged():
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    cmp = comparison(project, LOSES, project)
    frame = cmp.compared.assign(paper_mean=0.1, paper_std=0.01)  # far from every cell
    assert flagged_cells({"table1_protocols": frame}, []).empty


def test_a_comparison_informs_only_the_parts_of_its_dataset_kind():
    project = ((0.9, 0.9, 0.9), (0.8, 0.8, 0.8), (0.7, 0.7, 0.7))
    odds = flows(*project)
    cifar = comparison(project, LOSES, LOSES)
    cifar = ProtocolComparison(
        "table2_forms",
        cifar.compared.assign(dataset=cifar.compared["dataset"] + "-c"),
        VARIANTS,
        dataset_kind="cifar10",
    )
    table2 = flows(*project).assign(dataset=lambda f: f["dataset"] + "-c")
    claims = evaluate_claims({"table1": odds, "table2": table2}, comparisons=[cifar])
    beats = "\n".join(claims[1].evidence)
    assert claims[1].status == "holds"
    assert "CIFAR-10 (Table 2), authors' protocol (`table2_forms`)" in beats
    assert "ODDS (Table 1), authors' protocol" not in beats
    assert "CIFAR-10 (Table 2): the verdict depends on the protocol" in beats
    sn = "\n".join(claims[2].evidence)
    assert "CIFAR-10 clustered anomalies (Table 2 `-c`; trimming + SN vs neither), authors'" in sn
    assert "ODDS ablation" not in sn  # neither fig4 nor an ODDS comparison is in the report
    other = ProtocolComparison("elsewhere", cifar.compared, VARIANTS, dataset_kind="synthetic")
    assert evaluate_claims({}, comparisons=[other])[1].status == "not evaluated"


def test_the_ratio_claim_needs_two_ratios():
    one = cells(
        [("a", "RobustRealNVP", 0.9, 0.8, 0.01, 0.01), ("a", "RealNVP", 0.8, 0.7, 0.01, 0.01)], 0.1
    )
    claim = evaluate_claims({"fig5": one})[4]
    assert claim.status == "not evaluated" and "Only one ratio" in claim.evidence[-1]
    two = pd.concat(
        [
            one,
            cells(
                [
                    ("a", "RobustRealNVP", 0.7, 0.8, 0.01, 0.01),
                    ("a", "RealNVP", 0.8, 0.7, 0.01, 0.01),
                ],
                0.2,
            ),
        ]
    )
    assert evaluate_claims({"fig5": two})[4].status == "partly holds"


# ---------------------------------------------------------------------- the claims' registry
#: The paper's claims as the verdict lists them (ids, texts and order are part of the report).
PAPER_CLAIMS = [
    (
        "best_average_rank_on_odds",
        "RobustRealNVP has the best average rank on the 16 ODDS datasets (Table 1).",
    ),
    ("beats_real_nvp", "RobustRealNVP beats Real NVP (Tables 1 and 2)."),
    (
        "spectral_normalisation_helps_on_clustered_anomalies",
        "Spectral normalisation helps, above all on clustered anomalies "
        "(Figures 3 and 4; the clustered half of Table 2).",
    ),
    (
        "stable_under_a_mis_set_trimming_ratio",
        "RobustRealNVP is stable when the trimming ratio ε is over- or under-estimated (Figure 6).",
    ),
    (
        "above_real_nvp_as_contamination_grows",
        "RobustRealNVP stays above Real NVP as the true anomaly ratio grows (Figure 5).",
    ),
]


def test_each_registered_claim_has_a_unique_id_and_text_in_the_papers_order():
    assert [(c.id, c.text) for c in CLAIMS.values()] == PAPER_CLAIMS
    assert all(key == claim.id for key, claim in CLAIMS.items())
    assert len({c.text for c in CLAIMS.values()}) == len(CLAIMS)
    claims = evaluate_claims({})
    assert [(c.id, c.claim) for c in claims] == PAPER_CLAIMS
    assert {c.status for c in claims} == {"not evaluated"}


def test_a_duplicate_claim_registration_is_an_error_naming_it():
    before = dict(CLAIMS)
    with pytest.raises(ValueError, match="claim 'beats_real_nvp' is already registered"):

        @paper_claim("beats_real_nvp", "Another text.")
        def again(inputs: ClaimInputs, evidence: list[str]) -> str:
            return "holds"

    assert CLAIMS == before


def test_a_registered_claim_is_evaluated_after_the_others(monkeypatch):
    monkeypatch.setattr(verdict, "CLAIMS", dict(CLAIMS))

    @paper_claim("counts_experiments", "The report has experiments.")
    def counts(inputs: ClaimInputs, evidence: list[str]) -> str:
        evidence.append(f"{len(inputs.compared)} experiment(s).")
        return "holds" if inputs.compared else "not evaluated"

    claims = evaluate_claims({"fig5": cells([("a", "RobustRealNVP", 0.9, 0.8, 0.01, 0.01)])})
    assert [c.id for c in claims] == [i for i, _ in PAPER_CLAIMS] + ["counts_experiments"]
    assert (claims[-1].status, claims[-1].evidence) == ("holds", ["1 experiment(s)."])
    assert "counts_experiments" not in CLAIMS  # registered in the test's copy only


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        ({"A": 1.5, "RobustRealNVP": 1.5, "B": 3.0}, (1, 1)),  # tied first, listed second
        ({"RobustRealNVP": 1.5, "A": 1.5, "B": 3.0}, (1, 1)),  # the order does not matter
        ({"A": 1.0, "B": 2.5, "RobustRealNVP": 2.5}, (2, 1)),
        ({"A": 1.0, "B": 2.0, "RobustRealNVP": 3.0}, (3, 0)),
        ({"RobustRealNVP": 1.0, "A": 2.0}, (1, 0)),
    ],
)
def test_rank_position_counts_strictly_better_methods_and_ties(ranks, expected):
    assert verdict.rank_position(pd.Series(ranks), "RobustRealNVP") == expected


def test_rank_position_names_a_method_without_a_rank():
    with pytest.raises(KeyError, match="'LOF' has no average rank; ranked: A, B"):
        verdict.rank_position(pd.Series({"A": 1.0, "B": 2.0}), "LOF")
