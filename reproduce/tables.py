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
#: A baseline's mean AUC over datasets is "within" the paper's (or a published benchmark's) when
#: the two means differ by at most this much (the criterion of issue #16).
FIDELITY_TOLERANCE = 0.03
#: Runs behind each of the paper's mean ± std cells (5 seeds, ``results/paper/README.md``).
PAPER_RUNS_PER_CELL = 5


def read_paper_auc(path: Path) -> pd.DataFrame:
    """The paper's ``dataset, method, auc_mean, auc_std`` table, datasets under canonical names."""
    paper = pd.read_csv(path)
    expected = {"dataset", "method", "auc_mean", "auc_std"}
    if not expected <= set(paper.columns):
        raise ValueError(f"{path}: expected columns {sorted(expected)}, got {list(paper.columns)}")
    paper["dataset"] = paper["dataset"].replace(PAPER_DATASET_ALIASES)
    return paper


def read_reference_auc(path: Path) -> pd.DataFrame:
    """Another system's published AUCs, ``dataset, <method>, <method> ...`` (one column per
    method, as PyOD's benchmark table), as a long ``dataset, method, auc_mean`` frame with the
    datasets under canonical names."""
    wide = pd.read_csv(path)
    if "dataset" not in wide.columns or len(wide.columns) < 2:
        raise ValueError(
            f"{path}: expected a 'dataset' column and one column per method, got "
            f"{list(wide.columns)}"
        )
    long = wide.melt(id_vars="dataset", var_name="method", value_name="auc_mean")
    long["dataset"] = long["dataset"].replace(PAPER_DATASET_ALIASES)
    long["auc_mean"] = pd.to_numeric(long["auc_mean"], errors="raise")
    return long.dropna(subset=["auc_mean"]).reset_index(drop=True)


def _mean_comparison(ours: pd.Series, theirs: pd.Series, tolerance: float) -> dict[str, float]:
    """Means of ``ours`` and ``theirs`` (per-dataset means) over the datasets both have."""
    both = ours.notna() & theirs.notna()
    n = int(both.sum())
    if n == 0:
        nan = float("nan")
        return {"n_datasets": 0, "ours": nan, "theirs": nan, "difference": nan,
                "mean_abs_difference": nan, "within": False}  # fmt: skip
    ours_mean, theirs_mean = float(ours[both].mean()), float(theirs[both].mean())
    return {
        "n_datasets": n,
        "ours": ours_mean,
        "theirs": theirs_mean,
        "difference": ours_mean - theirs_mean,
        "mean_abs_difference": float((ours[both] - theirs[both]).abs().mean()),
        "within": bool(abs(ours_mean - theirs_mean) <= tolerance + 1e-12),
    }


def baseline_fidelity(
    compared: pd.DataFrame,
    methods: Sequence[str],
    datasets: Sequence[str],
    paper_variant: str,
    reference: pd.DataFrame | None = None,
    reference_variant: str | None = None,
    tolerance: float = FIDELITY_TOLERANCE,
) -> pd.DataFrame:
    """Per method: its mean AUC over datasets beside the paper's and a published reference's.

    Parameters
    ----------
    compared : DataFrame
        Per-cell summary (:func:`compare_with_paper`): ``dataset, method, sweep_value``
        (the variant), ``auc_mean`` (ours, over seeds) and ``paper_mean``.
    methods, datasets : sequence of str
        The rows of the result and the datasets considered.
    paper_variant : str
        The variant whose cells are compared with the paper.
    reference : DataFrame, optional
        ``dataset, method, auc_mean`` of the reference (:func:`read_reference_auc`); only its
        methods get reference columns.
    reference_variant : str, optional
        The variant whose cells are compared with ``reference``.
    tolerance : float
        Largest ``|ours - theirs|`` of the means counted as within.

    Returns
    -------
    DataFrame
        One row per method. Paper columns: ``n_datasets`` (where ours and the paper both have
        a value; the means are over these), ``ours_mean``, ``paper_mean``, ``difference`` (ours
        − paper, of the means), ``mean_abs_difference`` (mean over datasets of |ours − paper|),
        ``within_tolerance``, ``difference_seed_se`` (the standard error of ``difference`` from
        the seed-to-seed spread on both sides: per dataset ``auc_std² / n_done`` for ours and
        ``paper_std² / PAPER_RUNS_PER_CELL`` for the paper, summed, square-rooted, divided by
        the dataset count; NaN where a std is missing) and ``difference_in_seed_se``
        (``difference / difference_seed_se``: below 2 in size, the gap is within seed noise).
        Reference columns, the same with the ``reference_`` prefix
        (``reference_ours_mean``: our mean over the datasets the reference covers); NaN, 0 and
        False for methods the reference does not have.
    """
    index = pd.Index(list(datasets), name="dataset")

    def ours_of(variant: str | None, method: str) -> pd.Series:
        cells = compared[(compared["method"] == method) & (compared["sweep_value"] == variant)]
        return cells.set_index("dataset")["auc_mean"].reindex(index).astype(float)

    def column_of(variant: str | None, method: str, column: str) -> pd.Series:
        cells = compared[(compared["method"] == method) & (compared["sweep_value"] == variant)]
        if column not in cells:
            return pd.Series(np.nan, index=index)
        return cells.set_index("dataset")[column].reindex(index).astype(float)

    rows = []
    for method in methods:
        cells = compared[compared["method"] == method].drop_duplicates("dataset")
        paper = cells.set_index("dataset")["paper_mean"].reindex(index).astype(float)
        ours = ours_of(paper_variant, method)
        vs_paper = _mean_comparison(ours, paper, tolerance)
        # Seed noise of the difference of the two means: each dataset's mean has the variance
        # std^2 / runs on either side (ours: our seeds; the paper's: its printed std over its
        # PAPER_RUNS_PER_CELL runs); the means over n datasets add them and divide by n.
        both = ours.notna() & paper.notna()
        ours_var = column_of(paper_variant, method, "auc_std") ** 2 / column_of(
            paper_variant, method, "n_done"
        )
        paper_std = (
            cells.set_index("dataset")["paper_std"].reindex(index).astype(float)
            if "paper_std" in cells
            else pd.Series(np.nan, index=index)
        )
        paper_var = paper_std**2 / PAPER_RUNS_PER_CELL
        variances = (ours_var + paper_var)[both]
        n = int(both.sum())
        seed_se = (
            float(np.sqrt(variances.sum()) / n) if n and variances.notna().all() else float("nan")
        )
        row = {
            "method": method,
            "n_datasets": vs_paper["n_datasets"],
            "ours_mean": vs_paper["ours"],
            "paper_mean": vs_paper["theirs"],
            "difference": vs_paper["difference"],
            "mean_abs_difference": vs_paper["mean_abs_difference"],
            "within_tolerance": vs_paper["within"],
            "difference_seed_se": seed_se,
            "difference_in_seed_se": (
                vs_paper["difference"] / seed_se if seed_se > 0 else float("nan")
            ),
        }
        theirs = pd.Series(np.nan, index=index)
        if reference is not None and method in set(reference["method"]):
            published = reference[reference["method"] == method].set_index("dataset")
            theirs = published["auc_mean"].reindex(index).astype(float)
        vs_reference = _mean_comparison(ours_of(reference_variant, method), theirs, tolerance)
        row.update(
            {
                "reference_n_datasets": vs_reference["n_datasets"],
                "reference_ours_mean": vs_reference["ours"],
                "reference_mean": vs_reference["theirs"],
                "reference_difference": vs_reference["difference"],
                "reference_mean_abs_difference": vs_reference["mean_abs_difference"],
                "reference_within_tolerance": vs_reference["within"],
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_fidelity_tables(
    fidelity: pd.DataFrame,
    settings: Mapping[str, Mapping[str, str]],
    reference_settings: Mapping[str, str],
    reference_name: str = "reference",
    n_datasets: int | None = None,
    tolerance: float = FIDELITY_TOLERANCE,
) -> str:
    """The two Markdown tables of :func:`baseline_fidelity`: every method against the paper, and
    the methods the reference has against it (omitted when it has none).

    ``settings``: per variant (the ``variant`` column of ``fidelity``), per method, the protocol
    its compared runs used; ``reference_settings``: per method, that of the reference's rows.
    ``n_datasets``: the experiment's dataset count; means over fewer datasets are marked.
    """

    def count(n: int) -> str:
        return f"{n}" if n_datasets is None or n == n_datasets else f"{n} of {n_datasets}"

    def within(ok: bool, n: int) -> str:
        return "—" if n == 0 else ("yes" if ok else "**no**")

    def in_se(value: float) -> str:
        return "—" if not np.isfinite(value) else f"{value:+.1f}".replace("-", "−")

    lines = [
        "| Baseline | Runs compared (protocol) | Datasets | Ours | Paper | Ours − paper "
        rf"| Mean \|Δ\| per dataset | Within {tolerance:g} | Ours − paper in seed SE |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in fidelity.itertuples():
        lines.append(
            f"| {row.method} | {settings.get(row.variant, {}).get(row.method, '')} "
            f"| {count(row.n_datasets)} "
            f"| {_fmt(row.ours_mean)} | {_fmt(row.paper_mean)} | {_signed(row.difference)} "
            f"| {_fmt(row.mean_abs_difference)} | {within(row.within_tolerance, row.n_datasets)} "
            f"| {in_se(row.difference_in_seed_se)} |"
        )
    compared = fidelity[fidelity["reference_n_datasets"] > 0]
    if compared.empty:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"| Baseline | Runs compared (protocol) | Datasets | Ours | {reference_name} "
        rf"| Ours − {reference_name} | Mean \|Δ\| per dataset | Within {tolerance:g} |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in compared.itertuples():
        lines.append(
            f"| {row.method} | {reference_settings.get(row.method, '')} "
            f"| {row.reference_n_datasets} | {_fmt(row.reference_ours_mean)} "
            f"| {_fmt(row.reference_mean)} | {_signed(row.reference_difference)} "
            f"| {_fmt(row.reference_mean_abs_difference)} "
            f"| {within(row.reference_within_tolerance, row.reference_n_datasets)} |"
        )
    return "\n".join(lines) + "\n"


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

    ``cell`` is the row of ``compared`` for (dataset, method), or ``None`` when there is none or
    it has no finished run (a table shows it as missing); ``is_best`` marks the highest mean AUC
    of the dataset (ties all marked).
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
                    cells.loc[(dataset, method)] if np.isfinite(mean) else None,
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
