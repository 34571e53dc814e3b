"""The anytime-AUC part of an ``auc_table`` section: test AUC at the recorded epoch budgets
(:mod:`reproduce.anytime`), when the experiment's runs record it."""

from __future__ import annotations

from reproduce.report.context import SectionContext
from reproduce.tables import markdown_frame


def anytime_lines(context: SectionContext) -> list[str]:
    """Markdown of the anytime AUC; writes ``tables/<experiment>_anytime.csv`` and its figure.
    Empty when no run records it."""
    from reproduce import anytime, figures

    runs, experiment = context.runs, context.experiment
    rows = anytime.anytime_rows(runs, context.sources.records)
    if rows.empty:
        return []
    summary = anytime.anytime_summary(rows)
    paper = anytime.paper_means(rows, context.paper_auc)
    name = f"{experiment.name}_anytime"
    context.add_table(summary, f"{name}.csv")
    figure = figures.anytime_figure(
        summary, paper, f"{experiment.title}: test AUC by training epochs"
    )
    paths = context.add_figure(figure, name)
    n_runs = rows.groupby(["dataset", "method", "seed"]).ngroups
    n_done = int((runs["status"] == "done").sum())
    table = summary.merge(paper.drop(columns="n_datasets"), on=["group", "method"], how="left")
    return [
        "",
        f"**Test AUC by training epochs** (anytime AUC, {n_runs} of the {n_done} finished runs "
        "record it: flow runs computed since it was added). Each run's test AUC after 10, 20, "
        "50 and 100 epochs, in the same fit, beside its last epoch's; mean over datasets of "
        "the per-dataset mean. The reported AUCs stay the last epoch's, as the protocol says: "
        "nothing is selected on these; they show what the epoch budget costs.",
        "",
        f"![{name}]({context.link(paths[0])})",
        "",
        markdown_frame(table, {"auc_mean": ".3f", "auc_std": ".3f", "paper_mean": ".3f"}),
    ]
