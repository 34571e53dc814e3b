"""``baseline_fidelity``: per baseline, its mean AUC over datasets beside the paper's and, under
the protocol of a published benchmark (``reference_variant``), beside that benchmark's
(``reference_auc``). Writes ``tables/<experiment>_auc.csv`` (long form, with the reference's mean
on the reference variant's rows), ``tables/<experiment>_fidelity.csv`` and ``.md``; its cells are
compared with the paper but not flagged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reproduce.config import Variant
from reproduce.report.context import SectionContext
from reproduce.report.kinds.protocol_comparison import LONG_COLUMNS
from reproduce.report.variants import options_text
from reproduce.tables import (
    FIDELITY_TOLERANCE,
    PAPER_RUNS_PER_CELL,
    baseline_fidelity,
    markdown_fidelity_tables,
    read_reference_auc,
)


def render(context: SectionContext) -> list[str]:
    experiment, compared = context.experiment, context.compared
    methods, datasets = context.methods, context.datasets
    variants = experiment.variants
    base = next(v for v in variants if experiment.is_base_variant(v.name))
    reference, reference_name, notes = _reference(context)
    fidelity = baseline_fidelity(
        compared, methods, datasets, base.name, reference, experiment.reference_variant
    ).assign(variant=base.name)
    settings = {base.name: _settings(context, base)}
    # Variants other than the base and the reference's (e.g. another implementation of some
    # baselines): their overridden methods against the paper, a row each under the base's.
    for variant in variants:
        overridden = [m for m in methods if variant.params.get(m)]
        if variant.name in (base.name, experiment.reference_variant) or not overridden:
            continue
        rows = baseline_fidelity(compared, overridden, datasets, variant.name)
        fidelity = pd.concat([fidelity, rows.assign(variant=variant.name)], ignore_index=True)
        settings[variant.name] = _settings(context, variant)
    order = {m: i for i, m in enumerate(methods)}
    fidelity = fidelity.sort_values(
        "method", key=lambda c: c.map(order), kind="stable"
    ).reset_index(drop=True)
    long = compared.rename(columns={"sweep_value": "variant"})[LONG_COLUMNS]
    if reference is not None:
        lookup = reference.set_index(["dataset", "method"])["auc_mean"]
        long = long.assign(
            reference_mean=[
                lookup.get((d, m), np.nan) if v == experiment.reference_variant else np.nan
                for d, m, v in zip(long["dataset"], long["method"], long["variant"])
            ]
        )
    context.add_table(long, f"{experiment.name}_auc.csv")
    context.add_table(fidelity, f"{experiment.name}_fidelity.csv")

    reference_settings = {}
    if experiment.reference_variant is not None:
        reference_settings = _settings(context, experiment.variant(experiment.reference_variant))
    md = markdown_fidelity_tables(
        fidelity,
        settings,
        reference_settings,
        reference_name,
        n_datasets=len(datasets),
    )
    context.add_table_text(f"{experiment.name}_fidelity.md", md)
    legend = [
        f"- `{v.name}` — {v.label}: "
        + (
            "no override: the runs of the experiment's own settings"
            if experiment.is_base_variant(v.name)
            else "; ".join(f"{m}: {options_text(p)}" for m, p in v.params.items() if p)
            or "no parameter override"
        )
        + "."
        for v in variants
    ]
    lines = [
        *notes,
        "Each baseline's mean test ROC-AUC over the datasets (each dataset's mean over seeds) "
        f"beside the paper's mean over the same datasets, from the `{base.name}` runs (and "
        "from the runs of each other variant that overrides it, on a row of its own); "
        "*mean |Δ|* averages the per-dataset absolute differences. A mean is *within* when "
        f"it differs from the other by at most {FIDELITY_TOLERANCE:g}. *In seed SE*: the "
        "difference of the means over its standard error from the seed-to-seed spread of "
        "both sides (ours: each dataset's std over our seeds; the paper's: its printed std "
        f"over its {PAPER_RUNS_PER_CELL} runs); within ±2 the gap is within seed noise. "
        "Variants:",
        "",
        *legend,
        "",
    ]
    if reference is not None:
        lines += [
            f"The second table compares the baselines that {reference_name} published with "
            f"our `{experiment.reference_variant}` runs, the protocol that matches theirs, "
            f"over the datasets both cover (`{experiment.reference_auc}`, see the README of "
            "the paper folder for their protocol and the differences that remain).",
            "",
        ]
    lines.append(md)
    return lines


def _reference(context: SectionContext) -> tuple[pd.DataFrame | None, str, list[str]]:
    """The published benchmark's AUCs (``reference_auc``, None when not given or missing), its
    name in the report and a note when its file is missing."""
    experiment = context.experiment
    if not experiment.reference_auc:
        return None, "reference", []
    path = context.sources.paper_dir / experiment.reference_auc
    if not path.is_file():
        return None, "reference", [f"> reference table {path} not found: no reference comparison"]
    return read_reference_auc(path), reference_name(path), []


def reference_name(path: Path) -> str:
    """How the report names a reference table: ``PyOD`` for PyOD's benchmark, else its stem."""
    return "PyOD" if path.stem.startswith("pyod") else path.stem


def _settings(context: SectionContext, variant: Variant) -> dict[str, str]:
    """Per method, the variant's name and the implementation and input scaling its runs use."""
    out = {}
    for method in context.methods:
        params = context.experiment.method_params(method, variant.name)
        shown = {k: params[k] for k in ("implementation", "input_scaling") if k in params}
        out[method] = f"`{variant.name}`" + (f": {options_text(shown)}" if shown else "")
    return out
