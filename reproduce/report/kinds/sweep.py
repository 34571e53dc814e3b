"""``sweep`` (Figures 5 and 6): AUC against a varied data option or parameter."""

from __future__ import annotations

from reproduce.report.context import SectionContext
from reproduce.tables import markdown_frame


def render(context: SectionContext) -> list[str]:
    """Writes ``figures/<experiment>.png|pdf`` and ``tables/<experiment>_overview.csv`` (mean over
    datasets per method and swept value)."""
    from reproduce import figures

    experiment, compared = context.experiment, context.compared
    sweep = experiment.sweep
    x_label = f"{sweep.key} ({'data option' if sweep.section == 'data' else 'parameter'})"
    figure = figures.sweep_figure(
        compared, context.methods, context.datasets, x_label, experiment.title
    )
    paths = context.add_figure(figure, experiment.name)
    overview = (
        compared.groupby(["method", "sweep_value"], sort=False)["auc_mean"]
        .agg(["mean", "std", "count"])
        .reset_index()
        .rename(
            columns={
                "sweep_value": sweep.key,
                "mean": "auc_mean_over_datasets",
                "std": "std_over_datasets",
                "count": "n_datasets",
            }
        )
    )
    context.add_table(overview, f"{experiment.name}_overview.csv")
    return [
        f"![{experiment.name}]({context.link(paths[0])})",
        "",
        f"Mean over datasets of the per-dataset mean AUC, by {sweep.key}:",
        "",
        markdown_frame(overview, {"auc_mean_over_datasets": ".3f", "std_over_datasets": ".3f"}),
        *_anytime_lines(context),
    ]


def _anytime_lines(context: SectionContext) -> list[str]:
    """The sweep's test AUC by training epochs at each swept value, when its runs record the
    anytime AUC; writes ``tables/<experiment>_anytime.csv``."""
    from reproduce import anytime

    experiment = context.experiment
    rows = anytime.anytime_rows(context.runs, context.sources.records, ["sweep_value"])
    if rows.empty:
        return []
    summary = anytime.sweep_anytime_summary(rows)
    context.add_table(summary, f"{experiment.name}_anytime.csv")
    n_runs = rows.groupby(["dataset", "method", "seed", "sweep_value"]).ngroups
    n_done = int((context.runs["status"] == "done").sum())
    formats = {c: ".3f" for c in summary.columns if c.startswith("auc_at_") or c == "spread"}
    return [
        "",
        f"**Test AUC by training epochs and {experiment.sweep.key}** (anytime AUC, {n_runs} of "
        f"the {n_done} finished runs record it). Mean over datasets of the per-dataset mean AUC "
        f"at each {experiment.sweep.key} (`auc_at_<value>`), in the same fits; `spread`: the "
        f"mean over datasets of its range across the values of {experiment.sweep.key}. The "
        "reported AUCs stay the last epoch's: nothing is selected on these.",
        "",
        markdown_frame(summary, formats),
    ]
