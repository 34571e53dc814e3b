"""The report (``python -m reproduce.report``); see :mod:`reproduce.report.builder`."""

from reproduce.report.builder import (
    CSV_PROVENANCE_KEY,
    CSV_RUNS_KEY,
    PROTOCOL_FILE,
    READING_FILE,
    ProtocolTable,
    ReportBuilder,
    Section,
    baseline_protocol_lines,
    build_parser,
    main,
    protocol_table,
    render,
    seeds_per_cell,
)

__all__ = [
    "CSV_PROVENANCE_KEY",
    "CSV_RUNS_KEY",
    "PROTOCOL_FILE",
    "READING_FILE",
    "ProtocolTable",
    "ReportBuilder",
    "Section",
    "baseline_protocol_lines",
    "build_parser",
    "main",
    "protocol_table",
    "render",
    "seeds_per_cell",
]
