"""``auc_table`` (Tables 1 and 2): the AUC table with the paper's values, average ranks,
Friedman/Nemenyi and Wilcoxon tests, and the anytime AUC of the runs that record it."""

from __future__ import annotations

import pandas as pd

from reproduce.report.anytime_auc import anytime_lines
from reproduce.report.context import SectionContext
from reproduce.report.significance import significance_lines
from reproduce.results import auc_matrix
from reproduce.tables import average_ranks, latex_auc_table, markdown_auc_table, rank_table


def render(context: SectionContext) -> list[str]:
    """Writes ``tables/<experiment>_ranks.csv``, ``_auc.md``, ``_auc.tex`` and the statistics'
    files; sets the section's ``ranks`` (the verdict's average-rank claim reads them)."""
    experiment, compared = context.experiment, context.compared
    methods, datasets = context.methods, context.datasets
    matrix = auc_matrix(compared, methods, datasets)
    ranks, n_used = _ranks(context, matrix)
    md = markdown_auc_table(compared, methods, datasets, ranks)
    tex = latex_auc_table(
        compared,
        methods,
        datasets,
        ranks,
        caption=experiment.title,
        label=f"tab:{experiment.name}",
    )
    context.add_table_text(f"{experiment.name}_auc.md", md)
    context.add_table_text(f"{experiment.name}_auc.tex", tex)
    n_flagged = int(compared["flag"].sum())
    n_compared = int(compared["paper_mean"].notna().sum())
    lines = [
        "ROC-AUC on the test part, mean ± std over seeds; best mean per dataset in bold. "
        + (
            "Beneath each cell the paper's value and the difference (ours − paper); "
            "† marks the "
            f"{n_flagged} of {n_compared} cells where |ours − paper| > 2 × the larger std."
            if n_compared
            else "The paper has no values for this experiment."
        )
        + f" Average ranks over the {n_used} datasets where every method has a result "
        "(rank 1 = best; ties share the mean rank). "
        + seeds_per_cell(compared, len(experiment.seeds)),
        "",
        md,
    ]
    lines += significance_lines(context, matrix)
    lines += anytime_lines(context)
    return lines


def _ranks(context: SectionContext, matrix: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Our average ranks beside the paper's (as printed and from its means); writes
    ``tables/<experiment>_ranks.csv``. Returns the table and the number of datasets ranked."""
    methods, datasets, paper_auc = context.methods, context.datasets, context.paper_auc
    ours, n_used = average_ranks(matrix)
    paper_from_means = None
    if paper_auc is not None:
        paper_matrix = paper_auc.pivot_table(index="dataset", columns="method", values="auc_mean")
        paper_matrix = paper_matrix.reindex(index=datasets, columns=methods)
        if paper_matrix.notna().all().all():
            paper_from_means, _ = average_ranks(paper_matrix)
    printed = context.paper_rank.reindex(methods) if context.paper_rank is not None else None
    ranks = rank_table(ours, printed, paper_from_means)
    ranks.index.name = "method"
    context.section.ranks = ranks
    context.add_table(ranks.reset_index(), f"{context.experiment.name}_ranks.csv")
    return ranks, n_used


def seeds_per_cell(compared: pd.DataFrame, n_configured: int) -> str:
    """A sentence saying how many seeds the cells of a table have (of ``n_configured``)."""
    counts = compared["n_done"].astype(int)
    if counts.empty:
        return ""
    low, high = int(counts.min()), int(counts.max())
    if low == high:
        return f"Every cell has {high} seed(s) of the {n_configured} configured."
    return (
        f"Cells have {low} to {high} seed(s) of the {n_configured} configured; a cell with fewer "
        f"than {high} shows its count as (n = k)."
    )
