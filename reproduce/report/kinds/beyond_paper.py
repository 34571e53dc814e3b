"""``beyond_paper`` (the ADBench experiment): the paper's claims on datasets it did not use.

The AUC table of our runs (no paper column: the paper has no values here) with average ranks,
Friedman/Nemenyi (critical-difference diagram) and Wilcoxon against the reference method, over
every dataset; the paper's claims re-evaluated on the datasets new to the paper and on all of
them (:mod:`reproduce.report.subset_claims`); and, for the datasets that are also ODDS datasets
of the paper, the same method on both versions (:mod:`reproduce.report.odds_overlap`). A partial
store renders: missing cells are shown as missing and every count says how many have results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reproduce.report.context import SectionContext
from reproduce.report.odds_overlap import (
    ODDS_EXPERIMENTS,
    markdown_overlap,
    odds_points,
    odds_summary,
    overlap_frame,
)
from reproduce.report.significance import significance_lines
from reproduce.report.subset_claims import evaluate_on_subsets, markdown_claims
from reproduce.results import auc_matrix
from reproduce.tables import average_ranks, markdown_auc_table, rank_table

#: The option that caps the training part (datasets.adbench.AdbenchOptions).
CAP_OPTION = "max_train_rows"


def odds_pairs(names: list[str]) -> dict[str, str]:
    """Dataset name -> its ODDS counterpart, for the datasets that have one (ADBench's 15)."""
    from datasets.adbench import ADBENCH_BY_NAME

    return {
        name: ADBENCH_BY_NAME[name].odds_name
        for name in names
        if name in ADBENCH_BY_NAME and ADBENCH_BY_NAME[name].odds_name is not None
    }


def render(context: SectionContext) -> list[str]:
    """Writes ``tables/<experiment>_auc.md``, ``_ranks.csv``, ``_claims.csv``,
    ``_odds_overlap.csv`` and the statistics' files (CD diagram, Nemenyi, Wilcoxon)."""
    experiment, compared = context.experiment, context.compared
    methods, names = context.methods, context.datasets
    matrix = auc_matrix(compared, methods, names)
    ours, n_used = average_ranks(matrix)
    ranks = rank_table(ours, None, None)
    ranks.index.name = "method"
    ranks["n_datasets_ranked"] = n_used  # those where every method has a result
    context.section.ranks = ranks
    context.add_table(ranks.reset_index(), f"{experiment.name}_ranks.csv")
    md = markdown_auc_table(compared, methods, names, ranks)
    context.add_table_text(f"{experiment.name}_auc.md", md)
    n_cells = len(names) * len(methods)
    n_filled = int(matrix.notna().sum().sum())
    complete = int(matrix.notna().all(axis=1).sum())
    lines = [
        "ROC-AUC on the test part, mean ± std over seeds; best mean per dataset in bold; — "
        f"where a cell has no finished run. {n_filled} of {n_cells} cells ({len(names)} datasets "
        f"× {len(methods)} methods) have results; {complete} dataset(s) have all methods, and "
        f"the average ranks are over those (rank 1 = best; ties share the mean rank).",
    ]
    bound = _capped_datasets(context)
    lines += _cap_lines(context, bound)
    lines += ["", md]
    lines += significance_lines(context, matrix)
    pairs = odds_pairs(names)
    new = [name for name in names if name not in pairs]
    lines += _claim_lines(context, matrix, new, names)
    lines += _overlap_lines(context, pairs, bound)
    return lines


def _capped_datasets(context: SectionContext) -> list[str]:
    """The datasets whose finished runs had their training part capped (it holds exactly the
    cap's rows: the cap draws that many from a larger training part)."""
    cap = context.experiment.data_options().get(CAP_OPTION)
    if cap is None:
        return []
    done = context.runs[context.runs["status"] == "done"]
    n_train = pd.to_numeric(done["n_train"], errors="coerce")
    return sorted(set(done.loc[n_train == cap, "dataset"]))


def _cap_lines(context: SectionContext, bound: list[str]) -> list[str]:
    """What the training-row cap is and on which datasets it removed rows."""
    cap = context.experiment.data_options().get(CAP_OPTION)
    if cap is None:
        return [" No cap on the training rows."]
    return [
        f" Training parts capped at {cap:,} rows (`{CAP_OPTION}`): a seeded subsample "
        "stratified by label, the same for every method, never applied to the test part"
        + (
            f"; among the datasets with results it binds on {len(bound)}: " + ", ".join(bound) + "."
            if bound
            else "; it binds on none of the datasets with results."
        )
    ]


def _claim_lines(
    context: SectionContext, matrix: pd.DataFrame, new: list[str], names: list[str]
) -> list[str]:
    subsets = {
        f"{len(new)} datasets new to the paper": new,
        f"all {len(names)} datasets": names,
    }
    frame = evaluate_on_subsets(matrix, subsets)
    context.add_table(frame, f"{context.experiment.name}_claims.csv")
    return [
        "",
        "**The paper's claims on these datasets**, with the verdict's criteria (a pairwise claim "
        "holds when the method has the higher mean AUC on more than half of the datasets where "
        "both have a result and the higher mean over them; the rank claim counts only datasets "
        "where every method has a result):",
        "",
        markdown_claims(frame),
    ]


def _overlap_lines(context: SectionContext, pairs: dict[str, str], bound: list[str]) -> list[str]:
    if not pairs:
        return ["", "No dataset of this experiment is also an ODDS dataset of the paper.", ""]
    experiment, methods = context.experiment, context.methods
    points = odds_points(experiment, pairs, methods)
    odds = odds_summary(context.sources, points, context.output.root)
    frame = overlap_frame(context.compared, odds, pairs, methods)
    context.add_table(frame, f"{experiment.name}_odds_overlap.csv")
    n_both = int(frame["difference"].notna().sum())
    cap = experiment.data_options().get(CAP_OPTION)
    odds_rows = odds[odds["n_done"] > 0] if len(odds) else odds
    capped_pairs = [name for name in pairs if name in bound]
    note = (
        f" ADBench's training parts are capped at {cap:,} rows, ODDS's are not: a dataset "
        "whose training part is larger differs by the cap too"
        + (f" ({', '.join(capped_pairs)})." if capped_pairs else " (none with results here).")
        if cap is not None
        else ""
    )
    return [
        "",
        f"**ADBench's version beside ODDS's** for the {len(pairs)} datasets in both (ADBench / "
        f"ODDS mean AUC, the difference beneath). The ODDS runs are those of "
        + " and ".join(f"`{name}`" for name in ODDS_EXPERIMENTS)
        + " (same method and parameters, ODDS's protocol), read from the store or their "
        f"committed results CSVs: {len(odds_rows)} ODDS cell(s) found; {n_both} of "
        f"{len(frame)} cells have both versions.{note}",
        "",
        markdown_overlap(frame, methods),
        _difference_sentence(frame),
    ]


def _difference_sentence(frame: pd.DataFrame) -> str:
    both = frame[frame["difference"].notna()]
    if both.empty:
        return ""
    diff = both["difference"].to_numpy()
    return (
        f"Over the {len(both)} cells with both: mean |Δ| {np.mean(np.abs(diff)):.3f}, largest "
        f"{diff[np.argmax(np.abs(diff))]:+.3f}.\n"
    )
