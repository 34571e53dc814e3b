"""One run, executed inside a worker: load the split, fit, score, measure.

:func:`execute_run` is the function the backends ship to worker processes. It never raises for a
failure of the run itself: the exception and its traceback become a ``failed`` record, which the
runner stores and retries on the next invocation. Only the parent process writes to the store.
"""

from __future__ import annotations

import io
import logging
import math
import sys
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from datasets.options import ComputeContext
from datasets.registry import SplitLoader
from reproduce.environment import host_facts, package_versions
from reproduce.registry import EstimatorFactory
from reproduce.spec import ORACLE_CONTAMINATION, ORACLE_DATASET_CONTAMINATION, RunSpec
from reproduce.store import RunRecord, sha256_bytes
from rrnvp.runtime import ThreadBudget

logger = logging.getLogger(__name__)

#: Points per axis of the density grid stored for two-dimensional datasets.
#: Epoch budgets at which a run of an estimator that keeps snapshots (``snapshot_epochs``, the
#: flows) also records its test ROC-AUC, in the same fit (``metrics["roc_auc_by_epoch"]``, with
#: the final epoch's value beside them). Only budgets below the run's ``epochs`` are used. It
#: shows what the epoch budget of a protocol costs; nothing is ever selected on it.
ANYTIME_EPOCHS = (10, 20, 50, 100)

DENSITY_GRID_SIZE = 200
#: Relative margin added around the training data's bounding box for the density grid.
DENSITY_GRID_MARGIN = 0.1


@dataclass(frozen=True)
class RunJob:
    """Everything a worker needs to execute one run (picklable).

    ``device`` and ``n_threads`` are the detector's; ``context`` is where and how the split is
    computed (the runner gives it the same device and thread budget). Neither is part of the
    spec or of the run id.
    """

    spec: RunSpec
    run_id: str
    package_version: str
    factory: EstimatorFactory
    loader: SplitLoader
    data_dir: str | None = None
    device: str = "cpu"
    n_threads: int = 1
    git: Mapping[str, Any] = field(default_factory=dict)
    context: ComputeContext = field(default_factory=ComputeContext)


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the record and the bytes of its artifacts."""

    record: RunRecord
    artifacts: Mapping[str, bytes] = field(default_factory=dict)


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays turned into Python values and NaN/inf into None."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return repr(value)


def split_contaminations(split: Any) -> tuple[float, float]:
    """The true anomaly ratios of a split: of its training part, and of both parts pooled.

    The pooled ratio is what :data:`~reproduce.spec.ORACLE_DATASET_CONTAMINATION` stands for
    (for ODDS, whose split uses every row, the whole dataset's ratio).
    """
    y_train = np.asarray(split.y_train)
    y_test = np.asarray(split.y_test)
    n_total = y_train.size + y_test.size
    if n_total == 0:
        raise ValueError("the split has no rows: no anomaly ratio to resolve")
    pooled = float((np.count_nonzero(y_train) + np.count_nonzero(y_test)) / n_total)
    return float(split.contamination), pooled


def resolve_params(
    params: Mapping[str, Any],
    contamination: float,
    dataset_contamination: float | None = None,
) -> dict[str, Any]:
    """Replace the oracle sentinels by the true anomaly ratios.

    Parameters
    ----------
    params : mapping
        Method parameters as stored in the spec.
    contamination : float
        Replaces :data:`~reproduce.spec.ORACLE_CONTAMINATION` (the training part's ratio).
    dataset_contamination : float, optional
        Replaces :data:`~reproduce.spec.ORACLE_DATASET_CONTAMINATION` (training and test parts
        pooled).

    Raises
    ------
    ValueError
        When a parameter asks for ``dataset_contamination`` and none is given.
    """
    resolved = {}
    for key, value in params.items():
        if isinstance(value, str) and value == ORACLE_CONTAMINATION:
            value = float(contamination)
        elif isinstance(value, str) and value == ORACLE_DATASET_CONTAMINATION:
            if dataset_contamination is None:
                raise ValueError(
                    f"parameter {key!r} = {ORACLE_DATASET_CONTAMINATION!r} needs the anomaly "
                    "ratio of the training and test parts pooled, which was not given"
                )
            value = float(dataset_contamination)
        resolved[key] = value
    return resolved


def _log_density(estimator: Any, X: np.ndarray) -> np.ndarray:
    if hasattr(estimator, "score_samples"):
        return np.asarray(estimator.score_samples(X), dtype=np.float64)
    return -np.asarray(estimator.decision_function(X), dtype=np.float64)


def request_snapshots(estimator: Any) -> None:
    """Ask an estimator that takes ``snapshot_epochs`` to keep the :data:`ANYTIME_EPOCHS` below
    its ``epochs`` (training is unchanged: the flows' tests check the final model bit-identical).
    """
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    if "snapshot_epochs" not in params or "epochs" not in params:
        return
    budgets = tuple(e for e in ANYTIME_EPOCHS if e < params["epochs"])
    if budgets:
        estimator.set_params(snapshot_epochs=budgets)


def anytime_auc(
    estimator: Any, X_test: np.ndarray, y_test: np.ndarray, final_auc: float
) -> dict[str, float]:
    """Test ROC-AUC of the model at each snapshot epoch, and ``final_auc`` at the last epoch.

    Keys are epochs as strings (JSON object keys), in increasing order.
    """
    from sklearn.metrics import roc_auc_score

    final_epoch = len(estimator.history_["loss"])
    by_epoch: dict[str, float] = {}
    for epoch, scores in estimator.staged_decision_function(X_test):
        if epoch == final_epoch:
            break  # the final model: already scored
        by_epoch[str(epoch)] = float(roc_auc_score(y_test, scores))
    by_epoch[str(final_epoch)] = float(final_auc)
    return by_epoch


def density_grid(estimator: Any, X_train: np.ndarray, y_train: np.ndarray) -> bytes:
    """An ``.npz`` (bytes) with the estimator's log-density on a grid around ``X_train``.

    Arrays: ``x`` and ``y`` (grid axes), ``log_density`` (``len(y) x len(x)``), ``X_train`` and
    ``y_train`` (for the data panel), all in the model's input space.
    """
    if X_train.shape[1] != 2:
        raise ValueError(
            f"the density_grid output needs two-dimensional data, got {X_train.shape[1]} features"
        )
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    pad = DENSITY_GRID_MARGIN * np.maximum(high - low, 1e-12)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], DENSITY_GRID_SIZE)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], DENSITY_GRID_SIZE)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    log_density = _log_density(estimator, points).reshape(grid_x.shape)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        x=xs,
        y=ys,
        log_density=log_density.astype(np.float32),
        X_train=X_train.astype(np.float32),
        y_train=np.asarray(y_train, dtype=np.int8),
    )
    return buffer.getvalue()


def _peak_rss_mb() -> float | None:
    """Peak resident memory of this (worker) process so far, in MiB; None where unknown."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 if sys.platform != "darwin" else 1024 * 1024), 1)


def _diagnostics(estimator: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"worker_peak_rss_mb": _peak_rss_mb()}
    if hasattr(estimator, "n_steps_"):
        facts["n_steps"] = int(estimator.n_steps_)
    history = getattr(estimator, "history_", None)
    if isinstance(history, Mapping) and history.get("loss"):
        facts["final_loss"] = float(history["loss"][-1])
        facts["epochs_run"] = len(history["loss"])
    return facts


def _environment(job: RunJob, estimator: Any) -> dict[str, Any]:
    device = getattr(estimator, "device_", None) if estimator is not None else None
    return {
        "versions": package_versions(),
        "git": dict(job.git),
        **host_facts(),
        "device": str(device) if device is not None else job.device,
        "n_threads": job.n_threads,
    }


def _run(job: RunJob, state: dict[str, Any], limit: ThreadBudget) -> RunOutcome:
    spec = job.spec
    state["phase"] = "load"
    split = job.loader(spec.seed, job.data_dir, context=job.context, **spec.data_options_dict)
    X_train, X_test = np.asarray(split.X_train), np.asarray(split.X_test)
    y_test = np.asarray(split.y_test)
    if len(np.unique(y_test)) != 2:
        raise ValueError(
            f"the test part of {spec.dataset!r} (seed {spec.seed}) needs both normal and anomalous "
            f"points for ROC-AUC, got labels {np.unique(y_test).tolist()}"
        )
    contamination, dataset_contamination = split_contaminations(split)
    params = resolve_params(spec.params_dict, contamination, dataset_contamination)
    state["params"] = params
    data_facts = {
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "n_features": int(X_train.shape[1]),
        "train_contamination": contamination,
        "test_contamination": float(np.mean(y_test)),
        "dataset_contamination": dataset_contamination,
        "preprocessing": jsonable(getattr(split, "preprocessing", {})),
    }
    state["data"] = data_facts

    state["phase"] = "build"
    estimator = job.factory(
        params, random_state=spec.seed, n_threads=job.n_threads, device=job.device
    )
    state["estimator"] = estimator
    request_snapshots(estimator)
    limit.apply_to_torch()

    state["phase"] = "fit"
    started = time.perf_counter()
    estimator.fit(X_train)
    fit_seconds = time.perf_counter() - started

    state["phase"] = "score"
    started = time.perf_counter()
    scores = np.asarray(estimator.decision_function(X_test), dtype=np.float64)
    score_seconds = time.perf_counter() - started
    if scores.shape != (X_test.shape[0],):
        raise ValueError(
            f"decision_function returned shape {scores.shape}, expected {(X_test.shape[0],)}"
        )
    n_bad = int(np.count_nonzero(~np.isfinite(scores)))
    if n_bad:
        raise FloatingPointError(f"{n_bad} of {scores.size} test scores are not finite")

    from sklearn.metrics import average_precision_score, roc_auc_score

    metrics: dict[str, Any] = {
        "roc_auc": float(roc_auc_score(y_test, scores)),
        "average_precision": float(average_precision_score(y_test, scores)),
    }
    timing = {"fit_seconds": fit_seconds, "score_seconds": score_seconds}
    if getattr(estimator, "snapshots_", None):
        state["phase"] = "anytime"
        started = time.perf_counter()
        metrics["roc_auc_by_epoch"] = anytime_auc(estimator, X_test, y_test, metrics["roc_auc"])
        timing["anytime_score_seconds"] = time.perf_counter() - started

    state["phase"] = "outputs"
    artifacts: dict[str, bytes] = {}
    if "density_grid" in spec.outputs:
        artifacts["density_grid"] = density_grid(estimator, X_train, np.asarray(split.y_train))

    record = RunRecord(
        run_id=job.run_id,
        status="done",
        spec=spec,
        package_version=job.package_version,
        metrics=metrics,
        timing=timing,
        data=data_facts,
        resolved_params=jsonable(params),
        environment=_environment(job, estimator),
        artifacts={
            name: {"file": f"{job.run_id}.{name}.npz", "sha256": sha256_bytes(data)}
            for name, data in artifacts.items()
        },
        diagnostics=_diagnostics(estimator),
    )
    return RunOutcome(record, artifacts)


def failed_record(
    job: RunJob,
    *,
    error_type: str,
    message: str,
    trace: str,
    phase: str,
    started_at: str,
    elapsed: float,
    state: Mapping[str, Any] | None = None,
) -> RunRecord:
    """A ``failed`` record for ``job`` (used by workers and, for dead workers, by the runner)."""
    state = state or {}
    return RunRecord(
        run_id=job.run_id,
        status="failed",
        spec=job.spec,
        package_version=job.package_version,
        timing={"total_seconds": elapsed},
        data=jsonable(state.get("data", {})),
        resolved_params=jsonable(state.get("params", {})),
        environment=_environment(job, state.get("estimator")),
        started_at=started_at,
        finished_at=utc_now(),
        error={"type": error_type, "message": message, "traceback": trace, "phase": phase},
    )


def execute_run(job: RunJob) -> RunOutcome:
    """Execute ``job`` with ``job.n_threads`` threads; failures become ``failed`` records."""
    started_at = utc_now()
    started = time.perf_counter()
    state: dict[str, Any] = {"phase": "start"}
    try:
        with ThreadBudget(job.n_threads) as limit:
            outcome = _run(job, state, limit)
    except Exception as exc:  # recorded with its traceback, never swallowed
        record = failed_record(
            job,
            error_type=type(exc).__name__,
            message=str(exc),
            trace=traceback.format_exc(),
            phase=state["phase"],
            started_at=started_at,
            elapsed=time.perf_counter() - started,
            state=state,
        )
        return RunOutcome(record)
    elapsed = time.perf_counter() - started
    record = replace(
        outcome.record,
        timing={**outcome.record.timing, "total_seconds": elapsed},
        started_at=started_at,
        finished_at=utc_now(),
    )
    return RunOutcome(record, outcome.artifacts)
