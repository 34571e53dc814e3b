"""``density`` (Figures 2 and 3): each two-moons dataset's estimated densities (the grids stored
with the first seed's runs) and the AUC table."""

from __future__ import annotations

from reproduce.report.context import SectionContext
from reproduce.store import CorruptRecordError
from reproduce.tables import markdown_auc_table


def render(context: SectionContext) -> list[str]:
    """Writes ``figures/<experiment>_<dataset>.png|pdf`` per dataset with a density grid."""
    lines = []
    for dataset in context.datasets:
        lines += _dataset_figure(context, dataset)
    md = markdown_auc_table(context.compared, context.methods, context.datasets)
    lines += ["Test ROC-AUC (mean ± std over seeds):", "", md]
    return lines


def _dataset_figure(context: SectionContext, dataset: str) -> list[str]:
    """One dataset's figure: the density grid of each method's first seed, from the store. A
    section rendered from the results CSV (no grids there) keeps the figure rendered before."""
    from reproduce import figures

    experiment, runs = context.experiment, context.runs
    done = runs[runs["status"] == "done"]
    lines: list[str] = []
    grids, aucs, seeds_shown = {}, {}, set()
    for method in context.methods:
        rows = done[(done["dataset"] == dataset) & (done["method"] == method)]
        if rows.empty:
            continue
        first = rows.sort_values("seed").iloc[0]
        record = context.sources.records.get(first["run_id"])
        if record is None:  # rendered from the results CSV: no density grids
            continue
        try:
            grids[method] = figures.load_density_grid(
                context.sources.read_artifact(record, "density_grid")
            )
        except (KeyError, CorruptRecordError) as exc:
            lines.append(f"> {method} on {dataset}: density grid unavailable ({exc})")
            continue
        aucs[method] = float(first["roc_auc"])
        seeds_shown.add(int(first["seed"]))
    if not grids:
        existing = context.output.figures_dir / f"{experiment.name}_{dataset}.png"
        if context.section.source != "store" and existing.is_file():
            lines += [
                f"![{experiment.name} {dataset}]({context.link(existing)})",
                "",
                "> The density grids are in the run store, not in the results CSV: the "
                "figure above is the one rendered from the store, kept unchanged.",
                "",
            ]
            context.section.files.append(existing)
        else:
            lines.append(f"No finished runs with a density grid for {dataset}.\n")
        return lines
    seed_text = ", ".join(str(s) for s in sorted(seeds_shown))
    figure = figures.density_figure(
        grids, aucs, f"{experiment.title} — {dataset} (seed {seed_text})"
    )
    paths = context.add_figure(figure, f"{experiment.name}_{dataset}")
    return lines + [f"![{experiment.name} {dataset}]({context.link(paths[0])})", ""]
