"""The report's figures (matplotlib, Agg backend), each saved as PNG and PDF."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

#: Fixed colours so a method looks the same in every figure.
METHOD_COLOURS = {
    "RobustRealNVP": "#d62728",
    "RealNVP": "#1f77b4",
    "TrimRealNVP": "#ff7f0e",
    "AE": "#2ca02c",
    "VAE": "#9467bd",
    "SO-GAAL": "#8c564b",
    "Deep-SVDD": "#e377c2",
    "OCSVM": "#7f7f7f",
    "LOF": "#bcbd22",
    "IF": "#17becf",
}
#: Log-densities more than this far below a panel's maximum are shown at the colour floor.
LOG_DENSITY_RANGE = 12.0


def colour(method: str) -> str | None:
    """The method's colour (None lets matplotlib choose for unknown methods)."""
    return METHOD_COLOURS.get(method)


def save_figure(figure: plt.Figure, stem: Path) -> list[Path]:
    """Save ``figure`` as ``<stem>.png`` (150 dpi) and ``<stem>.pdf`` (reproducible bytes); close
    it; return the paths."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    # No creation dates or software versions in the files: re-rendering the same results gives
    # the same bytes, so regenerated figures only show up in git when they changed.
    figure.savefig(paths[0], dpi=150, bbox_inches="tight", metadata={"Software": None})
    figure.savefig(paths[1], bbox_inches="tight", metadata={"CreationDate": None, "Producer": None})
    plt.close(figure)
    return paths


def cd_diagram(
    ranks: pd.Series, p_values: pd.DataFrame, cd: float, title: str, alpha: float = 0.05
) -> plt.Figure:
    """Critical-difference diagram (``scikit_posthocs.critical_difference_diagram``): average
    ranks on the axis; methods not significantly different (Nemenyi, ``alpha``) joined by a bar."""
    import scikit_posthocs

    figure, axis = plt.subplots(figsize=(8, 0.45 * len(ranks) + 1.6))
    scikit_posthocs.critical_difference_diagram(
        ranks,
        p_values,
        ax=axis,
        alpha=alpha,
        cd=cd if np.isfinite(cd) else None,
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
        color_palette={m: c for m, c in METHOD_COLOURS.items() if m in ranks.index},
    )
    axis.set_title(title, fontsize=10, pad=24)
    return figure


def ablation_figure(
    summary: pd.DataFrame, methods: Sequence[str], datasets: Sequence[str], title: str
) -> plt.Figure:
    """Grouped bars: mean AUC ± std per dataset for each method (Figure 4)."""
    cells = summary.set_index(["dataset", "method"])
    figure, axis = plt.subplots(figsize=(max(6.0, 0.6 * len(datasets) + 2), 3.6))
    width = 0.8 / len(methods)
    positions = np.arange(len(datasets))
    for i, method in enumerate(methods):
        means = [cells["auc_mean"].get((d, method), np.nan) for d in datasets]
        stds = [cells["auc_std"].get((d, method), np.nan) for d in datasets]
        axis.bar(
            positions + (i - (len(methods) - 1) / 2) * width,
            means,
            width,
            yerr=np.nan_to_num(stds),
            capsize=2,
            label=method,
            color=colour(method),
            edgecolor="black",
            linewidth=0.4,
        )
    axis.set_xticks(positions, datasets, rotation=45, ha="right")
    axis.set_ylabel("ROC-AUC (mean ± std over seeds)")
    finite = summary["auc_mean"].dropna()
    low = max(0.0, math.floor((finite.min() - 0.1) * 10) / 10) if len(finite) else 0.0
    axis.set_ylim(low, 1.0)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(loc="lower left", fontsize=8)
    axis.set_title(title, fontsize=10)
    return figure


def sweep_figure(
    summary: pd.DataFrame,
    methods: Sequence[str],
    datasets: Sequence[str],
    x_label: str,
    title: str,
) -> plt.Figure:
    """AUC against the swept value: one panel per dataset plus the mean over datasets
    (Figures 5 and 6)."""
    panels = [*datasets, "mean over datasets"]
    n_cols = min(4, len(panels))
    n_rows = math.ceil(len(panels) / n_cols)
    figure, axes = plt.subplots(
        n_rows, n_cols, figsize=(3.0 * n_cols, 2.4 * n_rows), sharex=True, squeeze=False
    )
    for axis, panel in zip(axes.ravel(), panels):
        for method in methods:
            rows = summary[summary["method"] == method]
            if panel == "mean over datasets":
                grouped = rows.groupby("sweep_value", sort=True)["auc_mean"]
                x = grouped.mean().index.to_numpy(dtype=float)
                y, err = grouped.mean().to_numpy(), grouped.std(ddof=1).to_numpy()
            else:
                rows = rows[rows["dataset"] == panel].sort_values("sweep_value")
                x = rows["sweep_value"].to_numpy(dtype=float)
                y, err = rows["auc_mean"].to_numpy(), rows["auc_std"].to_numpy()
            axis.errorbar(
                x,
                y,
                yerr=np.nan_to_num(err),
                marker="o",
                markersize=3,
                capsize=2,
                label=method,
                color=colour(method),
            )
        axis.set_title(
            "mean ± std over datasets" if panel == "mean over datasets" else panel, fontsize=9
        )
        axis.grid(alpha=0.3)
    for axis in axes.ravel()[len(panels) :]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel(x_label)
    for axis in axes[:, 0]:
        axis.set_ylabel("ROC-AUC")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        loc="upper center",
        ncol=len(methods),
        fontsize=8,
        bbox_to_anchor=(0.5, 1.0),
    )
    figure.suptitle(title, fontsize=10, y=1.04)
    figure.tight_layout()
    return figure


def load_density_grid(data: bytes) -> Mapping[str, np.ndarray]:
    """The arrays of a stored ``density_grid`` artifact."""
    with np.load(io.BytesIO(data)) as archive:
        return {name: archive[name] for name in archive.files}


def density_figure(
    grids: Mapping[str, Mapping[str, np.ndarray]],
    aucs: Mapping[str, float],
    title: str,
) -> plt.Figure:
    """The training data, then each method's estimated log-density on the grid (Figures 2, 3).

    ``grids`` maps method -> arrays of :func:`load_density_grid` (the first one's training data
    is drawn in the data panel).
    """
    methods = list(grids)
    figure, axes = plt.subplots(
        1, len(methods) + 1, figsize=(3.2 * (len(methods) + 1), 3.3), squeeze=False
    )
    axes = axes[0]
    first = grids[methods[0]]
    X, y = first["X_train"], first["y_train"].astype(bool)
    extent = (first["x"][0], first["x"][-1], first["y"][0], first["y"][-1])
    axes[0].scatter(X[~y, 0], X[~y, 1], s=1, c="#1f77b4", alpha=0.4, label="normal")
    axes[0].scatter(X[y, 0], X[y, 1], s=2, c="#d62728", alpha=0.7, label="anomaly")
    axes[0].set_title("training data", fontsize=9)
    axes[0].legend(loc="upper left", fontsize=7, markerscale=4)
    for axis, method in zip(axes[1:], methods):
        grid = grids[method]
        log_density = np.asarray(grid["log_density"], dtype=float)
        top = np.nanmax(log_density)
        axis.imshow(
            np.clip(log_density, top - LOG_DENSITY_RANGE, top),
            origin="lower",
            extent=(grid["x"][0], grid["x"][-1], grid["y"][0], grid["y"][-1]),
            aspect="auto",
            cmap="viridis",
        )
        auc = aucs.get(method)
        suffix = f" (AUC {auc:.3f})" if auc is not None and np.isfinite(auc) else ""
        axis.set_title(f"{method}{suffix}", fontsize=9)
    for axis in axes:
        axis.set_xlim(extent[0], extent[1])
        axis.set_ylim(extent[2], extent[3])
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(
        f"{title}\nlog-density, clipped to {LOG_DENSITY_RANGE:g} below each maximum", fontsize=9
    )
    figure.tight_layout()
    return figure


def anytime_figure(summary: pd.DataFrame, paper: pd.DataFrame, title: str) -> plt.Figure:
    """Mean test AUC against the training epochs, one panel per group of datasets, with the
    paper's mean (reported at the last epoch) as a star in the method's colour."""
    groups = list(dict.fromkeys(summary["group"]))
    figure, axes = plt.subplots(
        1, len(groups), figsize=(4.2 * len(groups), 3.2), sharey=True, squeeze=False
    )
    last_epoch = int(summary["epoch"].max())
    for axis, group in zip(axes[0], groups):
        rows = summary[summary["group"] == group]
        for method in dict.fromkeys(rows["method"]):
            line = rows[rows["method"] == method].sort_values("epoch")
            axis.plot(
                line["epoch"],
                line["auc_mean"],
                marker="o",
                markersize=3,
                label=method,
                color=colour(method),
            )
            marked = paper[(paper["group"] == group) & (paper["method"] == method)]
            if not marked.empty:
                axis.plot(
                    [last_epoch],
                    marked["paper_mean"].to_numpy()[:1],
                    marker="*",
                    markersize=11,
                    linestyle="none",
                    color=colour(method),
                    label=f"{method} (paper, epoch {last_epoch})",
                )
        axis.set_xscale("log")
        axis.set_xlabel("training epochs")
        axis.set_title(group, fontsize=9)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    axes[0, 0].set_ylabel("mean test ROC-AUC over datasets")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
