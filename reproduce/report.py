"""Render tables, statistics, figures and ``report.md`` from the run store (runs nothing).

Usage::

    python -m reproduce.report [--config paper] [--only table1,fig4] [--store results/runs]
                               [--out results] [--paper-dir results/paper]

Outputs under ``--out``: ``report.md``, ``<experiment>.csv`` (finished runs, long format, with
``auc_roc``), ``tables/<experiment>_runs.csv`` (one row per run),
``tables/<experiment>_auc.csv`` (one row per cell, with the paper's value, the difference and
the flag), ``tables/<experiment>_auc.md`` / ``.tex``, ``tables/<experiment>_ranks.csv``,
``tables/<experiment>_wilcoxon.csv`` and ``figures/<experiment>*.png|pdf``.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reproduce import cli
from reproduce.config import ConfigError, Experiment, expand
from reproduce.results import auc_matrix, run_rows, summarise
from reproduce.store import CorruptRecordError, RunRecord, RunStore, StoreScan
from reproduce.tables import (
    average_ranks,
    compare_with_paper,
    latex_auc_table,
    markdown_auc_table,
    markdown_frame,
    rank_table,
    read_paper_auc,
    read_paper_rank,
)

logger = logging.getLogger(__name__)

PROTOCOL_FILE = Path(__file__).resolve().parent / "protocol.md"


@dataclass
class Section:
    """The Markdown of one experiment plus the files it wrote."""

    experiment: Experiment
    markdown: str
    files: list[Path] = field(default_factory=list)
    records: list[RunRecord] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class ReportBuilder:
    """Builds the report of some experiments from a store scan.

    Parameters
    ----------
    store : RunStore
    out_dir : Path
        Where ``report.md``, ``tables/`` and ``figures/`` go.
    paper_dir : Path
        Folder of the paper's CSV files (``results/paper``).
    """

    def __init__(self, store: RunStore, out_dir: Path, paper_dir: Path) -> None:
        self.store = store
        self.out_dir = Path(out_dir)
        self.paper_dir = Path(paper_dir)
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

    def _results_csv(self, runs: pd.DataFrame, name: str) -> Path:
        """``<out>/<experiment>.csv``: one row per finished run, the committed long format."""
        columns = [
            "dataset", "method", "seed", "sweep_value", "auc_roc", "average_precision",
            "fit_seconds", "score_seconds", "n_train", "n_features", "git_commit", "run_id",
        ]  # fmt: skip
        done = runs[runs["status"] == "done"].rename(columns={"roc_auc": "auc_roc"})
        if done["sweep_value"].isna().all():
            columns.remove("sweep_value")
        path = self.out_dir / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        done[columns].sort_values(["dataset", "method", "seed"]).to_csv(path, index=False)
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
        runs = run_rows(points, self.scan.records)
        section = Section(experiment, "")
        section.records = [self.scan.records[r] for r in runs["run_id"] if r in self.scan.records]
        section.counts = {
            s: int((runs["status"] == s).sum()) for s in ("done", "failed", "missing")
        }
        section.files.append(self._csv(runs, f"{experiment.name}_runs.csv"))
        section.files.append(self._results_csv(runs, experiment.name))
        lines = [f"## {experiment.title}", ""]
        lines.append(
            f"Experiment `{experiment.name}` "
            f"({experiment.source.name if experiment.source else 'config'}): "
            f"{len(runs)} runs — {section.counts['done']} done, {section.counts['failed']} failed, "
            f"{section.counts['missing']} not in the store."
        )
        commits = sorted(
            {
                str((r.environment.get("git") or {}).get("commit"))[:10]
                for r in section.records
                if r.done
            }
        )
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
        section.files.append(self._csv(compared, f"{experiment.name}_auc.csv"))
        lines = [f"> {note}" for note in notes]

        dataset_order = list(dict.fromkeys(runs["dataset"]))
        method_order = list(dict.fromkeys(runs["method"]))
        renderer = {
            "auc_table": self._auc_table,
            "ablation": self._ablation,
            "density": self._density,
            "sweep": self._sweep,
        }[experiment.report]
        lines += renderer(
            experiment, runs, compared, method_order, dataset_order, paper_auc, paper_rank, section
        )
        return lines

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
            "(rank 1 = best; ties share the mean rank).",
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
                record = self.scan.records[first["run_id"]]
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
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# RobustRealNVP reproduction report",
            "",
            f"Generated {now} by `{command}` from the run store `{self.store.root}` "
            f"({len(self.scan.records)} records"
            + (f", {len(self.scan.corrupt)} corrupt file(s) ignored" if self.scan.corrupt else "")
            + "). Paper: B. Liu, P.-N. Tan and J. Zhou, *Unsupervised Anomaly Detection by Robust "
            "Density Estimation*, AAAI 2022; its numbers come from "
            f"`{self.paper_dir}` (see its README).",
            "",
            "| Experiment | Title | Runs done | Failed | Not in store |",
            "|---|---|---:|---:|---:|",
        ]
        for s in sections:
            lines.append(
                f"| `{s.experiment.name}` | {s.experiment.title} | {s.counts.get('done', 0)} "
                f"| {s.counts.get('failed', 0)} | {s.counts.get('missing', 0)} |"
            )
        lines.append("")
        for s in sections:
            lines.append(s.markdown)
        lines += self._commands(command)
        lines += ["## Protocol choices", "", PROTOCOL_FILE.read_text(encoding="utf-8"), ""]
        lines += self._provenance([r for s in sections for r in s.records])
        path = self._write(self.out_dir / "report.md", "\n".join(lines))
        return path

    def _commands(self, command: str) -> list[str]:
        lines = ["## Commands", "", "Runner invocations recorded in the store (newest last):", ""]
        latest: dict[str, dict] = {}
        for entry in self.store.invocations():  # the end line of an invocation follows its start
            latest[entry.get("invocation") or str(len(latest))] = entry
        invocations = list(latest.values())
        if not invocations:
            lines.append("*(none recorded)*")
        for entry in invocations[-30:]:
            summary = entry.get("summary") or ""
            if entry.get("status") == "started":
                summary = f"did not finish (killed?) — {summary}"
            elif entry.get("status") == "interrupted":
                summary = f"interrupted — {summary}"
            lines.append(
                f"- `{entry.get('command', '?')}` — {entry.get('started_at', '?')}, "
                f"{entry.get('host', '?')}, commit {str(entry.get('git_commit'))[:10]}: {summary}"
            )
        if len(invocations) > 30:
            lines.append(f"- … {len(invocations) - 30} earlier invocations in `invocations.jsonl`")
        lines += ["", "This report:", "", f"```\n{command}\n```", ""]
        return lines

    def _provenance(self, records: Sequence[RunRecord]) -> list[str]:
        lines = ["## Provenance", ""]
        if not records:
            return lines + ["No stored runs were used.", ""]
        unique = {r.run_id: r for r in records}.values()

        def distinct(values) -> str:
            counted = pd.Series([str(v) for v in values]).value_counts()
            return ", ".join(f"`{value}` ({count})" for value, count in counted.items())

        commits = [
            f"{(r.environment.get('git') or {}).get('commit')}"
            + ("+dirty" if (r.environment.get("git") or {}).get("dirty") else "")
            for r in unique
        ]
        versions = pd.DataFrame([r.environment.get("versions", {}) for r in unique])
        total = sum(float(r.timing.get("total_seconds") or 0.0) for r in unique)
        started = min((r.started_at for r in unique if r.started_at), default="?")
        finished = max((r.finished_at for r in unique if r.finished_at), default="?")
        lines += [
            f"- Runs used: {len(unique)} (computed {started} … {finished}; "
            f"{total / 3600:.2f} CPU-worker hours in total).",
            f"- Git commits: {distinct(commits)}.",
            f"- Hosts: {distinct(r.environment.get('host') for r in unique)}.",
            f"- Devices: {distinct(r.environment.get('device') for r in unique)}.",
        ]
        for column in versions.columns:
            lines.append(f"- {column}: {distinct(versions[column])}.")
        lines.append("")
        return lines


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
    builder = ReportBuilder(RunStore(args.store), args.out, args.paper_dir)
    return builder.build(
        experiments,
        command=command,
        datasets=args.datasets,
        seeds=args.seeds,
        methods=args.methods,
    )


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


if __name__ == "__main__":
    sys.exit(main())
