"""Execution engines: where :func:`reproduce.execute.execute_run` runs.

- :class:`LokyBackend` (default): a pool of ``n_jobs`` loky worker processes (joblib's process
  executor), one thread each. A worker that dies (segfault, ``os._exit``, out-of-memory kill)
  breaks the pool; the runs that were in flight are then retried one at a time in a fresh
  single-worker pool, so the run that kills its worker again is recorded as failed and the
  innocent ones complete.
- :class:`DaskBackend`: the same jobs on a ``dask.distributed`` cluster (``--scheduler``); a
  task whose workers keep dying ends as ``KilledWorker`` and is recorded as failed.
- :class:`SequentialBackend`: in this process, one run after the other (debugging; no crash
  isolation).

Every backend reports each run exactly once through the ``on_outcome`` callback.
"""

from __future__ import annotations

import logging
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait

from reproduce.execute import RunJob, RunOutcome, execute_run, failed_record, utc_now

logger = logging.getLogger(__name__)

OutcomeCallback = Callable[[RunOutcome], None]

#: Environment of loky workers: BLAS and OpenMP pools start with one thread.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def worker_died_record(job: RunJob, reason: str, started_at: str, elapsed: float) -> RunOutcome:
    """A failed outcome for a run whose worker process died."""
    return RunOutcome(
        failed_record(
            job,
            error_type="WorkerDied",
            message="the worker process running this run died: " + reason.splitlines()[0],
            trace=reason,
            phase="worker",
            started_at=started_at,
            elapsed=elapsed,
        )
    )


def _unexpected_error(
    job: RunJob, exc: BaseException, started_at: str, elapsed: float
) -> RunOutcome:
    return RunOutcome(
        failed_record(
            job,
            error_type=type(exc).__name__,
            message=f"the backend could not execute the run: {exc}",
            trace="".join(traceback.format_exception(exc)),
            phase="backend",
            started_at=started_at,
            elapsed=elapsed,
        )
    )


class BackendUnavailableError(RuntimeError):
    """The backend cannot start (e.g. the dask scheduler is unreachable)."""


class Backend(ABC):
    """Runs jobs and reports every outcome once."""

    #: Parallel workers (for the progress description).
    n_workers: int = 1

    @abstractmethod
    def run(self, jobs: Sequence[RunJob], on_outcome: OutcomeCallback) -> None:
        """Execute ``jobs`` (in any order) and call ``on_outcome`` for each as it finishes."""

    def describe(self) -> str:
        """Short text for logs and the invocation log."""
        return type(self).__name__


class SequentialBackend(Backend):
    """Run in this process, one after the other (no isolation from crashes)."""

    def run(self, jobs: Sequence[RunJob], on_outcome: OutcomeCallback) -> None:
        for job in jobs:
            on_outcome(execute_run(job))

    def describe(self) -> str:
        return "sequential (in process)"


class LokyBackend(Backend):
    """A pool of loky worker processes.

    Parameters
    ----------
    n_jobs : int
        Worker processes (each runs one job at a time with one thread).
    """

    def __init__(self, n_jobs: int) -> None:
        if not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be a positive integer, got {n_jobs!r}")
        self.n_workers = n_jobs

    def describe(self) -> str:
        return f"loky, {self.n_workers} worker process(es)"

    @staticmethod
    def _executor(n_workers: int):
        from joblib.externals.loky import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=n_workers, env=dict(SINGLE_THREAD_ENV))

    def run(self, jobs: Sequence[RunJob], on_outcome: OutcomeCallback) -> None:
        from joblib.externals.loky.process_executor import BrokenProcessPool

        queue = deque(jobs)
        while queue:
            executor = self._executor(min(self.n_workers, len(queue)))
            in_flight: dict[Future, tuple[RunJob, str, float]] = {}
            suspects: list[tuple[RunJob, str, float]] = []
            crash_reason = ""
            clean = False
            try:
                while (queue or in_flight) and not suspects:
                    while queue and len(in_flight) < self.n_workers:
                        job = queue.popleft()
                        future = executor.submit(execute_run, job)
                        in_flight[future] = (job, utc_now(), time.perf_counter())
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        job, started_at, started = in_flight.pop(future)
                        try:
                            outcome = future.result()
                        except BrokenProcessPool as exc:
                            suspects.append((job, started_at, started))
                            crash_reason = "".join(traceback.format_exception_only(exc)).strip()
                        except Exception as exc:  # e.g. an unpicklable job: recorded as failed
                            on_outcome(
                                _unexpected_error(
                                    job, exc, started_at, time.perf_counter() - started
                                )
                            )
                        else:
                            on_outcome(outcome)
                if suspects:
                    # The pool is broken: every other run in flight ends too (with a result if it
                    # finished in time, otherwise with the same error).
                    wait(in_flight)
                    for future, (job, started_at, started) in in_flight.items():
                        if future.exception() is None:
                            on_outcome(future.result())
                        else:
                            suspects.append((job, started_at, started))
                    in_flight.clear()
                clean = True
            finally:
                # Idle workers exit on their own (about a second of interpreter shutdown with
                # torch loaded): killing them would leak the semaphores that libraries create in
                # them (e.g. tqdm's lock) and make Python warn about it at exit.
                executor.shutdown(wait=clean, kill_workers=not clean or bool(suspects))
            if suspects:
                logger.warning(
                    "a worker process died with %d run(s) in flight; retrying them one at a time",
                    len(suspects),
                )
                self._isolate(suspects, crash_reason, on_outcome)

    def _isolate(
        self,
        suspects: list[tuple[RunJob, str, float]],
        crash_reason: str,
        on_outcome: OutcomeCallback,
    ) -> None:
        """Rerun each suspect alone; one that kills its worker again is recorded as failed."""
        from joblib.externals.loky.process_executor import BrokenProcessPool

        if len(suspects) == 1:
            job, started_at, started = suspects[0]
            on_outcome(
                worker_died_record(job, crash_reason, started_at, time.perf_counter() - started)
            )
            return
        for job, _, _ in suspects:
            started_at, started = utc_now(), time.perf_counter()
            executor = self._executor(1)
            clean = False
            try:
                outcome = executor.submit(execute_run, job).result()
                clean = True
            except BrokenProcessPool as exc:
                reason = "".join(traceback.format_exception_only(exc)).strip()
                outcome = worker_died_record(job, reason, started_at, time.perf_counter() - started)
            except Exception as exc:
                outcome = _unexpected_error(job, exc, started_at, time.perf_counter() - started)
            finally:
                executor.shutdown(wait=clean, kill_workers=not clean)
            on_outcome(outcome)


class DaskBackend(Backend):
    """Run on a ``dask.distributed`` cluster.

    Parameters
    ----------
    scheduler : str
        Address of the scheduler (``tcp://host:8786``). Workers must be able to import
        ``reproduce``, ``rrnvp``, ``datasets`` and ``baselines`` (start them from the checkout)
        and read the data.
    connect_timeout : float
        Seconds to wait for the scheduler.
    """

    def __init__(self, scheduler: str, connect_timeout: float = 30.0) -> None:
        if not scheduler:
            raise ValueError("the dask backend needs a scheduler address (--scheduler ADDRESS)")
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        self.n_workers = 0

    def describe(self) -> str:
        return f"dask scheduler {self.scheduler}"

    def run(self, jobs: Sequence[RunJob], on_outcome: OutcomeCallback) -> None:
        try:
            from distributed import Client, as_completed
            from distributed.scheduler import KilledWorker
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise BackendUnavailableError(
                "the dask backend needs dask.distributed: pip install 'dask[distributed]'"
            ) from exc
        try:
            client = Client(self.scheduler, timeout=self.connect_timeout)
        except OSError as exc:
            raise BackendUnavailableError(
                f"cannot reach the dask scheduler at {self.scheduler!r}: {exc}"
            ) from exc
        try:
            self.n_workers = len(client.scheduler_info().get("workers", {}))
            started_at, started = utc_now(), time.perf_counter()
            futures = {client.submit(execute_run, job, pure=False): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcome = future.result()
                except KilledWorker as exc:
                    reason = "".join(traceback.format_exception_only(exc)).strip()
                    outcome = worker_died_record(
                        job, reason, started_at, time.perf_counter() - started
                    )
                except Exception as exc:
                    outcome = _unexpected_error(job, exc, started_at, time.perf_counter() - started)
                future.release()
                on_outcome(outcome)
        finally:
            client.close()
