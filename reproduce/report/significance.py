"""The statistics of a table of methods over datasets: Friedman test, Nemenyi critical-difference
diagram and Wilcoxon signed-rank tests against the experiment's reference method."""

from __future__ import annotations

import pandas as pd

from reproduce.report.context import SectionContext
from reproduce.tables import average_ranks, markdown_frame


def significance_lines(context: SectionContext, matrix: pd.DataFrame) -> list[str]:
    """Markdown of the tests on ``matrix`` (datasets x methods, mean AUC); writes the CD diagram,
    ``tables/<experiment>_nemenyi_p.csv`` and ``tables/<experiment>_wilcoxon.csv``."""
    from reproduce import figures, stats

    experiment = context.experiment
    lines: list[str] = []
    result = stats.friedman(matrix)
    if result is None:
        lines.append(
            "Friedman test: not computable (needs ≥ 3 methods and ≥ 2 complete datasets).\n"
        )
    else:
        lines.append(
            f"**Friedman test** over {result.n_datasets} datasets and "
            f"{result.n_methods} methods: "
            f"χ² = {result.statistic:.2f}, p = {result.p_value:.2g}."
        )
        p_values = stats.nemenyi(matrix)
        ranks, n_used = average_ranks(matrix)
        cd = stats.critical_difference(result.n_methods, result.n_datasets)
        if p_values is not None:
            figure = figures.cd_diagram(
                ranks,
                p_values,
                cd,
                f"{experiment.name}: average ranks (Nemenyi, α = 0.05, CD = {cd:.2f})",
            )
            paths = context.add_figure(figure, f"{experiment.name}_cd")
            lines[-1] += (
                f" Nemenyi critical difference at α = 0.05: CD = {cd:.2f} ranks "
                "(methods joined by a bar are not significantly different)."
            )
            lines += [
                "",
                f"![critical difference diagram]({context.link(paths[0])})",
                "",
            ]
            p_values.index.name = "method"
            context.add_table(p_values.reset_index(), f"{experiment.name}_nemenyi_p.csv")
    reference = experiment.reference_method
    if reference and reference in matrix.columns and matrix.shape[1] > 1:
        wilcoxon = stats.wilcoxon_against(matrix, reference)
        context.add_table(wilcoxon, f"{experiment.name}_wilcoxon.csv")
        lines += [
            "",
            f"**Wilcoxon signed-rank test**, {reference} vs each method over datasets "
            "(two-sided, mean AUC per dataset; wins/ties/losses of "
            f"{reference}; no multiple-comparison correction):",
            "",
            markdown_frame(
                wilcoxon,
                {"median_difference": "+.3f", "statistic": ".1f", "p_value": ".3g"},
            ),
        ]
    return lines
