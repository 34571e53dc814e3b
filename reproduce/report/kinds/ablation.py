"""``ablation`` (Figure 4): two methods side by side: AUC table, figure and statistics."""

from __future__ import annotations

from reproduce.report.context import SectionContext
from reproduce.report.significance import significance_lines
from reproduce.results import auc_matrix
from reproduce.tables import markdown_auc_table


def render(context: SectionContext) -> list[str]:
    """Writes ``tables/<experiment>_auc.md``, ``figures/<experiment>.png|pdf`` and the
    statistics' files."""
    from reproduce import figures

    experiment, compared = context.experiment, context.compared
    methods, datasets = context.methods, context.datasets
    md = markdown_auc_table(compared, methods, datasets)
    context.add_table_text(f"{experiment.name}_auc.md", md)
    figure = figures.ablation_figure(compared, methods, datasets, experiment.title)
    paths = context.add_figure(figure, experiment.name)
    lines = [f"![{experiment.name}]({context.link(paths[0])})", "", md]
    lines += significance_lines(context, auc_matrix(compared, methods, datasets))
    return lines
