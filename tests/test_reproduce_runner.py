"""The runner: resume without recomputation, failures recorded and retried, parallel backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from reproduce.backends import (
    BackendUnavailableError,
    DaskBackend,
    LokyBackend,
    SequentialBackend,
)
from reproduce.execute import resolve_params
from reproduce.runner import run_grid
from reproduce.spec import ORACLE_CONTAMINATION, ORACLE_DATASET_CONTAMINATION, RunSpec
from reproduce.store import RunStore
from reproduce.testing import TOY_DATASETS

pytestmark = pytest.mark.usefixtures("toys")


def grid(methods=("Toy",), seeds=(0, 1), datasets=TOY_DATASETS, **params) -> list[RunSpec]:
    return [
        RunSpec.create(d, m, s, {"noise": 0.1, **params} if m == "Toy" else {"n_estimators": 20})
        for d in datasets
        for m in methods
        for s in seeds
    ]


def mtimes(store: RunStore) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in store.root.glob("*.json")}


def _local_cluster(distributed):
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )


def test_rerun_skips_finished_runs_without_touching_them(tmp_path):
    store = RunStore(tmp_path)
    specs = grid()
    first = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (first.total, first.done, first.skipped, first.failed) == (6, 6, 0, 0)
    before = mtimes(store)
    time.sleep(0.01)
    second = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (second.done, second.skipped) == (0, 6)
    assert mtimes(store) == before
    # Extending the grid computes only the new runs.
    third = run_grid(grid(seeds=(0, 1, 2)), store, SequentialBackend(), progress=False)
    assert (third.done, third.skipped) == (3, 6)
    assert {k: v for k, v in mtimes(store).items() if k in before} == before


def test_records_hold_metrics_and_provenance(tmp_path):
    store = RunStore(tmp_path)
    (spec,) = grid(seeds=(0,), datasets=("toy-a",))
    summary = run_grid([spec, spec], store, SequentialBackend(), progress=False)
    assert (summary.total, summary.done, summary.skipped) == (1, 1, 0)  # duplicates run once
    assert [p.name for p in store.root.glob("*.json")] == [f"{spec.run_id}.json"]
    record = store.read(spec.run_id)
    assert record.done
    assert 0.5 < record.metrics["roc_auc"] <= 1.0
    assert 0.0 < record.metrics["average_precision"] <= 1.0
    assert record.timing["fit_seconds"] >= 0 and record.timing["score_seconds"] >= 0
    assert record.data["n_train"] == 200 and record.data["n_features"] == 2
    assert record.data["train_contamination"] == pytest.approx(0.1)
    environment = record.environment
    assert environment["versions"]["numpy"] and environment["host"]
    assert "commit" in environment["git"]
    assert record.resolved_params == {"noise": 0.1}


def test_same_spec_gives_identical_auc(tmp_path):
    specs = grid(methods=("Toy", "ToyIF"), seeds=(3,), datasets=("toy-b",))
    aucs = []
    for name in ("one", "two"):
        store = RunStore(tmp_path / name)
        run_grid(specs, store, SequentialBackend(), progress=False)
        aucs.append([store.read(s.run_id).metrics["roc_auc"] for s in specs])
    assert aucs[0] == aucs[1]


def test_failed_run_is_recorded_and_retried(tmp_path):
    store = RunStore(tmp_path / "runs")
    flag = tmp_path / "fixed"
    specs = grid(seeds=(0,), datasets=("toy-a",)) + grid(
        seeds=(0,), datasets=("toy-b",), fail_unless_exists=str(flag)
    )
    summary = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (summary.done, summary.failed) == (1, 1)
    failed = store.read(specs[1].run_id)
    assert failed.status == "failed"
    assert failed.error["type"] == "RuntimeError"
    assert failed.error["phase"] == "fit"
    assert "does not exist" in failed.error["message"]
    assert "Traceback" in failed.error["traceback"] and "fit" in failed.error["traceback"]

    again = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (again.done, again.failed, again.skipped) == (0, 1, 1)  # retried, still failing

    flag.touch()
    fixed = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (fixed.done, fixed.failed, fixed.skipped) == (1, 0, 1)
    assert store.read(specs[1].run_id).done


def test_non_finite_scores_fail_the_run(tmp_path):
    store = RunStore(tmp_path)
    specs = grid(seeds=(0,), datasets=("toy-a",), nan_scores=True)
    summary = run_grid(specs, store, SequentialBackend(), progress=False)
    record = store.read(specs[0].run_id)
    assert summary.failed == 1
    assert record.error["type"] == "FloatingPointError" and record.error["phase"] == "score"


def test_corrupt_file_is_quarantined_and_recomputed(tmp_path):
    store = RunStore(tmp_path)
    specs = grid(seeds=(0,))
    run_grid(specs, store, SequentialBackend(), progress=False)
    victim = store.record_path(specs[0].run_id)
    victim.write_bytes(victim.read_bytes()[:50])
    summary = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (summary.corrupt, summary.done, summary.skipped) == (1, 1, 2)
    assert store.read(specs[0].run_id).done
    assert len(list(store.quarantine_dir.glob("*.json.*"))) == 2  # the file and its reason


def test_loky_two_workers_matches_sequential(tmp_path):
    specs = grid(methods=("Toy", "ToyIF"), seeds=(0, 1))
    parallel, serial = RunStore(tmp_path / "loky"), RunStore(tmp_path / "seq")
    summary = run_grid(specs, parallel, LokyBackend(2), progress=False)
    assert (summary.done, summary.failed) == (12, 0)
    run_grid(specs, serial, SequentialBackend(), progress=False)
    for spec in specs:
        a, b = parallel.read(spec.run_id), serial.read(spec.run_id)
        assert a.metrics == b.metrics
        assert a.environment["n_threads"] == 1
    worker_pids = {parallel.read(spec.run_id).environment["pid"] for spec in specs}
    assert os.getpid() not in worker_pids
    assert 1 <= len(worker_pids) <= 2


def test_loky_worker_crash_is_recorded_and_others_complete(tmp_path):
    store = RunStore(tmp_path)
    good = grid(seeds=(0, 1))
    crashing = grid(seeds=(0,), datasets=("toy-c",), crash=True, sleep=0.2)
    specs = good[:3] + crashing + good[3:]
    summary = run_grid(specs, store, LokyBackend(2), progress=False)
    assert (summary.done, summary.failed) == (6, 1)
    record = store.read(crashing[0].run_id)
    assert record.status == "failed"
    assert record.error["type"] == "WorkerDied"
    assert "terminated" in record.error["traceback"] or "EXIT" in record.error["traceback"]
    assert all(store.read(s.run_id).done for s in good)


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    specs = grid(methods=("Toy", "ToyIF"), seeds=(0,))
    with _local_cluster(distributed) as cluster:
        store = RunStore(tmp_path)
        summary = run_grid(specs, store, DaskBackend(cluster.scheduler_address), progress=False)
    assert (summary.done, summary.failed) == (6, 0)
    serial = RunStore(tmp_path / "seq")
    run_grid(specs, serial, SequentialBackend(), progress=False)
    for spec in specs:
        assert store.read(spec.run_id).metrics == serial.read(spec.run_id).metrics


def test_dask_unreachable_scheduler_is_a_clear_error(tmp_path):
    pytest.importorskip("distributed")
    backend = DaskBackend("tcp://127.0.0.1:1", connect_timeout=1.0)
    with pytest.raises(BackendUnavailableError, match="127.0.0.1:1"):
        run_grid(grid(seeds=(0,)), RunStore(tmp_path), backend, progress=False)


def test_a_result_that_cannot_be_stored_becomes_a_failed_run(tmp_path, monkeypatch):
    store = RunStore(tmp_path)
    specs = grid(seeds=(0,), datasets=("toy-a",))
    original = store.write

    def refuse_done_records(record, artifacts=None):
        if record.done:
            raise ValueError("Out of range float values are not JSON compliant")
        return original(record, artifacts)

    monkeypatch.setattr(store, "write", refuse_done_records)
    summary = run_grid(specs, store, SequentialBackend(), progress=False)
    assert summary.failed == 1
    record = RunStore(tmp_path).read(specs[0].run_id)
    assert record.error["phase"] == "store" and "JSON" in record.error["message"]


def test_dask_worker_crash_is_recorded(tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    good = grid(seeds=(0,), datasets=("toy-a", "toy-b"))
    crashing = grid(seeds=(0,), datasets=("toy-c",), crash=True)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with _local_cluster(distributed) as cluster:
            store = RunStore(tmp_path)
            summary = run_grid(
                good + crashing, store, DaskBackend(cluster.scheduler_address), progress=False
            )
    assert (summary.done, summary.failed) == (2, 1)
    record = store.read(crashing[0].run_id)
    assert record.error["type"] == "WorkerDied"
    assert "KilledWorker" in record.error["traceback"]


class _RecordingBackend(SequentialBackend):
    """Remembers the order it was handed the jobs in, and runs none (no data is read)."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def run(self, jobs, on_outcome) -> None:
        self.order = [job.spec.dataset for job in jobs]


def test_runs_on_the_largest_datasets_start_first(tmp_path):
    from datasets.odds import ODDS_BY_NAME

    # glass 214 x 9, pima 768 x 8, cardio 1831 x 21; toy datasets have no size hint.
    names = ["glass", TOY_DATASETS[0], "cardio", "pima", TOY_DATASETS[1]]
    specs = [RunSpec.create(name, "Toy", 0, {"noise": 0.1}) for name in names]
    backend = _RecordingBackend()
    run_grid(specs, RunStore(tmp_path / "store"), backend, progress=False)
    assert backend.order == ["cardio", "pima", "glass", TOY_DATASETS[0], TOY_DATASETS[1]]
    sizes = [ODDS_BY_NAME[n].n_samples * ODDS_BY_NAME[n].n_features for n in backend.order[:3]]
    assert sizes == sorted(sizes, reverse=True)


def test_the_main_process_prepares_every_grid_without_torch_or_scikit_learn():
    """Preparing the jobs of every experiment loads no numerical stack in the main process.

    The workers import torch, scikit-learn and scipy anyway; the main process only needs the
    registries, and whatever it imports before the first job is submitted is serial time that
    no worker overlaps, a visible share of a short grid's wall time (README.md, Performance).
    """
    code = """
import sys
from reproduce.config import expand, load_experiments
from reproduce.runner import longest_first, make_jobs

specs = [p.spec for e in load_experiments() for p in expand(e)]
jobs = longest_first(make_jobs(specs))
heavy = sorted(m for m in ("torch", "sklearn", "scipy", "pyod") if m in sys.modules)
print(len(jobs), heavy)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    n_jobs, heavy = result.stdout.split(" ", 1)
    assert int(n_jobs) > 1000  # every experiment of the paper config, ODDS and CIFAR-10
    assert heavy.strip() == "[]"


def test_oracle_sentinels_resolve_to_the_training_and_the_pooled_anomaly_ratios():
    params = {"a": ORACLE_CONTAMINATION, "b": ORACLE_DATASET_CONTAMINATION, "c": "authors"}
    assert resolve_params(params, 0.1, 0.2) == {"a": 0.1, "b": 0.2, "c": "authors"}
    assert resolve_params({"a": ORACLE_CONTAMINATION, "n": 3}, 0.1) == {"a": 0.1, "n": 3}
    with pytest.raises(ValueError, match="'b' = 'dataset_contamination' needs"):
        resolve_params(params, 0.1)


def test_records_store_the_resolved_dataset_contamination(tmp_path):
    store = RunStore(tmp_path)
    # toy-a with 15 test rows: 20 of 200 training rows and 1 of 15 test rows are anomalies.
    spec = RunSpec.create(
        "toy-a", "Toy", 0, {"noise": ORACLE_DATASET_CONTAMINATION}, {"n_test": 15}
    )
    run_grid([spec], store, SequentialBackend(), progress=False)
    record = store.read(spec.run_id)
    assert record.done, record.error
    assert record.data["train_contamination"] == pytest.approx(0.1)
    assert record.data["dataset_contamination"] == pytest.approx(21 / 215)
    assert record.resolved_params == {"noise": pytest.approx(21 / 215)}
    assert record.spec.params_dict == {"noise": ORACLE_DATASET_CONTAMINATION}


def _kill_a_busy_worker(
    address: str, killed: list[int], deadline: float = 60.0
) -> threading.Thread:
    """SIGKILL the process of the first worker seen computing a task (its nanny restarts it)."""
    from distributed import Client

    def kill() -> None:
        with Client(address, timeout=30) as client:
            stop = time.monotonic() + deadline
            while time.monotonic() < stop:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(0.3)  # let the task get well into its fit
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
                time.sleep(0.05)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


def test_dask_worker_killed_mid_run_is_retried_and_every_run_finishes(tmp_path):
    """A worker killed from outside while it fits: dask reschedules its run, the grid completes."""
    distributed = pytest.importorskip("distributed")
    specs = grid(seeds=(0, 1), sleep=1.5)  # 6 runs of 1.5 s on 2 workers
    killed: list[int] = []
    with _local_cluster(distributed) as cluster:
        store = RunStore(tmp_path)
        killer = _kill_a_busy_worker(cluster.scheduler_address, killed)
        summary = run_grid(specs, store, DaskBackend(cluster.scheduler_address), progress=False)
        killer.join()
    assert len(killed) == 1, "the test did not kill a worker"
    assert (summary.done, summary.failed) == (len(specs), 0)
    assert all(store.read(spec.run_id).done for spec in specs)


def test_dask_worker_killed_with_no_retries_is_recorded_and_the_rerun_completes(tmp_path):
    """No retries allowed: the killed run is a failed record with its reason, the finished runs
    are kept, and running the grid again computes only the failed one."""
    distributed = pytest.importorskip("distributed")
    import dask

    specs = grid(seeds=(0, 1), sleep=1.5)
    killed: list[int] = []
    store = RunStore(tmp_path)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with _local_cluster(distributed) as cluster:
            killer = _kill_a_busy_worker(cluster.scheduler_address, killed)
            first = run_grid(specs, store, DaskBackend(cluster.scheduler_address), progress=False)
            killer.join()
    assert len(killed) == 1, "the test did not kill a worker"
    assert first.failed >= 1 and first.done + first.failed == len(specs)
    failed = [store.read(run_id) for run_id in first.failed_runs]
    assert all(r.status == "failed" and r.error["type"] == "WorkerDied" for r in failed)
    assert all("KilledWorker" in r.error["traceback"] for r in failed)
    finished = {s.run_id for s in specs} - set(first.failed_runs)
    kept = {p.name: p.stat().st_mtime_ns for p in store.root.glob("*.json") if p.stem in finished}
    assert len(kept) == first.done

    second = run_grid(specs, store, SequentialBackend(), progress=False)
    assert (second.skipped, second.done, second.failed) == (first.done, first.failed, 0)
    assert all(store.read(spec.run_id).done for spec in specs)
    after = {p.name: p.stat().st_mtime_ns for p in store.root.glob("*.json") if p.stem in finished}
    assert after == kept
