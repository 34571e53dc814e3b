"""Paper comparison, average ranks and the Markdown/LaTeX renderings of AUC tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

#: Dataset spellings of the paper that differ from the registry's canonical names.
PAPER_DATASET_ALIASES = {"mammo": "mammography"}
#: A cell is flagged when |ours - paper| exceeds this many times the larger of the two stds.
FLAG_STD_FACTOR = 2.0
DAGGER = "†"


def read_paper_auc(path: Path) -> pd.DataFrame:
    """The paper's ``dataset, method, auc_mean, auc_std`` table, datasets under canonical names."""
    paper = pd.read_csv(path)
    expected = {"dataset", "method", "auc_mean", "auc_std"}
    if not expected <= set(paper.columns):
        raise ValueError(f"{path}: expected columns {sorted(expected)}, got {list(paper.columns)}")
    paper["dataset"] = paper["dataset"].replace(PAPER_DATASET_ALIASES)
    return paper


def read_paper_rank(path: Path) -> pd.Series:
    """The paper's printed average rank per method."""
    table = pd.read_csv(path)
    if not {"method", "avg_rank_as_printed"} <= set(table.columns):
        raise ValueError(f"{path}: expected columns method, avg_rank_as_printed")
    return table.set_index("method")["avg_rank_as_printed"].astype(float)


def compare_with_paper(summary: pd.DataFrame, paper: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``paper_mean``, ``paper_std``, ``difference`` (ours - paper) and ``flag`` columns.

    ``flag`` is True where ``|difference| > 2 * max(auc_std, paper_std)`` (a missing std counts
    as 0, so a single-seed result is compared with the paper's std only).
    """
    out = summary.copy()
    if paper is None:
        out["paper_mean"] = np.nan
        out["paper_std"] = np.nan
    else:
        lookup = paper.set_index(["dataset", "method"])
        keys = list(zip(out["dataset"], out["method"]))
        out["paper_mean"] = [lookup["auc_mean"].get(k, np.nan) for k in keys]
        out["paper_std"] = [lookup["auc_std"].get(k, np.nan) for k in keys]
    out["difference"] = out["auc_mean"] - out["paper_mean"]
    tolerance = FLAG_STD_FACTOR * np.fmax(out["auc_std"].fillna(0.0), out["paper_std"].fillna(0.0))
    out["flag"] = (out["difference"].abs() > tolerance) & out["difference"].notna()
    return out


def average_ranks(matrix: pd.DataFrame) -> tuple[pd.Series, int]:
    """Average rank of each method (column) over the datasets (rows) where all have a value.

    Rank 1 = highest AUC; ties share the mean of the ranks they span
    (``scipy.stats.rankdata(method="average")``). Returns the ranks and the number of datasets
    used.
    """
    complete = matrix.dropna(axis=0, how="any")
    if complete.empty:
        return pd.Series(np.nan, index=matrix.columns), 0
    ranks = np.vstack([rankdata(-row, method="average") for row in complete.to_numpy()])
    return pd.Series(ranks.mean(axis=0), index=matrix.columns), len(complete)


def _fmt(value: float, digits: int = 3) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _signed(value: float, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:+.{digits}f}".replace("-", "−")


def rank_table(
    ours: pd.Series, paper_printed: pd.Series | None, paper_from_means: pd.Series | None
) -> pd.DataFrame:
    """Methods x {ours, paper as printed, paper recomputed from its means}."""
    table = pd.DataFrame({"ours": ours})
    if paper_printed is not None:
        table["paper_printed"] = paper_printed.reindex(ours.index)
    if paper_from_means is not None:
        table["paper_from_means"] = paper_from_means.reindex(ours.index)
    return table


def _table_rows(compared: pd.DataFrame, methods: Sequence[str], datasets: Sequence[str]):
    """For each dataset, its cells in method order: ``(method, cell or None, is_best)``.

    ``cell`` is the row of ``compared`` for (dataset, method) or ``None`` when there is none;
    ``is_best`` marks the highest mean AUC of the dataset (ties all marked).
    """
    cells = compared.set_index(["dataset", "method"])
    for dataset in datasets:
        means = [cells["auc_mean"].get((dataset, m), np.nan) for m in methods]
        best = np.nanmax(means) if np.isfinite(means).any() else np.nan
        yield (
            dataset,
            [
                (
                    method,
                    cells.loc[(dataset, method)] if (dataset, method) in cells.index else None,
                    bool(np.isfinite(mean) and mean == best),
                )
                for method, mean in zip(methods, means)
            ],
        )


def markdown_auc_table(
    compared: pd.DataFrame,
    methods: Sequence[str],
    datasets: Sequence[str],
    ranks: pd.DataFrame | None = None,
) -> str:
    """Datasets x methods: ``mean ± std`` (best per row in bold), ``(n = k)`` on a cell with fewer
    seeds than the table's most, the paper's value and the difference beneath, ``†`` where the
    difference exceeds 2 × the larger std; rank rows last."""
    has_paper = compared["paper_mean"].notna().any()
    most_seeds = int(compared["n_done"].max()) if "n_done" in compared and len(compared) else 0
    header = "| Dataset | " + " | ".join(methods) + " |"
    lines = [header, "|---|" + "---:|" * len(methods)]
    for dataset, entries in _table_rows(compared, methods, datasets):
        row = []
        for _method, cell, is_best in entries:
            if cell is None:
                row.append("—")
                continue
            text = f"{_fmt(cell['auc_mean'])} ± {_fmt(cell['auc_std'])}"
            if is_best:
                text = f"**{text}**"
            if "n_done" in cell and int(cell["n_done"]) < most_seeds:
                text += f" (n = {int(cell['n_done'])})"
            if has_paper and np.isfinite(cell["paper_mean"]):
                paper_text = f"paper {_fmt(cell['paper_mean'])}, Δ {_signed(cell['difference'])}"
                text += f"<br><sub>{paper_text}</sub>"
            if cell["flag"]:
                text += f" {DAGGER}"
            row.append(text)
        lines.append(f"| {dataset} | " + " | ".join(row) + " |")
    if ranks is not None:
        labels = {
            "ours": "Avg rank (ours)",
            "paper_printed": "Avg rank (paper, as printed)",
            "paper_from_means": "Avg rank (paper, from its means)",
        }
        for column, label in labels.items():
            if column in ranks:
                values = [_fmt(ranks[column].get(m, np.nan), 2) for m in methods]
                lines.append(f"| *{label}* | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    replacements = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\^{}",
    }
    return "".join(replacements.get(ch, ch) for ch in text)


def latex_auc_table(
    compared: pd.DataFrame,
    methods: Sequence[str],
    datasets: Sequence[str],
    ranks: pd.DataFrame | None = None,
    caption: str = "",
    label: str = "",
) -> str:
    """The same table as :func:`markdown_auc_table` for LaTeX (``booktabs``)."""
    has_paper = compared["paper_mean"].notna().any()
    lines = [
        r"\begin{table}[t]",
        r"\centering\scriptsize",
        r"\begin{tabular}{l" + "c" * len(methods) + "}",
        r"\toprule",
        "Dataset & " + " & ".join(_latex_escape(m) for m in methods) + r" \\",
        r"\midrule",
    ]
    for dataset, entries in _table_rows(compared, methods, datasets):
        row = []
        for _method, cell, is_best in entries:
            if cell is None:
                row.append("--")
                continue
            core = f"{_fmt(cell['auc_mean'])}$\\pm${_fmt(cell['auc_std'])}".replace("—", "--")
            if is_best:
                core = rf"\textbf{{{core}}}"
            if cell["flag"]:
                core += r"$^\dagger$"
            if has_paper and np.isfinite(cell["paper_mean"]):
                diff = f"{cell['difference']:+.3f}".replace("-", "$-$")
                core = (
                    r"\begin{tabular}[c]{@{}c@{}}"
                    + core
                    + r"\\{\tiny "
                    + f"{_fmt(cell['paper_mean'])} ({diff})"
                    + r"}\end{tabular}"
                )
            row.append(core)
        lines.append(_latex_escape(dataset) + " & " + " & ".join(row) + r" \\")
    if ranks is not None:
        lines.append(r"\midrule")
        labels = {
            "ours": "Avg rank (ours)",
            "paper_printed": "Avg rank (paper, printed)",
            "paper_from_means": "Avg rank (paper, from means)",
        }
        for column, row_label in labels.items():
            if column in ranks:
                values = [_fmt(ranks[column].get(m, np.nan), 2).replace("—", "--") for m in methods]
                lines.append(row_label + " & " + " & ".join(values) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption:
        lines.append(r"\caption{" + _latex_escape(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def markdown_frame(frame: pd.DataFrame, formats: Mapping[str, str] | None = None) -> str:
    """A small DataFrame as a Markdown table (index not included)."""
    formats = dict(formats or {})
    columns = list(frame.columns)
    lines = ["| " + " | ".join(str(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        values = []
        for column in columns:
            value = row[column]
            if isinstance(value, float | np.floating):
                values.append(
                    "—" if not np.isfinite(value) else format(value, formats.get(column, ".3f"))
                )
            else:
                values.append(str(value))
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"
