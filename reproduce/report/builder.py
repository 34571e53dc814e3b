"""The report's orchestration: one :class:`Section` per experiment (runs read, files written, the
kind's renderer called), then ``report.md``: header, verdict, experiments table, the sections,
commands, protocol choices and provenance."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reproduce.config import Experiment, expand
from reproduce.report.context import Section, SectionContext
from reproduce.report.kinds import REPORT_KINDS
from reproduce.report.output import OutputFolder
from reproduce.report.protocol_choices import protocol_choices_lines
from reproduce.report.provenance import commands_lines, provenance_lines, update_provenance
from reproduce.report.sources import RunSources, write_results_csv
from reproduce.report.verdict_section import verdict_lines
from reproduce.results import summarise
from reproduce.store import RunStore, StoreScan
from reproduce.tables import compare_with_paper, markdown_frame

logger = logging.getLogger(__name__)

#: Failed runs listed in a section (the rest are in its run table).
MAX_FAILED_LISTED = 20


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
        self.sources = RunSources(store, paper_dir, runs_from)
        self.output = OutputFolder(out_dir)
        self.causes_path = Path(causes_path) if causes_path is not None else None

    @property
    def store(self) -> RunStore:
        return self.sources.store

    @property
    def scan(self) -> StoreScan:
        return self.sources.scan

    @property
    def out_dir(self) -> Path:
        return self.output.root

    @property
    def paper_dir(self) -> Path:
        return self.sources.paper_dir

    @property
    def runs_from(self) -> str:
        return self.sources.runs_from

    @property
    def provenance_path(self) -> Path:
        """``<out>/provenance.json``: per experiment, what computed its runs."""
        return self.out_dir / "provenance.json"

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
        runs, section.source = self.sources.runs(points, results_csv)
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
        selected = (datasets, seeds, methods) != (None, None, None)
        committed, carried = self.sources.committed_rows(
            experiment, points, results_csv, section.source, selected
        )
        section.carried = len(carried)
        section.files.append(self.output.write_table(runs, f"{experiment.name}_runs.csv"))
        if section.source == "csv":
            section.files.append(results_csv)
        else:
            section.files.append(write_results_csv(runs, results_csv, committed, carried))
        lines = [f"## {experiment.title}", ""]
        lines += self._source_lines(section, results_csv, committed, carried)
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
            lines += self._results(section)
        lines += self._failed_lines(section)
        rel = self.output.relative
        lines.append("Files: " + ", ".join(f"[`{rel(p)}`]({rel(p)})" for p in section.files))
        section.markdown = "\n".join(lines) + "\n"
        return section

    def _source_lines(
        self,
        section: Section,
        results_csv: Path,
        committed: pd.DataFrame | None,
        carried: set[str],
    ) -> list[str]:
        """How many runs the section has and where they were read from, with notes on the
        results CSV (read, rewritten, rows kept or dropped) and on the commits behind them."""
        experiment, runs, counts = section.experiment, section.runs, section.counts
        csv_name = self.output.relative(results_csv)
        where = {
            "store": "the store",
            "csv": f"`{csv_name}`",
            "mixed": f"the store or `{csv_name}`",
        }[section.source]
        lines = [
            f"Experiment `{experiment.name}` "
            f"({experiment.source.name if experiment.source else 'config'}): "
            f"{len(runs)} runs — {counts['done']} done, {counts['failed']} failed, "
            f"{counts['missing']} not in {where}."
        ]
        if section.source == "csv":
            lines.append(
                f"\n> Rendered from the committed results file `{csv_name}` "
                "(finished runs only), not from a run store."
            )
        elif section.source == "mixed":
            lines.append(
                f"\n> Runs read per run id: {section.from_sources['store']} from the run store, "
                f"{section.from_sources['csv']} (runs the store lacks) from the committed results "
                f"file `{csv_name}`, which is rewritten with both (its rows copied unchanged)."
            )
        if carried:
            lines.append(
                f"\n> {len(carried)} run(s) of this experiment outside the selection "
                "(`--datasets`/`--seeds`/`--methods`) keep their rows of "
                f"`{csv_name}` unchanged."
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
                    f"\n> {len(dropped)} row(s) of the previous `{csv_name}` are "
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
        return lines

    def _results(self, section: Section) -> list[str]:
        """Tables, statistics and figures of an experiment with at least one finished run: the
        per-cell summary compared with the paper, then its report kind's renderer."""
        experiment, runs = section.experiment, section.runs
        kind = REPORT_KINDS[experiment.report]
        paper_auc, paper_rank, notes = self.sources.paper(experiment)
        compared = compare_with_paper(summarise(runs), paper_auc)
        if kind.flags_cells:
            section.files.append(self.output.write_table(compared, f"{experiment.name}_auc.csv"))
        else:
            # Compared with the paper but never flagged: the flags and their causes
            # (results/causes.toml) are about the project protocol's own experiments.
            compared = compared.drop(columns=["flag"])
        section.compared = compared
        context = SectionContext(
            experiment=experiment,
            runs=runs,
            compared=compared,
            methods=list(dict.fromkeys(runs["method"])),
            datasets=list(dict.fromkeys(runs["dataset"])),
            paper_auc=paper_auc,
            paper_rank=paper_rank,
            section=section,
            output=self.output,
            sources=self.sources,
        )
        return [f"> {note}" for note in notes] + kind.render(context)

    def _failed_lines(self, section: Section) -> list[str]:
        """The failed runs (the first :data:`MAX_FAILED_LISTED`), retried by the next run."""
        failed = section.runs[section.runs["status"] == "failed"]
        if not len(failed):
            return []
        lines = [
            "",
            f"**Failed runs ({len(failed)})** — retried by the next `python -m reproduce.all`:",
            "",
            markdown_frame(failed[["dataset", "method", "seed", "error"]].head(MAX_FAILED_LISTED)),
        ]
        if len(failed) > MAX_FAILED_LISTED:
            lines.append(
                f"… and {len(failed) - MAX_FAILED_LISTED} more in "
                f"`{self.output.relative(section.files[0])}`.\n"
            )
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
        provenance = update_provenance(self.provenance_path, sections, self.store)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# RobustRealNVP reproduction report",
            "",
            f"Generated {now} by `{command}` {self._read_from(sections)}. Paper: B. Liu, "
            "P.-N. Tan and J. Zhou, *Unsupervised Anomaly Detection by Robust Density "
            f"Estimation*, AAAI 2022; its numbers come from `{self.paper_dir}` (see its README).",
            "",
        ]
        lines += verdict_lines(sections, self.output, self.causes_path)
        lines += _experiments_table(sections)
        for s in sections:
            lines.append(s.markdown)
        lines += commands_lines(command, provenance)
        lines += protocol_choices_lines(experiments)
        lines += provenance_lines(provenance)
        return self.output.write_text(self.out_dir / "report.md", "\n".join(lines))

    def _read_from(self, sections: Sequence[Section]) -> str:
        """Where the report's runs were read from, for its opening line."""
        sources = tuple(sorted({s.source for s in sections}))
        if sources == ("store",):
            corrupt = self.scan.corrupt
            return (
                f"from the run store `{self.store.root}` ({len(self.scan.records)} records"
                + (f", {len(corrupt)} corrupt file(s) ignored" if corrupt else "")
                + ")"
            )
        if sources == ("csv",):
            return f"from the committed results CSVs in `{self.out_dir}` (no run store)"
        return (
            f"from the run store `{self.store.root}` and, for runs it lacks, the committed "
            f"results CSVs in `{self.out_dir}`"
        )


def _experiments_table(sections: Sequence[Section]) -> list[str]:
    """The ``Experiments`` overview: per experiment, its runs and where they were read from."""
    lines = [
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
    return lines
