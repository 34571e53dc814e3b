"""One experiment's section of the report (:class:`Section`) and what a report kind's renderer is
given to fill it (:class:`SectionContext`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from reproduce.config import Experiment
from reproduce.store import RunRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from reproduce.report.output import OutputFolder
    from reproduce.report.sources import RunSources


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


@dataclass(frozen=True)
class SectionContext:
    """Everything a report kind's renderer gets: one experiment with at least one finished run.

    The renderer returns the Markdown lines of the experiment's results; the files it writes go
    through :meth:`add_table`, :meth:`add_table_text` and :meth:`add_figure`, which list them in
    the section's ``Files:`` line in the order they were written.
    """

    experiment: Experiment
    #: One row per run of the selection (``tables/<experiment>_runs.csv``), any status.
    runs: pd.DataFrame
    #: Per-cell summary with the paper comparison (without ``flag`` for kinds not flagged).
    compared: pd.DataFrame
    #: Methods and datasets in the order of the runs (the experiment's).
    methods: list[str]
    datasets: list[str]
    #: The paper's AUC table and printed average ranks, when the experiment names them.
    paper_auc: pd.DataFrame | None
    paper_rank: pd.Series | None
    #: The section being built (its files; ``ranks`` for the verdict; where runs were read).
    section: Section
    output: OutputFolder
    sources: RunSources

    @property
    def name(self) -> str:
        """The experiment's name, the stem of its files."""
        return self.experiment.name

    def link(self, path: Path) -> str:
        """``path`` as the report links it (relative to the output folder)."""
        return self.output.relative(path)

    def add_table(self, frame: pd.DataFrame, name: str) -> Path:
        """Write ``tables/<name>`` (CSV) and list it among the section's files."""
        path = self.output.write_table(frame, name)
        self.section.files.append(path)
        return path

    def add_table_text(self, name: str, text: str) -> Path:
        """Write ``tables/<name>`` (Markdown, LaTeX) and list it among the section's files."""
        path = self.output.write_table_text(name, text)
        self.section.files.append(path)
        return path

    def add_figure(self, figure: Figure, stem: str) -> list[Path]:
        """Save ``figures/<stem>.png|pdf`` and list both among the section's files."""
        paths = self.output.save_figure(figure, stem)
        self.section.files += paths
        return paths
