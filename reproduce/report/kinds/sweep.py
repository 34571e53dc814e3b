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
    ]
