"""Run the reproduction's experiment grid, then render the report.

Usage::

    python -m reproduce.all [--config paper|quick|...] [--only table1,fig4] [--datasets ...]
                            [--seeds 0-4] [--methods ...] [--n-jobs N]
                            [--backend loky|dask|sequential] [--scheduler ADDRESS]
                            [--store results/runs] [--out results] [--device cpu]
                            [--check REFERENCE.csv [--tolerance T]] [--write-reference CSV]

Finished runs in the store are skipped, failed or damaged ones are computed again; every run is
written to the store as soon as it finishes, so an interrupted invocation resumes where it
stopped. ``python -m reproduce.report`` re-renders the report without running anything.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from reproduce import check, cli
from reproduce.backends import (
    Backend,
    BackendUnavailableError,
    DaskBackend,
    LokyBackend,
    SequentialBackend,
)
from reproduce.config import ConfigError, expand
from reproduce.environment import git_state
from reproduce.execute import utc_now
from reproduce.runner import GridSummary, run_grid
from reproduce.store import RunStore, StoreBusyError

BACKENDS = ("loky", "dask", "sequential")


def available_cpus() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m reproduce.all`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.all",
        description="Run the reproduction's experiments (skipping runs already in the store, "
        "retrying failed ones), then write the report. Interrupt at any time: rerunning the same "
        "command resumes.",
    )
    cli.add_selection_arguments(parser)
    group = parser.add_argument_group("execution")
    group.add_argument(
        "--n-jobs",
        type=positive_int,
        default=available_cpus(),
        metavar="N",
        help="parallel worker processes for the loky backend, one thread each "
        "(default: the CPUs available, %(default)s here)",
    )
    group.add_argument(
        "--backend",
        choices=BACKENDS,
        default="loky",
        help="loky: local worker processes (default); dask: a dask.distributed cluster "
        "(needs --scheduler); sequential: in this process, for debugging",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address, e.g. tcp://10.0.0.1:8786 (with --backend dask); workers "
        "must run from this checkout and see the data",
    )
    group.add_argument(
        "--device",
        default="cpu",
        help="torch device of the detectors that take one and of CIFAR-10 feature extraction "
        "(when the features are not cached): cpu (default), cuda, cuda:N, auto (not part of "
        "the run id)",
    )
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data root passed to the dataset loaders (default: their own, e.g. $RRNVP_DATA)",
    )
    group.add_argument(
        "--dry-run",
        action="store_true",
        help="list how many runs each experiment needs and how many are stored; run nothing",
    )
    group.add_argument("--no-report", action="store_true", help="do not render the report")
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    group = parser.add_argument_group("AUC regression check")
    group.add_argument(
        "--check",
        metavar="CSV",
        help="after running, compare every selected run's ROC-AUC with this reference file "
        "(columns dataset, method, seed, roc_auc, or its legacy name auc_roc; e.g. "
        "results/regression/reference.csv or results/table1.csv); exit status 3 when a cell is "
        "missing or outside --tolerance",
    )
    group.add_argument(
        "--tolerance",
        type=float,
        default=check.DEFAULT_TOLERANCE,
        metavar="T",
        help="largest accepted |actual - expected| ROC-AUC for --check (default %(default)s)",
    )
    group.add_argument(
        "--write-reference",
        metavar="CSV",
        help="after running, write the selected finished runs as a new reference file "
        "(refuses to overwrite an existing file)",
    )
    cli.add_output_arguments(parser)
    cli.add_logging_arguments(parser)
    return parser


def run_checks(args: argparse.Namespace, experiments) -> int:
    """``--check`` and ``--write-reference``: 0 when all is well, 3 when a check failed."""
    runs = check.selected_runs(
        experiments,
        RunStore(args.store),
        datasets=args.datasets,
        seeds=args.seeds,
        methods=args.methods,
    )
    status = 0
    if args.write_reference:
        path = Path(args.write_reference)
        if path.exists():
            print(
                f"error: {path} exists; remove it first to write a new reference", file=sys.stderr
            )
            return 2
        path.parent.mkdir(parents=True, exist_ok=True)
        check.reference_rows(runs).to_csv(path, index=False)
        print(f"reference values written to {path}")
    if args.check:
        outcome = check.compare(runs, check.load_reference(args.check), args.tolerance)
        for line in outcome.failures:
            print(f"AUC regression: {line}")
        print(outcome.summary(args.tolerance))
        if not outcome.ok:
            status = 3
    return status


def make_backend(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Backend:
    """The backend chosen on the command line (parser errors for inconsistent options)."""
    if args.backend == "dask":
        if not args.scheduler:
            parser.error("--backend dask needs --scheduler ADDRESS")
        return DaskBackend(args.scheduler)
    if args.scheduler:
        parser.error("--scheduler is only used with --backend dask")
    if args.backend == "sequential":
        return SequentialBackend()
    return LokyBackend(args.n_jobs)


def dry_run(args: argparse.Namespace, experiments) -> int:
    """Print per-experiment run counts against the store."""
    store = RunStore(args.store)
    scan = store.scan()
    for experiment in experiments:
        points = expand(experiment, datasets=args.datasets, seeds=args.seeds, methods=args.methods)
        ids = {p.spec.run_id for p in points}
        done = sum(1 for i in ids if i in scan.records and scan.records[i].done)
        failed = sum(1 for i in ids if i in scan.records and not scan.records[i].done)
        print(
            f"{experiment.name}: {len(ids)} runs, {done} done, {failed} failed, "
            f"{len(ids) - done - failed} not run"
        )
    if scan.corrupt:
        print(f"{len(scan.corrupt)} corrupt file(s) in the store (recomputed by a real run)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m reproduce.all``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    arguments = list(argv if argv is not None else sys.argv[1:])
    command = ("python -m reproduce.all " + shlex.join(arguments)).strip()
    try:
        experiments = cli.selected_experiments(args)
    except ConfigError as exc:
        parser.error(str(exc))
    if args.dry_run:
        return dry_run(args, experiments)
    backend = make_backend(args, parser)

    specs = [
        point.spec
        for experiment in experiments
        for point in expand(
            experiment, datasets=args.datasets, seeds=args.seeds, methods=args.methods
        )
    ]
    store = RunStore(args.store)
    print(
        f"experiments: {', '.join(e.name for e in experiments)}; store: {store.root}; "
        f"backend: {backend.describe()}",
        flush=True,
    )
    entry = {
        "invocation": uuid.uuid4().hex[:12],
        "command": command,
        "started_at": utc_now(),
        "host": socket.gethostname(),
        "git_commit": git_state().get("commit"),
        "experiments": [e.name for e in experiments],
        "backend": backend.describe(),
    }
    summary = GridSummary()
    status = "interrupted"
    try:
        run_grid(
            specs,
            store,
            backend,
            data_dir=args.data_dir,
            device=args.device,
            progress=not args.no_progress,
            summary=summary,
            on_start=lambda s, pending: store.log_invocation(
                {**entry, "status": "started", "summary": f"{s.total} runs, {pending} to compute"}
            ),
        )
        status = "finished"
    except (StoreBusyError, BackendUnavailableError) as exc:
        status = "refused"
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished runs are stored; rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
    finally:
        if status != "refused":
            store.log_invocation({**entry, "status": status, "summary": summary.line()})
    print(summary.line())
    if (summary.done or summary.failed) and store.root.resolve().is_relative_to(
        Path.cwd().resolve()
    ):
        print(
            f"{summary.done + summary.failed} new run record(s) in {store.root}: commit them "
            f"(git add {store.root}) to resume from them on another machine"
        )
    if summary.corrupt:
        for line in summary.corrupt_files:
            print(f"  corrupt: {line}")
    if summary.failed:
        print(
            f"{summary.failed} run(s) failed; their tracebacks are in {store.root}/<run_id>.json "
            "and the next invocation retries them"
        )
    if not args.no_report:
        from reproduce import report

        path = report.render(args, command)
        print(f"report written to {path}")
    if args.check or args.write_reference:
        try:
            checked = run_checks(args, experiments)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if checked:
            return checked
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
