"""``python -m reproduce.report``: the command line (also used by ``python -m reproduce.all``)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from reproduce import cli
from reproduce.config import ConfigError, load_experiments
from reproduce.report.builder import ReportBuilder
from reproduce.store import RunStore


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
