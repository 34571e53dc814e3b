"""``protocol_comparison``: per dataset and method, one column per protocol variant of the
experiment beside the paper's value, with a mean row over the datasets every column covers.

Its cells are compared with the paper but never flagged: the flags and their causes
(``results/causes.toml``) are about the project protocol's experiments. Writes
``tables/<experiment>_auc.csv`` in long form (dataset, method, variant, auc_mean, auc_std, n_done,
paper_mean), ``tables/<experiment>_means.csv`` (the mean row) and ``tables/<experiment>_auc.md``
(datasets x method/variant, with the mean row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reproduce.report.context import SectionContext
from reproduce.report.variants import options_text

#: The columns of ``tables/<experiment>_auc.csv`` of a kind with variants (long form).
LONG_COLUMNS = ["dataset", "method", "variant", "auc_mean", "auc_std", "n_done", "paper_mean"]


def render(context: SectionContext) -> list[str]:
    experiment, compared = context.experiment, context.compared
    variants = experiment.variants
    table = protocol_table(compared, context.methods, context.datasets, [v.name for v in variants])
    long = compared.rename(columns={"sweep_value": "variant"})[LONG_COLUMNS]
    context.add_table(long, f"{experiment.name}_auc.csv")
    context.add_table(table.means, f"{experiment.name}_means.csv")
    md = table.markdown(int(context.runs["seed"].nunique()))
    context.add_table_text(f"{experiment.name}_auc.md", md)
    legend = []
    for variant in variants:
        changes = [f"data: {options_text(variant.data)}"] if variant.data else []
        changes += [
            f"{method}: {options_text(params)}"
            for method, params in variant.params.items()
            if params
        ]
        if experiment.is_base_variant(variant.name):
            what = "no override: the runs of the experiment's own settings"
        else:
            what = "; ".join(changes)
        legend.append(f"- `{variant.name}` — {variant.label}: {what}.")
    return [
        "Test ROC-AUC, mean ± std over seeds, per method under each protocol variant (columns "
        "named by variant), beside the paper's mean where the paper has one (— where not). "
        "Variants:",
        "",
        *legend,
        "",
        f"The **mean** row averages each column over the {table.n_complete} dataset(s) where "
        "every column that has any value has one (columns without any value are left out), so "
        "all its entries are over the same datasets. Cells are compared with the paper but not "
        "flagged: the † flags and their likely causes (`results/causes.toml`) belong to the "
        "experiments that report the project protocol on their own.",
        "",
        md,
    ]


@dataclass
class ProtocolTable:
    """The table of a ``protocol_comparison`` report: datasets x (method, variant or paper).

    Attributes
    ----------
    columns : list of (method, column)
        ``column`` is a variant name or ``"paper"``.
    means, stds : DataFrame
        Mean AUC over seeds (the paper's mean in the paper columns) and its std, indexed by
        dataset, one column per entry of ``columns``.
    n_done : DataFrame
        Finished seeds per cell (NaN in the paper columns).
    complete : list of str
        Datasets where every column that has any value has one (those of the mean row).
    """

    columns: list[tuple[str, str]]
    mean: pd.DataFrame
    std: pd.DataFrame
    n_done: pd.DataFrame
    complete: list[str]

    @property
    def n_complete(self) -> int:
        """Number of datasets behind the mean row."""
        return len(self.complete)

    @property
    def means(self) -> pd.DataFrame:
        """Long frame of the mean row: ``method, column, auc_mean_over_datasets, n_datasets``."""
        rows = []
        for key in self.columns:
            values = self.mean.loc[self.complete, key] if self.complete else pd.Series(dtype=float)
            usable = self.mean[key].notna().any()
            rows.append(
                {
                    "method": key[0],
                    "column": key[1],
                    "auc_mean_over_datasets": float(values.mean())
                    if usable and len(values)
                    else np.nan,
                    "n_datasets": len(values) if usable else 0,
                }
            )
        return pd.DataFrame(rows)

    def markdown(self, n_seeds: int) -> str:
        """The table as Markdown; ``(n=k)`` marks cells with fewer than ``n_seeds`` seeds."""
        header = "| Dataset | " + " | ".join(f"{m}: {c}" for m, c in self.columns) + " |"
        lines = [header, "|---|" + "---:|" * len(self.columns)]
        for dataset in self.mean.index:
            cells = []
            for key in self.columns:
                mean = self.mean.loc[dataset, key]
                if not np.isfinite(mean):
                    cells.append("—")
                elif key[1] == "paper":
                    cells.append(f"{mean:.3f}")
                else:
                    std = self.std.loc[dataset, key]
                    text = f"{mean:.3f} ± {std:.3f}" if np.isfinite(std) else f"{mean:.3f}"
                    n = self.n_done.loc[dataset, key]
                    if np.isfinite(n) and n < n_seeds:
                        text += f" (n={int(n)})"
                    cells.append(text)
            lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
        means = self.means.set_index(["method", "column"])["auc_mean_over_datasets"]
        cells = [
            f"**{means[key]:.3f}**" if np.isfinite(means[key]) else "—" for key in self.columns
        ]
        lines.append(f"| **mean** ({self.n_complete} datasets) | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"


def protocol_table(
    compared: pd.DataFrame,
    methods: Sequence[str],
    datasets: Sequence[str],
    variants: Sequence[str],
) -> ProtocolTable:
    """Arrange a ``protocol_comparison`` experiment's per-cell summary (``sweep_value`` = the
    variant) as datasets x (method, variant ..., paper)."""
    columns = [(m, v) for m in methods for v in [*variants, "paper"]]
    index = pd.Index(list(datasets), name="dataset")
    mean = pd.DataFrame(np.nan, index=index, columns=pd.MultiIndex.from_tuples(columns))
    std, n_done = mean.copy(), mean.copy()
    for cell in compared.itertuples():
        if cell.dataset not in index or cell.method not in methods:
            continue
        if cell.sweep_value in variants:
            key = (cell.method, cell.sweep_value)
            mean.loc[cell.dataset, key] = cell.auc_mean
            std.loc[cell.dataset, key] = cell.auc_std
            n_done.loc[cell.dataset, key] = cell.n_done
        if np.isfinite(cell.paper_mean):
            mean.loc[cell.dataset, (cell.method, "paper")] = cell.paper_mean
    usable = [key for key in columns if mean[key].notna().any()]
    complete = [d for d in index if usable and mean.loc[d, usable].notna().all()]
    return ProtocolTable(columns, mean, std, n_done, complete)
