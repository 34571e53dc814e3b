"""Render tables, statistics, figures and ``report.md`` from the run store (runs nothing).

Usage::

    python -m reproduce.report [--config paper] [--only table1,fig4] [--store results/runs]
                               [--out results] [--paper-dir results/paper]

Outputs under ``--out``: ``report.md``, ``<experiment>.csv`` (finished runs, long format, with
``auc_roc``), ``tables/<experiment>_runs.csv`` (one row per run),
``tables/<experiment>_auc.csv`` (one row per cell, with the paper's value, the difference and
the flag), ``tables/<experiment>_auc.md`` / ``.tex``, ``tables/<experiment>_ranks.csv``,
``tables/<experiment>_wilcoxon.csv`` and ``figures/<experiment>*.png|pdf``. A
``protocol_comparison`` writes ``tables/<experiment>_auc.csv`` in long form (dataset, method,
variant, auc_mean, auc_std, n_done, paper_mean), ``tables/<experiment>_auc.md`` (datasets x
method/variant, with a mean row) and ``tables/<experiment>_means.csv`` (that mean row).

Finished runs are read (``--runs-from``) from the run store, from the committed
``<out>/<experiment>.csv``, or (``auto``, the default) per run id: from the store when it holds the
run, else from the committed CSV when it has the run id, else the run is missing. An experiment
read partly from each ("mixed") gets its ``<experiment>.csv`` rewritten with the store's runs and
the CSV's rows copied unchanged.

Report kinds: ``auc_table`` (Table 1/2: AUC table, ranks, Friedman/Nemenyi, Wilcoxon),
``ablation`` (two methods), ``density`` (two-moons density grids), ``sweep`` (AUC against a varied
option), ``protocol_comparison`` (per dataset and method, one column per protocol variant of
the experiment beside the paper's value; its cells are compared with the paper but never flagged:
the flags and their causes, ``results/causes.toml``, are about the project protocol's experiments)
and ``baseline_fidelity`` (per baseline, its mean AUC over datasets beside the paper's and, under
the protocol of a published benchmark, beside that benchmark's: ``tables/<experiment>_fidelity``
``.csv`` / ``.md``; cells not flagged either).

The protocol section lists, for every baseline method of the report, the implementation and the
per-method input scaling its runs use by default, with the reason for the scaling.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from reproduce import cli
from reproduce.config import ConfigError, Experiment, expand, load_experiments
from reproduce.results import (
    auc_matrix,
    csv_run_rows,
    merged_run_rows,
    read_results_csv,
    read_results_csv_text,
    run_rows,
    summarise,
)
from reproduce.store import CorruptRecordError, RunRecord, RunStore, StoreScan
from reproduce.tables import (
    FIDELITY_TOLERANCE,
    PAPER_RUNS_PER_CELL,
    average_ranks,
    baseline_fidelity,
    compare_with_paper,
    latex_auc_table,
    markdown_auc_table,
    markdown_fidelity_tables,
    markdown_frame,
    rank_table,
    read_paper_auc,
    read_paper_rank,
    read_reference_auc,
)

logger = logging.getLogger(__name__)

PROTOCOL_FILE = Path(__file__).resolve().parents[1] / "protocol.md"
#: Optional hand-written interpretation under ``--out``, printed after the computed verdict.
READING_FILE = "verdict_reading.md"
#: Keys of a ``provenance.json`` entry of an experiment read partly from its results CSV: how many
#: runs came from the CSV, and the entry that described them before (None when there was none).
CSV_RUNS_KEY = "results_csv_runs"
CSV_PROVENANCE_KEY = "results_csv_runs_provenance"


@dataclass
class Section:
    """The Markdown of one experiment plus the files it wrote."""

    experiment: Experiment
    markdown: str
    files: list[Path] = field(default_factory=list)
    records: list[RunRecord] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: "store", "csv" or "mixed" (per run id, both): where the finished runs were read from.
    source: str = "store"
    #: How many runs were read from each source ("store", "csv").
    from_sources: dict[str, int] = field(default_factory=dict)
    #: Runs outside the report's selection whose rows of the results CSV were kept (``auto``).
    carried: int = 0
    #: Per-cell summary with the paper comparison (``tables/<experiment>_auc.csv``).
    compared: pd.DataFrame | None = None
    #: Rank table of an ``auc_table`` experiment (``tables/<experiment>_ranks.csv``).
    ranks: pd.DataFrame | None = None
    #: The experiment's long run table (as ``tables/<experiment>_runs.csv``).
    runs: pd.DataFrame | None = None


class ReportBuilder:
    """Builds the report of some experiments from a store scan.

    Parameters
    ----------
    store : RunStore
    out_dir : Path
        Where ``report.md``, ``tables/`` and ``figures/`` go.
    paper_dir : Path
        Folder of the paper's CSV files (``results/paper``).
    causes_path : Path, optional
        The likely causes of cells that differ from the paper (``results/causes.toml``).
    runs_from : {"auto", "store", "csv"}, default="auto"
        Where finished runs are read: the store, the committed ``<out>/<experiment>.csv``
        files, or per run id the store when it holds the run, else the committed CSV when it has
        the run id (else the run is missing).
    """

    def __init__(
        self,
        store: RunStore,
        out_dir: Path,
        paper_dir: Path,
        causes_path: Path | None = None,
        runs_from: str = "auto",
    ) -> None:
        if runs_from not in ("auto", "store", "csv"):
            raise ValueError(f"runs_from must be 'auto', 'store' or 'csv', got {runs_from!r}")
        self.store = store
        self.out_dir = Path(out_dir)
        self.paper_dir = Path(paper_dir)
        self.causes_path = Path(causes_path) if causes_path is not None else None
        self.runs_from = runs_from
        self.tables_dir = self.out_dir / "tables"
        self.figures_dir = self.out_dir / "figures"
        self.scan: StoreScan = store.scan()

    # ------------------------------------------------------------------ helpers
    def _rel(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def _write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def _csv(self, frame: pd.DataFrame, name: str) -> Path:
        path = self.tables_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        return path

    def _results_csv(
        self,
        runs: pd.DataFrame,
        name: str,
        committed: pd.DataFrame | None = None,
        carried: set[str] | frozenset[str] = frozenset(),
    ) -> Path:
        """``<out>/<experiment>.csv``: one row per finished run, the committed long format.

        ``committed``: the existing file as text (:func:`read_results_csv_text`). The rows read
        from it (``source == "csv"``) and its rows whose run ids are in ``carried`` (runs of the
        experiment outside this report's selection) are copied unchanged, every column as it
        was; the file's column order is kept, new columns go last. A run shared by several
        variants of the experiment is written once.
        """
        columns = [
            "dataset", "method", "seed", "sweep_value", "auc_roc", "average_precision",
            "fit_seconds", "score_seconds", "n_train", "n_features", "git_commit", "run_id",
        ]  # fmt: skip
        done = runs[runs["status"] == "done"].rename(columns={"roc_auc": "auc_roc"})
        # A run shared by variants of one experiment (a method a variant leaves unchanged) is
        # one row, under the first variant that uses it; reading the file back finds it by id.
        done = done.drop_duplicates("run_id")
        if done["sweep_value"].isna().all():
            columns.remove("sweep_value")
        path = self.out_dir / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        from_csv = done["source"] == "csv"
        if committed is None or not (from_csv.any() or carried):
            done[columns].sort_values(["dataset", "method", "seed"]).to_csv(path, index=False)
            return path
        # The store's rows go through the same text formatting as above; then every row is text.
        from_store = pd.read_csv(
            io.StringIO(done.loc[~from_csv, columns].to_csv(index=False)),
            dtype=str,
            keep_default_na=False,
        )
        copied = set(done.loc[from_csv, "run_id"]) | set(carried)
        all_columns = list(committed.columns) + [c for c in columns if c not in committed.columns]
        frame = pd.concat(
            [from_store, committed[committed["run_id"].isin(copied)]], ignore_index=True
        ).reindex(columns=all_columns, fill_value="")
        frame = frame.fillna("")
        order = frame.assign(_seed=pd.to_numeric(frame["seed"], errors="coerce"))
        order = order.sort_values(["dataset", "method", "_seed"], kind="stable")
        frame.loc[order.index].to_csv(path, index=False)
        return path

    def _paper(
        self, experiment: Experiment
    ) -> tuple[pd.DataFrame | None, pd.Series | None, list[str]]:
        notes = []
        paper_auc = paper_rank = None
        if experiment.paper_auc:
            path = self.paper_dir / experiment.paper_auc
            if path.is_file():
                paper_auc = read_paper_auc(path)
            else:
                notes.append(f"paper table {path} not found: no paper comparison")
        if experiment.paper_rank:
            path = self.paper_dir / experiment.paper_rank
            if path.is_file():
                paper_rank = read_paper_rank(path)
            else:
                notes.append(f"paper ranks {path} not found")
        return paper_auc, paper_rank, notes

    def _runs(self, points, results_csv: Path) -> tuple[pd.DataFrame, str]:
        """One experiment's run table and where it was read from (see ``runs_from``):
        ``"store"``, ``"csv"`` or, with ``auto`` and runs from both, ``"mixed"``."""
        if self.runs_from == "store":
            return run_rows(points, self.scan.records), "store"
        if self.runs_from == "csv":
            if not results_csv.is_file():
                raise FileNotFoundError(
                    f"--runs-from csv: {results_csv} does not exist; render from the store or "
                    "commit the experiment's results CSV first"
                )
            return csv_run_rows(points, read_results_csv(results_csv)), "csv"
        results = read_results_csv(results_csv) if results_csv.is_file() else None
        runs = merged_run_rows(points, self.scan.records, results)
        n_store = int((runs["source"] == "store").sum())
        n_csv = int((runs["source"] == "csv").sum())
        if n_store == 0 and results is not None:
            return runs, "csv"  # the committed file is the input: it is not rewritten
        return runs, "mixed" if n_csv else "store"

    # ------------------------------------------------------------------ one experiment
    def section(
        self,
        experiment: Experiment,
        *,
        datasets: Sequence[str] | None = None,
        seeds: Sequence[int] | None = None,
        methods: Sequence[str] | None = None,
    ) -> Section:
        """Tables, statistics and figures of one experiment."""
        points = expand(experiment, datasets=datasets, seeds=seeds, methods=methods)
        results_csv = self.out_dir / f"{experiment.name}.csv"
        section = Section(experiment, "")
        runs, section.source = self._runs(points, results_csv)
        if section.source != "csv":
            section.records = [
                self.scan.records[r]
                for r, source in zip(runs["run_id"], runs["source"])
                if source == "store"
            ]
        section.runs = runs
        section.counts = {
            s: int((runs["status"] == s).sum()) for s in ("done", "failed", "missing")
        }
        section.from_sources = {s: int((runs["source"] == s).sum()) for s in ("store", "csv")}
        committed, carried = None, set()
        if self.runs_from == "auto" and section.source != "csv" and results_csv.is_file():
            committed = read_results_csv_text(results_csv)
            if (datasets, seeds, methods) != (None, None, None):
                # Runs of the experiment outside this selection keep their committed rows.
                selected = {p.spec.run_id for p in points}
                experiment_ids = {p.spec.run_id for p in expand(experiment)}
                carried = (set(committed["run_id"]) & experiment_ids) - selected
        section.carried = len(carried)
        section.files.append(self._csv(runs, f"{experiment.name}_runs.csv"))
        if section.source == "csv":
            section.files.append(results_csv)
        else:
            section.files.append(self._results_csv(runs, experiment.name, committed, carried))
        lines = [f"## {experiment.title}", ""]
        where = {
            "store": "the store",
            "csv": f"`{self._rel(results_csv)}`",
            "mixed": f"the store or `{self._rel(results_csv)}`",
        }[section.source]
        lines.append(
            f"Experiment `{experiment.name}` "
            f"({experiment.source.name if experiment.source else 'config'}): "
            f"{len(runs)} runs — {section.counts['done']} done, {section.counts['failed']} failed, "
            f"{section.counts['missing']} not in {where}."
        )
        if section.source == "csv":
            lines.append(
                f"\n> Rendered from the committed results file `{self._rel(results_csv)}` "
                "(finished runs only), not from a run store."
            )
        elif section.source == "mixed":
            lines.append(
                f"\n> Runs read per run id: {section.from_sources['store']} from the run store, "
                f"{section.from_sources['csv']} (runs the store lacks) from the committed results "
                f"file `{self._rel(results_csv)}`, which is rewritten with both (its rows copied "
                "unchanged)."
            )
        if carried:
            lines.append(
                f"\n> {len(carried)} run(s) of this experiment outside the selection "
                "(`--datasets`/`--seeds`/`--methods`) keep their rows of "
                f"`{self._rel(results_csv)}` unchanged."
            )
        if committed is not None:
            written = set(runs.loc[runs["status"] == "done", "run_id"]) | carried
            dropped = sorted(set(committed["run_id"]) - written)
            if dropped:
                logger.warning(
                    "%s: %d run(s) of %s are not finished runs of this experiment and are no "
                    "longer in the rewritten file (e.g. %s)",
                    experiment.name,
                    len(dropped),
                    results_csv,
                    dropped[0],
                )
                lines.append(
                    f"\n> {len(dropped)} row(s) of the previous `{self._rel(results_csv)}` are "
                    "not finished runs of this experiment (a changed spec, e.g. a new default, "
                    "changes the run id) and are not in the rewritten file; e.g. "
                    f"`{dropped[0]}`."
                )
        done_runs = runs[runs["status"] == "done"]
        commits = sorted({str(c)[:10] for c in done_runs["git_commit"].dropna()})
        if len(commits) > 1:
            lines.append(
                f"\n> These runs were computed at {len(commits)} git commits "
                f"({', '.join(commits)}). Stored runs are reused while the package version is "
                "unchanged: bump it (or `reproduce.spec.RUN_PROTOCOL`) when a change alters "
                "results."
            )
        lines.append("")
        if runs.empty:
            lines.append("No runs: the experiment's dataset list is empty here.\n")
            section.markdown = "\n".join(lines)
            return section
        if section.counts["done"] == 0:
            lines.append(
                "No finished runs in the store yet: "
                f"`python -m reproduce.all --only {experiment.name}` computes them.\n"
            )
        else:
            lines += self._results(experiment, runs, section)

        failed = runs[runs["status"] == "failed"]
        if len(failed):
            lines += [
                "",
                f"**Failed runs ({len(failed)})** — retried by the next `python -m reproduce.all`:",
                "",
            ]
            lines.append(markdown_frame(failed[["dataset", "method", "seed", "error"]].head(20)))
            if len(failed) > 20:
                lines.append(f"… and {len(failed) - 20} more in `{self._rel(section.files[0])}`.\n")
        lines.append(
            "Files: " + ", ".join(f"[`{self._rel(p)}`]({self._rel(p)})" for p in section.files)
        )
        section.markdown = "\n".join(lines) + "\n"
        return section

    def _results(self, experiment: Experiment, runs: pd.DataFrame, section: Section) -> list[str]:
        """Tables, statistics and figures of an experiment with at least one finished run."""
        summary = summarise(runs)
        paper_auc, paper_rank, notes = self._paper(experiment)
        compared = compare_with_paper(summary, paper_auc)
        if experiment.report in ("protocol_comparison", "baseline_fidelity"):
            # Compared with the paper but never flagged: the flags and their causes
            # (results/causes.toml) are about the project protocol's own experiments.
            compared = compared.drop(columns=["flag"])
        else:
            section.files.append(self._csv(compared, f"{experiment.name}_auc.csv"))
        section.compared = compared
        lines = [f"> {note}" for note in notes]

        dataset_order = list(dict.fromkeys(runs["dataset"]))
        method_order = list(dict.fromkeys(runs["method"]))
        renderer = {
            "auc_table": self._auc_table,
            "ablation": self._ablation,
            "density": self._density,
            "sweep": self._sweep,
            "protocol_comparison": self._protocol_comparison,
            "baseline_fidelity": self._baseline_fidelity,
        }[experiment.report]
        lines += renderer(
            experiment, runs, compared, method_order, dataset_order, paper_auc, paper_rank, section
        )
        if experiment.report == "auc_table":
            lines += self._anytime(experiment, runs, paper_auc, section)
        return lines

    def _anytime(self, experiment, runs, paper_auc, section) -> list[str]:
        """Test AUC at the recorded epoch budgets (:mod:`reproduce.anytime`), when runs have it."""
        from reproduce import anytime, figures

        rows = anytime.anytime_rows(runs, self.scan.records)
        if rows.empty:
            return []
        summary = anytime.anytime_summary(rows)
        paper = anytime.paper_means(rows, paper_auc)
        name = f"{experiment.name}_anytime"
        section.files.append(self._csv(summary, f"{name}.csv"))
        figure = figures.anytime_figure(
            summary, paper, f"{experiment.title}: test AUC by training epochs"
        )
        paths = figures.save_figure(figure, self.figures_dir / name)
        section.files += paths
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
            f"![{name}]({self._rel(paths[0])})",
            "",
            markdown_frame(table, {"auc_mean": ".3f", "auc_std": ".3f", "paper_mean": ".3f"}),
        ]

    def _statistics(
        self, experiment: Experiment, matrix: pd.DataFrame, section: Section
    ) -> list[str]:
        from reproduce import figures, stats

        lines: list[str] = []
        result = stats.friedman(matrix)
        if result is None:
            lines.append(
                "Friedman test: not computable (needs ≥ 3 methods and ≥ 2 complete datasets).\n"
            )
        else:
            lines.append(
                f"**Friedman test** over {result.n_datasets} datasets and "
                f"{result.n_methods} methods: "
                f"χ² = {result.statistic:.2f}, p = {result.p_value:.2g}."
            )
            p_values = stats.nemenyi(matrix)
            ranks, n_used = average_ranks(matrix)
            cd = stats.critical_difference(result.n_methods, result.n_datasets)
            if p_values is not None:
                figure = figures.cd_diagram(
                    ranks,
                    p_values,
                    cd,
                    f"{experiment.name}: average ranks (Nemenyi, α = 0.05, CD = {cd:.2f})",
                )
                paths = figures.save_figure(figure, self.figures_dir / f"{experiment.name}_cd")
                section.files += paths
                lines[-1] += (
                    f" Nemenyi critical difference at α = 0.05: CD = {cd:.2f} ranks "
                    "(methods joined by a bar are not significantly different)."
                )
                lines += [
                    "",
                    f"![critical difference diagram]({self._rel(paths[0])})",
                    "",
                ]
                p_values.index.name = "method"
                section.files.append(
                    self._csv(p_values.reset_index(), f"{experiment.name}_nemenyi_p.csv")
                )
        reference = experiment.reference_method
        if reference and reference in matrix.columns and matrix.shape[1] > 1:
            wilcoxon = stats.wilcoxon_against(matrix, reference)
            section.files.append(self._csv(wilcoxon, f"{experiment.name}_wilcoxon.csv"))
            lines += [
                "",
                f"**Wilcoxon signed-rank test**, {reference} vs each method over datasets "
                "(two-sided, mean AUC per dataset; wins/ties/losses of "
                f"{reference}; no multiple-comparison correction):",
                "",
                markdown_frame(
                    wilcoxon,
                    {"median_difference": "+.3f", "statistic": ".1f", "p_value": ".3g"},
                ),
            ]
        return lines

    def _auc_table(
        self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section
    ):
        matrix = auc_matrix(compared, methods, datasets)
        ours, n_used = average_ranks(matrix)
        paper_from_means = None
        if paper_auc is not None:
            paper_matrix = paper_auc.pivot_table(
                index="dataset", columns="method", values="auc_mean"
            )
            paper_matrix = paper_matrix.reindex(index=datasets, columns=methods)
            if paper_matrix.notna().all().all():
                paper_from_means, _ = average_ranks(paper_matrix)
        printed = paper_rank.reindex(methods) if paper_rank is not None else None
        ranks = rank_table(ours, printed, paper_from_means)
        ranks.index.name = "method"
        section.ranks = ranks
        section.files.append(self._csv(ranks.reset_index(), f"{experiment.name}_ranks.csv"))
        md = markdown_auc_table(compared, methods, datasets, ranks)
        tex = latex_auc_table(
            compared,
            methods,
            datasets,
            ranks,
            caption=experiment.title,
            label=f"tab:{experiment.name}",
        )
        section.files.append(self._write(self.tables_dir / f"{experiment.name}_auc.md", md))
        section.files.append(self._write(self.tables_dir / f"{experiment.name}_auc.tex", tex))
        n_flagged = int(compared["flag"].sum())
        n_compared = int(compared["paper_mean"].notna().sum())
        lines = [
            "ROC-AUC on the test part, mean ± std over seeds; best mean per dataset in bold. "
            + (
                "Beneath each cell the paper's value and the difference (ours − paper); "
                "† marks the "
                f"{n_flagged} of {n_compared} cells where |ours − paper| > 2 × the larger std."
                if n_compared
                else "The paper has no values for this experiment."
            )
            + f" Average ranks over the {n_used} datasets where every method has a result "
            "(rank 1 = best; ties share the mean rank). "
            + seeds_per_cell(compared, len(experiment.seeds)),
            "",
            md,
        ]
        lines += self._statistics(experiment, matrix, section)
        return lines

    def _ablation(
        self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section
    ):
        from reproduce import figures

        md = markdown_auc_table(compared, methods, datasets)
        section.files.append(self._write(self.tables_dir / f"{experiment.name}_auc.md", md))
        figure = figures.ablation_figure(compared, methods, datasets, experiment.title)
        paths = figures.save_figure(figure, self.figures_dir / experiment.name)
        section.files += paths
        lines = [f"![{experiment.name}]({self._rel(paths[0])})", "", md]
        lines += self._statistics(experiment, auc_matrix(compared, methods, datasets), section)
        return lines

    def _density(
        self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section
    ):
        from reproduce import figures

        lines = []
        done = runs[runs["status"] == "done"]
        for dataset in datasets:
            grids, aucs, seeds_shown = {}, {}, set()
            for method in methods:
                rows = done[(done["dataset"] == dataset) & (done["method"] == method)]
                if rows.empty:
                    continue
                first = rows.sort_values("seed").iloc[0]
                record = self.scan.records.get(first["run_id"])
                if record is None:  # rendered from the results CSV: no density grids
                    continue
                try:
                    grids[method] = figures.load_density_grid(
                        self.store.read_artifact(record, "density_grid")
                    )
                except (KeyError, CorruptRecordError) as exc:
                    lines.append(f"> {method} on {dataset}: density grid unavailable ({exc})")
                    continue
                aucs[method] = float(first["roc_auc"])
                seeds_shown.add(int(first["seed"]))
            if not grids:
                existing = self.figures_dir / f"{experiment.name}_{dataset}.png"
                if section.source != "store" and existing.is_file():
                    lines += [
                        f"![{experiment.name} {dataset}]({self._rel(existing)})",
                        "",
                        "> The density grids are in the run store, not in the results CSV: the "
                        "figure above is the one rendered from the store, kept unchanged.",
                        "",
                    ]
                    section.files.append(existing)
                else:
                    lines.append(f"No finished runs with a density grid for {dataset}.\n")
                continue
            seed_text = ", ".join(str(s) for s in sorted(seeds_shown))
            figure = figures.density_figure(
                grids, aucs, f"{experiment.title} — {dataset} (seed {seed_text})"
            )
            paths = figures.save_figure(figure, self.figures_dir / f"{experiment.name}_{dataset}")
            section.files += paths
            lines += [f"![{experiment.name} {dataset}]({self._rel(paths[0])})", ""]
        md = markdown_auc_table(compared, methods, datasets)
        lines += ["Test ROC-AUC (mean ± std over seeds):", "", md]
        return lines

    def _sweep(self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section):
        from reproduce import figures

        sweep = experiment.sweep
        x_label = f"{sweep.key} ({'data option' if sweep.section == 'data' else 'parameter'})"
        figure = figures.sweep_figure(compared, methods, datasets, x_label, experiment.title)
        paths = figures.save_figure(figure, self.figures_dir / experiment.name)
        section.files += paths
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
        section.files.append(self._csv(overview, f"{experiment.name}_overview.csv"))
        return [
            f"![{experiment.name}]({self._rel(paths[0])})",
            "",
            f"Mean over datasets of the per-dataset mean AUC, by {sweep.key}:",
            "",
            markdown_frame(overview, {"auc_mean_over_datasets": ".3f", "std_over_datasets": ".3f"}),
        ]

    def _protocol_comparison(
        self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section
    ):
        variants = experiment.variants
        table = protocol_table(compared, methods, datasets, [v.name for v in variants])
        long = compared.rename(columns={"sweep_value": "variant"})[
            ["dataset", "method", "variant", "auc_mean", "auc_std", "n_done", "paper_mean"]
        ]
        section.files.append(self._csv(long, f"{experiment.name}_auc.csv"))
        section.files.append(self._csv(table.means, f"{experiment.name}_means.csv"))
        md = table.markdown(int(runs["seed"].nunique()))
        section.files.append(self._write(self.tables_dir / f"{experiment.name}_auc.md", md))
        legend = []
        for variant in variants:
            changes = [f"data: {_options(variant.data)}"] if variant.data else []
            changes += [
                f"{method}: {_options(params)}"
                for method, params in variant.params.items()
                if params
            ]
            if experiment.is_base_variant(variant.name):
                what = "no override: the runs of the experiment's own settings"
            else:
                what = "; ".join(changes)
            legend.append(f"- `{variant.name}` — {variant.label}: {what}.")
        n_complete = table.n_complete
        lines = [
            "Test ROC-AUC, mean ± std over seeds, per method under each protocol variant (columns "
            "named by variant), beside the paper's mean where the paper has one (— where not). "
            "Variants:",
            "",
            *legend,
            "",
            f"The **mean** row averages each column over the {n_complete} dataset(s) where every "
            "column that has any value has one (columns without any value are left out), so all "
            "its entries are over the same datasets. Cells are compared with the paper but not "
            "flagged: the † flags and their likely causes (`results/causes.toml`) belong to the "
            "experiments that report the project protocol on their own.",
            "",
            md,
        ]
        return lines

    def _baseline_fidelity(
        self, experiment, runs, compared, methods, datasets, paper_auc, paper_rank, section
    ):
        variants = experiment.variants
        base = next(v for v in variants if experiment.is_base_variant(v.name))
        reference, reference_name, notes = None, "reference", []
        if experiment.reference_auc:
            path = self.paper_dir / experiment.reference_auc
            if path.is_file():
                reference = read_reference_auc(path)
                reference_name = _reference_name(path)
            else:
                notes.append(f"> reference table {path} not found: no reference comparison")
        fidelity = baseline_fidelity(
            compared, methods, datasets, base.name, reference, experiment.reference_variant
        )
        long = compared.rename(columns={"sweep_value": "variant"})[
            ["dataset", "method", "variant", "auc_mean", "auc_std", "n_done", "paper_mean"]
        ]
        if reference is not None:
            lookup = reference.set_index(["dataset", "method"])["auc_mean"]
            long = long.assign(
                reference_mean=[
                    lookup.get((d, m), np.nan) if v == experiment.reference_variant else np.nan
                    for d, m, v in zip(long["dataset"], long["method"], long["variant"])
                ]
            )
        section.files.append(self._csv(long, f"{experiment.name}_auc.csv"))
        section.files.append(self._csv(fidelity, f"{experiment.name}_fidelity.csv"))

        def settings(variant) -> dict[str, str]:
            out = {}
            for method in methods:
                params = experiment.method_params(method, variant.name)
                shown = {k: params[k] for k in ("implementation", "input_scaling") if k in params}
                out[method] = f"`{variant.name}`" + (f": {_options(shown)}" if shown else "")
            return out

        reference_settings = {}
        if experiment.reference_variant is not None:
            reference_settings = settings(experiment.variant(experiment.reference_variant))
        md = markdown_fidelity_tables(
            fidelity,
            settings(base),
            reference_settings,
            reference_name,
            n_datasets=len(datasets),
        )
        section.files.append(self._write(self.tables_dir / f"{experiment.name}_fidelity.md", md))
        legend = [
            f"- `{v.name}` — {v.label}: "
            + (
                "no override: the runs of the experiment's own settings"
                if experiment.is_base_variant(v.name)
                else "; ".join(f"{m}: {_options(p)}" for m, p in v.params.items() if p)
                or "no parameter override"
            )
            + "."
            for v in variants
        ]
        lines = [
            *notes,
            "Each baseline's mean test ROC-AUC over the datasets (each dataset's mean over seeds) "
            f"beside the paper's mean over the same datasets, from the `{base.name}` runs; "
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

    # ------------------------------------------------------------------ the whole report
    def build(
        self,
        experiments: Sequence[Experiment],
        *,
        command: str,
        datasets: Sequence[str] | None = None,
        seeds: Sequence[int] | None = None,
        methods: Sequence[str] | None = None,
    ) -> Path:
        """Write every section and ``report.md``; returns the report's path."""
        sections = [
            self.section(e, datasets=datasets, seeds=seeds, methods=methods) for e in experiments
        ]
        provenance = self._provenance_by_experiment(sections)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        sources = sorted({s.source for s in sections})
        source_text = {
            ("store",): f"from the run store `{self.store.root}` ({len(self.scan.records)} records"
            + (f", {len(self.scan.corrupt)} corrupt file(s) ignored" if self.scan.corrupt else "")
            + ")",
            ("csv",): f"from the committed results CSVs in `{self.out_dir}` (no run store)",
        }.get(
            tuple(sources),
            f"from the run store `{self.store.root}` and, for runs it lacks, the committed "
            f"results CSVs in `{self.out_dir}`",
        )
        lines = [
            "# RobustRealNVP reproduction report",
            "",
            f"Generated {now} by `{command}` {source_text}. Paper: B. Liu, P.-N. Tan and J. Zhou, "
            "*Unsupervised Anomaly Detection by Robust Density Estimation*, AAAI 2022; its "
            f"numbers come from `{self.paper_dir}` (see its README).",
            "",
        ]
        lines += self._verdict(sections)
        lines += [
            "## Experiments",
            "",
            "| Experiment | Title | Runs done | Failed | Not found | Read from |",
            "|---|---|---:|---:|---:|---|",
        ]
        for s in sections:
            read_from = {
                "store": "run store"
                + (f" (+ {s.carried} rows of its results CSV kept)" if s.carried else ""),
                "csv": "results CSV",
                "mixed": f"run store ({s.from_sources.get('store', 0)}) + results CSV "
                f"({s.from_sources.get('csv', 0)})",
            }[s.source]
            lines.append(
                f"| `{s.experiment.name}` | {s.experiment.title} | {s.counts.get('done', 0)} "
                f"| {s.counts.get('failed', 0)} | {s.counts.get('missing', 0)} | {read_from} |"
            )
        lines.append("")
        for s in sections:
            lines.append(s.markdown)
        lines += self._commands(command, provenance)
        lines += ["## Protocol choices", "", PROTOCOL_FILE.read_text(encoding="utf-8"), ""]
        lines += baseline_protocol_lines(experiments)
        lines += self._provenance(provenance)
        path = self._write(self.out_dir / "report.md", "\n".join(lines))
        return path

    def _verdict(self, sections: Sequence[Section]) -> list[str]:
        from reproduce import verdict

        compared = {s.experiment.name: s.compared for s in sections if s.compared is not None}
        ranks = {s.experiment.name: s.ranks for s in sections if s.ranks is not None}
        rules = verdict.read_causes(self.causes_path) if self.causes_path else []
        comparisons = [
            verdict.ProtocolComparison(
                s.experiment.name,
                s.compared,
                tuple(
                    verdict.ProtocolVariant(
                        v.name, v.label, is_project=s.experiment.is_base_variant(v.name)
                    )
                    for v in s.experiment.variants or ()
                ),
                dataset_kind=s.experiment.kind(),
            )
            for s in sections
            if s.experiment.report == "protocol_comparison" and s.compared is not None
        ]
        claims = verdict.evaluate_claims(compared, ranks, comparisons)
        flagged = verdict.flagged_cells(compared, rules)
        if compared:
            self._csv(flagged, "flagged_cells.csv")
        causes = str(self.causes_path) if self.causes_path else "(no causes file)"
        lines = verdict.render_verdict(
            claims, flagged, causes, rules, [c.experiment for c in comparisons]
        )
        reading = self.out_dir / READING_FILE
        if compared and reading.is_file():
            lines += [
                f"### Reading (hand-written in `{READING_FILE}`; the figures above are computed)",
                "",
                reading.read_text(encoding="utf-8").strip(),
                "",
            ]
        return lines

    # ------------------------------------------------------------------ provenance
    @property
    def provenance_path(self) -> Path:
        """``<out>/provenance.json``: per experiment, what computed its runs."""
        return self.out_dir / "provenance.json"

    def _summarise_records(
        self, experiment: str, records: Sequence[RunRecord], all_invocations: Sequence[dict]
    ) -> dict:
        unique = list({r.run_id: r for r in records if r.done}.values())

        def counted(values) -> dict[str, int]:
            counts = pd.Series([str(v) for v in values]).value_counts()
            return {str(k): int(v) for k, v in counts.items()}

        versions = pd.DataFrame([r.environment.get("versions", {}) for r in unique])
        invocations: dict[str, dict] = {}
        for entry in all_invocations:  # the end line of an invocation follows its start
            if experiment in (entry.get("experiments") or []):
                invocations[entry.get("invocation") or str(len(invocations))] = entry
        return {
            "runs_used": len(unique),
            "computed_from": min((r.started_at for r in unique if r.started_at), default=None),
            "computed_to": max((r.finished_at for r in unique if r.finished_at), default=None),
            "cpu_worker_hours": round(
                sum(float(r.timing.get("total_seconds") or 0.0) for r in unique) / 3600, 3
            ),
            "git_commits": counted(
                f"{(r.environment.get('git') or {}).get('commit')}"
                + ("+dirty" if (r.environment.get("git") or {}).get("dirty") else "")
                for r in unique
            ),
            "hosts": counted(r.environment.get("host") for r in unique),
            "cpu_counts": counted(r.environment.get("cpu_count") for r in unique),
            "platforms": counted(r.environment.get("platform") for r in unique),
            "devices": counted(r.environment.get("device") for r in unique),
            "threads_per_run": counted(r.environment.get("n_threads") for r in unique),
            "versions": {c: counted(versions[c]) for c in versions.columns},
            "invocations": [
                {
                    k: entry.get(k)
                    for k in ("command", "started_at", "host", "git_commit", "status", "summary")
                }
                for entry in invocations.values()
            ],
        }

    def _provenance_by_experiment(self, sections: Sequence[Section]) -> dict[str, dict]:
        """Per experiment: computed from the store's records, or read back from
        ``provenance.json`` for experiments rendered from their results CSV. Updates the file
        with the store-based entries (others are kept)."""
        saved: dict[str, dict] = {}
        if self.provenance_path.is_file():
            try:
                saved = json.loads(self.provenance_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{self.provenance_path}: not valid JSON ({exc})") from exc
        out: dict[str, dict] = {}
        all_invocations = self.store.invocations()
        for section in sections:
            name = section.experiment.name
            if section.source == "store" and not section.carried:
                if section.records:
                    out[name] = saved[name] = self._summarise_records(
                        name, section.records, all_invocations
                    )
            elif section.source == "mixed" or (section.source == "store" and section.carried):
                entry = self._summarise_records(name, section.records, all_invocations)
                previous = saved.get(name)
                if previous is not None:  # how the runs of the CSV were computed
                    previous = previous.get(CSV_PROVENANCE_KEY, previous)
                entry[CSV_RUNS_KEY] = section.from_sources.get("csv", 0) + section.carried
                entry[CSV_PROVENANCE_KEY] = previous
                out[name] = saved[name] = entry
            elif name in saved:
                out[name] = saved[name]
        if any(s.source in ("store", "mixed") and s.records for s in sections):
            self._write(self.provenance_path, json.dumps(saved, indent=1, sort_keys=True) + "\n")
        return out

    def _commands(self, command: str, provenance: dict[str, dict]) -> list[str]:
        lines = [
            "## Commands",
            "",
            "Runner invocations that computed the runs of these experiments (oldest first; the "
            "wall time is the invocation's own):",
            "",
        ]
        seen: dict[tuple, dict] = {}
        for entry in provenance.values():
            earlier = entry.get(CSV_PROVENANCE_KEY) or {}
            for inv in entry.get("invocations", []) + earlier.get("invocations", []):
                seen[(inv.get("command"), inv.get("started_at"))] = inv
        if not seen:
            lines.append("*(none recorded)*")
        for inv in sorted(seen.values(), key=lambda e: str(e.get("started_at"))):
            summary = inv.get("summary") or ""
            if inv.get("status") == "started":
                summary = f"did not finish (killed?) — {summary}"
            elif inv.get("status") == "interrupted":
                summary = f"interrupted — {summary}"
            lines.append(
                f"- `{inv.get('command', '?')}` — {inv.get('started_at', '?')}, "
                f"{inv.get('host', '?')}, commit {str(inv.get('git_commit'))[:10]}: {summary}"
            )
        lines += ["", "This report:", "", f"```\n{command}\n```", ""]
        return lines

    def _provenance(self, provenance: dict[str, dict]) -> list[str]:
        lines = ["## Provenance", ""]
        if not provenance:
            return lines + ["No provenance recorded for these experiments.", ""]

        def listing(values: dict[str, int]) -> str:
            return ", ".join(f"`{value}` ({count})" for value, count in values.items()) or "—"

        for name, entry in provenance.items():
            lines += [
                f"**{name}**: {entry['runs_used']} runs, computed {entry['computed_from']} … "
                f"{entry['computed_to']} ({entry['cpu_worker_hours']:.2f} CPU-worker hours in "
                "total).",
                "",
                f"- Git commits: {listing(entry['git_commits'])}.",
                f"- Hosts: {listing(entry['hosts'])}; CPU cores: {listing(entry['cpu_counts'])}; "
                f"threads per run: {listing(entry.get('threads_per_run', {}))}.",
                f"- Platforms: {listing(entry['platforms'])}.",
                f"- Devices: {listing(entry['devices'])}.",
                "- Versions: "
                + "; ".join(f"{pkg} {listing(v)}" for pkg, v in entry["versions"].items())
                + ".",
            ]
            if CSV_RUNS_KEY in entry:
                earlier = entry.get(CSV_PROVENANCE_KEY)
                lines.append(
                    f"- Plus {entry[CSV_RUNS_KEY]} runs of the committed results CSV (read from "
                    "it, or kept in it for runs outside the selection); "
                    + (
                        f"as recorded when it was written: {earlier.get('runs_used', '?')} runs "
                        f"computed {earlier.get('computed_from')} … {earlier.get('computed_to')}, "
                        f"git commits {listing(earlier.get('git_commits', {}))}, hosts "
                        f"{listing(earlier.get('hosts', {}))}."
                        if earlier
                        else "no provenance was recorded for them."
                    )
                )
            lines.append("")
        return lines


def seeds_per_cell(compared: pd.DataFrame, n_configured: int) -> str:
    """A sentence saying how many seeds the cells of a table have (of ``n_configured``)."""
    counts = compared["n_done"].astype(int)
    if counts.empty:
        return ""
    low, high = int(counts.min()), int(counts.max())
    if low == high:
        return f"Every cell has {high} seed(s) of the {n_configured} configured."
    return (
        f"Cells have {low} to {high} seed(s) of the {n_configured} configured; a cell with fewer "
        f"than {high} shows its count as (n = k)."
    )


def _options(options) -> str:
    return ", ".join(f"{key} = {value!r}" for key, value in options.items())


def _reference_name(path: Path) -> str:
    """How the report names a reference table: ``PyOD`` for PyOD's benchmark, else its stem."""
    return "PyOD" if path.stem.startswith("pyod") else path.stem


def baseline_protocol_lines(experiments: Sequence[Experiment]) -> list[str]:
    """Markdown lines of the protocol section's baseline table: for each baseline method of the
    experiments, the implementation and input scaling its runs use by default, and why.

    Read from the method registry (the protocol parameters recorded in every run spec) and from
    the documentation of the ``baselines`` detector each builds; an experiment or variant that
    overrides them says so in its own section.
    """
    from reproduce.registry import IMPLEMENTATION, BaselineFactory, get_method

    methods = list(dict.fromkeys(m for e in experiments for m in e.methods))
    rows = []
    for method in methods:
        entry = get_method(method)
        if not isinstance(entry.factory, BaselineFactory):
            continue
        import baselines  # torch and PyOD: only when the report has baselines

        implementation = entry.defaults.get(IMPLEMENTATION)
        name = entry.factory.baseline_name(implementation)
        detector = baselines.make_baseline(name)
        scaling = entry.defaults.get("input_scaling", detector.input_scaling)
        reason = detector.spec.param_docs["input_scaling"]
        alternatives = [
            f"`{IMPLEMENTATION} = {value!r}` (`{target}`)"
            for value, target in entry.factory.implementations
            if value != implementation
        ]
        used = f"`{name}`" + (
            f" (`{IMPLEMENTATION} = {implementation!r}`)" if implementation else ""
        )
        rows.append(
            f"| {method} | {used}: {detector.spec.summary} | "
            + (", ".join(alternatives) or "—")
            + f" | `{scaling}` | {reason} |"
        )
    if not rows:
        return []
    return [
        "### Baselines: implementation and per-method input scaling",
        "",
        "The defaults every baseline run records in its spec (`reproduce/registry.py`); the "
        "input scaling is fitted on the training part only and applied on top of the shared "
        "split. Reasons from the `baselines` specs (`baselines/registry.py`).",
        "",
        "| Method | Runs by default | Other implementations | Input scaling | Why this scaling |",
        "|---|---|---|---|---|",
        *rows,
        "",
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


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m reproduce.report`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.report",
        description="Render the reproduction's tables, statistics, figures and report.md from "
        "the run store. Runs nothing: runs missing from the store are reported as missing.",
    )
    cli.add_selection_arguments(parser)
    cli.add_output_arguments(parser)
    cli.add_logging_arguments(parser)
    return parser


def render(args: argparse.Namespace, command: str) -> Path:
    """Build the report for parsed ``args`` (shared with ``reproduce.all``)."""
    experiments = cli.selected_experiments(args)
    filters = {"datasets": args.datasets, "seeds": args.seeds, "methods": args.methods}
    if args.paper_report:
        # results/ holds the whole paper's report: whatever was selected to run, every paper
        # experiment is rendered, from the store or else the committed results CSVs.
        experiments = load_experiments(["paper"])
        filters = {"datasets": None, "seeds": None, "methods": None}
    builder = ReportBuilder(
        RunStore(args.store),
        args.out,
        args.paper_dir,
        causes_path=args.causes,
        runs_from=args.runs_from,
    )
    return builder.build(experiments, command=command, **filters)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m reproduce.report``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    command = "python -m reproduce.report " + shlex.join(
        list(argv if argv is not None else sys.argv[1:])
    )
    try:
        path = render(args, command.strip())
    except ConfigError as exc:
        parser.error(str(exc))
    print(f"report written to {path}")
    return 0
