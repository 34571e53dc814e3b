"""Run a grid of specs against a store: skip what is finished, compute the rest, record all.

:func:`run_grid` reads the store, moves damaged files aside, and hands every run that is not
``done`` (never run, failed before, or damaged) to a backend, runs on the largest datasets first;
each outcome is written to the store the moment it arrives, so an interrupted grid resumes where
it stopped.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tqdm.auto import tqdm

import datasets
from reproduce.backends import Backend
from reproduce.environment import git_state
from reproduce.execute import RunJob, RunOutcome
from reproduce.registry import get_method
from reproduce.spec import RunSpec, package_version
from reproduce.store import RunRecord, RunStore

logger = logging.getLogger(__name__)


@dataclass
class GridSummary:
    """Counts of one :func:`run_grid` call."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    corrupt: int = 0
    seconds: float = 0.0
    failed_runs: list[str] = field(default_factory=list)
    corrupt_files: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One-line summary, e.g. ``12 runs: 10 done, 1 skipped (in store), 1 failed in 3m04s``."""
        minutes, seconds = divmod(int(round(self.seconds)), 60)
        hours, minutes = divmod(minutes, 60)
        took = f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
        text = (
            f"{self.total} runs: {self.done} done, {self.skipped} skipped (already in the store), "
            f"{self.failed} failed"
        )
        if self.corrupt:
            text += f", {self.corrupt} corrupt file(s) quarantined and recomputed"
        return f"{text} in {took}"


def unstorable_record(record: RunRecord, exc: Exception) -> RunRecord:
    """A failed record replacing a result that could not be written (e.g. non-JSON values)."""
    return RunRecord(
        run_id=record.run_id,
        status="failed",
        spec=record.spec,
        package_version=record.package_version,
        timing={"total_seconds": float(record.timing.get("total_seconds") or 0.0)},
        started_at=record.started_at,
        finished_at=record.finished_at,
        error={
            "type": type(exc).__name__,
            "message": f"the run's record could not be stored: {exc}",
            "traceback": "".join(traceback.format_exception(exc)),
            "phase": "store",
        },
    )


def unique_specs(specs: Sequence[RunSpec]) -> dict[str, RunSpec]:
    """Specs keyed by run id, in first-seen order, each once."""
    by_id: dict[str, RunSpec] = {}
    for spec in specs:
        by_id.setdefault(spec.run_id, spec)
    return by_id


def make_jobs(
    specs: Sequence[RunSpec],
    *,
    data_dir: str | None = None,
    device: str = "cpu",
    n_threads: int = 1,
    progress: bool = True,
) -> list[RunJob]:
    """Resolve each spec's method factory and dataset loader into a picklable :class:`RunJob`.

    The execution settings (``data_dir``, ``device``, ``n_threads``, ``progress``) go into every
    job, the detector's and the compute context of its split alike (so ``--device`` also
    reaches CIFAR-10 feature extraction); they are never part of a spec or a run id.

    Raises
    ------
    ValueError
        A spec names a method or dataset that is not registered (the message lists the known
        ones).
    """
    version = package_version()
    git = git_state()
    context = datasets.ComputeContext(device=device, num_threads=n_threads, progress=progress)
    return [
        RunJob(
            spec=spec,
            run_id=run_id,
            package_version=version,
            factory=get_method(spec.method).factory,
            loader=datasets.split_loader(spec.dataset),
            data_dir=data_dir,
            device=device,
            n_threads=n_threads,
            git=git,
            context=context,
        )
        for run_id, spec in unique_specs(specs).items()
    ]


def dataset_size_hint(name: str) -> int:
    """The registry's size hint of dataset ``name`` (0 when it has none or is not registered)."""
    try:
        return datasets.get_entry(name).size_hint or 0
    except ValueError:  # not registered: make_jobs refuses it anyway
        return 0


def longest_first(jobs: Sequence[RunJob]) -> list[RunJob]:
    """``jobs`` ordered by their dataset's size hint, largest first.

    Starting the longest runs first shortens the tail of a grid, when one worker still computes
    and the others are idle. Equal or unknown sizes keep their order (the sort is stable), and the
    order changes no result: every run is seeded on its own.
    """
    return sorted(jobs, key=lambda job: -dataset_size_hint(job.spec.dataset))


def run_grid(
    specs: Sequence[RunSpec],
    store: RunStore,
    backend: Backend,
    *,
    data_dir: str | None = None,
    device: str = "cpu",
    progress: bool = True,
    summary: GridSummary | None = None,
    on_start: Callable[[GridSummary, int], None] | None = None,
) -> GridSummary:
    """Compute every run of ``specs`` that the store does not hold as ``done``.

    Parameters
    ----------
    specs : sequence of RunSpec
        The grid; duplicates (same run id) are run once.
    store : RunStore
        Where results are read from and written to (locked for the duration).
    backend : Backend
        Where runs execute.
    data_dir : str, optional
        Passed to the dataset loaders (``None``: their default, e.g. ``$RRNVP_DATA``).
    device : str
        Torch device for the detectors that take one and for feature extraction (CIFAR-10
        features that are not cached); not part of the run id.
    progress : bool
        Show a progress bar (elapsed time and ETA) on stderr, and those of long data steps
        (feature extraction) in the workers.
    summary : GridSummary, optional
        Filled in place (so a caller interrupted by Ctrl-C still has the counts so far).
    on_start : callable, optional
        Called as ``on_start(summary, n_pending)`` once the store is locked and read, before any
        run starts.

    Returns
    -------
    GridSummary
    """
    started = time.perf_counter()
    summary = summary if summary is not None else GridSummary()
    with store.lock():
        removed = store.remove_temporary_files()
        if removed:
            logger.info("removed %d temporary file(s) left by an interrupted run", removed)
        scan = store.scan()
        for path, reason in scan.corrupt:
            store.quarantine(path, reason)
            summary.corrupt_files.append(f"{path.name}: {reason}")
        summary.corrupt = len(scan.corrupt)

        jobs = make_jobs(specs, data_dir=data_dir, device=device, progress=progress)
        summary.total = len(jobs)
        pending = []
        for job in jobs:
            record = scan.records.get(job.run_id)
            if record is not None and record.done:
                summary.skipped += 1
            else:
                pending.append(job)
        pending = longest_first(pending)
        retried = sum(1 for job in pending if job.run_id in scan.records)
        logger.info(
            "%d runs: %d already done, %d to compute (%d failed before, retried) on %s",
            summary.total,
            summary.skipped,
            len(pending),
            retried,
            backend.describe(),
        )

        if on_start is not None:
            on_start(summary, len(pending))
        bar = tqdm(
            total=len(pending),
            desc="runs",
            unit="run",
            disable=not progress or not pending,
            dynamic_ncols=True,
        )

        def record_outcome(outcome: RunOutcome) -> None:
            record = outcome.record
            try:
                store.write(record, outcome.artifacts)
            except (TypeError, ValueError) as exc:  # a record that cannot be serialised
                record = unstorable_record(record, exc)
                store.write(record)
            if record.done:
                summary.done += 1
            else:
                summary.failed += 1
                summary.failed_runs.append(record.run_id)
                error = record.error or {}
                first_line = (str(error.get("message") or "").splitlines() or [""])[0]
                message = (
                    f"run {record.run_id} failed in {error.get('phase')}: "
                    f"{error.get('type')}: {first_line}"
                )
                if bar.disable:
                    logger.warning(message)
                else:
                    bar.write(message)
            bar.set_postfix(done=summary.done, failed=summary.failed, refresh=False)
            bar.update(1)

        try:
            if pending:
                backend.run(pending, record_outcome)
        finally:
            bar.close()
            summary.seconds = time.perf_counter() - started
    return summary
