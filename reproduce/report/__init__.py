"""Render tables, statistics, figures and ``report.md`` from the run store (runs nothing).

Usage::

    python -m reproduce.report [--config paper] [--only table1,fig4] [--store results/runs]
                               [--out results] [--paper-dir results/paper]

Outputs under ``--out``: ``report.md``, ``<experiment>.csv`` (finished runs, long format, with
``roc_auc``), ``tables/<experiment>_runs.csv`` (one row per run),
``tables/<experiment>_auc.csv`` (one row per cell, with the paper's value, the difference and
the flag), ``tables/<experiment>_auc.md`` / ``.tex``, ``tables/<experiment>_ranks.csv``,
``tables/<experiment>_wilcoxon.csv`` and ``figures/<experiment>*.png|pdf``; each report kind's
module says what it writes.

The package, one job per module:

- :mod:`~reproduce.report.sources`: where finished runs are read from (the run store, the
  committed results CSV, or per run id either; ``--runs-from``), the paper's tables, and the
  results CSV written back;
- :mod:`~reproduce.report.builder`: the orchestration (:class:`ReportBuilder`): one
  :class:`Section` per experiment, then ``report.md``;
- :mod:`~reproduce.report.context`: :class:`Section` and the :class:`SectionContext` a report
  kind's renderer gets;
- :mod:`~reproduce.report.kinds`: the registry of report kinds (``report = ...`` of an
  experiment; ``reproduce.config`` validates against it), one module per kind: ``auc_table``
  (Table 1/2: AUC table, ranks, Friedman/Nemenyi, Wilcoxon, anytime AUC), ``ablation`` (two
  methods), ``density`` (two-moons density grids), ``sweep`` (AUC against a varied option),
  ``protocol_comparison`` (per dataset and method, one column per protocol variant beside the
  paper's value) and ``baseline_fidelity`` (per baseline, its mean AUC over datasets beside the
  paper's and a published benchmark's); the last two compare cells with the paper but never flag
  them: the flags and their causes, ``results/causes.toml``, are about the project protocol's
  experiments;
- :mod:`~reproduce.report.significance` and :mod:`~reproduce.report.anytime_auc`: parts shared
  by or added to kinds (statistical tests; test AUC by training epochs);
- :mod:`~reproduce.report.verdict_section`, :mod:`~reproduce.report.protocol_choices` and
  :mod:`~reproduce.report.provenance`: the report-wide sections (the protocol section lists, for
  every baseline method of the report, the implementation and the per-method input scaling its
  runs use by default, with the reason for the scaling);
- :mod:`~reproduce.report.output`: the output folder; :mod:`~reproduce.report.command`: the
  command line.

The names below are importable from ``reproduce.report`` itself; they are loaded on first use, so
that ``reproduce.config`` can import the kinds' registry without pandas or the plotting stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "ReportBuilder": "reproduce.report.builder",
    "Section": "reproduce.report.context",
    "SectionContext": "reproduce.report.context",
    "REPORT_KINDS": "reproduce.report.kinds",
    "ReportKind": "reproduce.report.kinds",
    "register_report_kind": "reproduce.report.kinds",
    "RunSources": "reproduce.report.sources",
    "write_results_csv": "reproduce.report.sources",
    "OutputFolder": "reproduce.report.output",
    "CSV_RUNS_KEY": "reproduce.report.provenance",
    "CSV_PROVENANCE_KEY": "reproduce.report.provenance",
    "PROTOCOL_FILE": "reproduce.report.protocol_choices",
    "baseline_protocol_lines": "reproduce.report.protocol_choices",
    "READING_FILE": "reproduce.report.verdict_section",
    "seeds_per_cell": "reproduce.report.kinds.auc_table",
    "ProtocolTable": "reproduce.report.kinds.protocol_comparison",
    "protocol_table": "reproduce.report.kinds.protocol_comparison",
    "build_parser": "reproduce.report.command",
    "main": "reproduce.report.command",
    "render": "reproduce.report.command",
}

__all__ = [
    "CSV_PROVENANCE_KEY",
    "CSV_RUNS_KEY",
    "PROTOCOL_FILE",
    "READING_FILE",
    "REPORT_KINDS",
    "OutputFolder",
    "ProtocolTable",
    "ReportBuilder",
    "ReportKind",
    "RunSources",
    "Section",
    "SectionContext",
    "baseline_protocol_lines",
    "build_parser",
    "main",
    "protocol_table",
    "register_report_kind",
    "render",
    "seeds_per_cell",
    "write_results_csv",
]

if TYPE_CHECKING:
    from reproduce.report.builder import ReportBuilder
    from reproduce.report.command import build_parser, main, render
    from reproduce.report.context import Section, SectionContext
    from reproduce.report.kinds import REPORT_KINDS, ReportKind, register_report_kind
    from reproduce.report.kinds.auc_table import seeds_per_cell
    from reproduce.report.kinds.protocol_comparison import ProtocolTable, protocol_table
    from reproduce.report.output import OutputFolder
    from reproduce.report.protocol_choices import PROTOCOL_FILE, baseline_protocol_lines
    from reproduce.report.provenance import CSV_PROVENANCE_KEY, CSV_RUNS_KEY
    from reproduce.report.sources import RunSources, write_results_csv
    from reproduce.report.verdict_section import READING_FILE


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
