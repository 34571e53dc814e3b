"""Synthetic run records for the report tests: a done run with a given AUC, a failed run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reproduce.spec import RunSpec, package_version
from reproduce.store import RunRecord


def done_record(
    spec: RunSpec,
    auc: float,
    *,
    data: Mapping[str, Any] | None = None,
    environment: Mapping[str, Any] | None = None,
) -> RunRecord:
    """A done run of ``spec``: ROC AUC ``auc`` (average precision ``auc / 2``), fixed timing and
    timestamps, on host ``test-host`` at a clean commit.

    ``data`` is the record's data part (default: empty); ``environment`` adds entries (package
    versions, device) to the host and commit.
    """
    return RunRecord(
        run_id=spec.run_id,
        status="done",
        spec=spec,
        package_version=package_version(),
        metrics={"roc_auc": auc, "average_precision": auc / 2},
        timing={"fit_seconds": 0.1, "score_seconds": 0.01, "total_seconds": 0.2},
        data=dict(data or {}),
        environment={
            "host": "test-host",
            "git": {"commit": "abc", "dirty": False},
            **(environment or {}),
        },
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:00:01Z",
    )


def failed_record(
    spec: RunSpec,
    traceback: str = "boom",
    *,
    error_type: str = "RuntimeError",
    message: str = "boom",
) -> RunRecord:
    """A failed run of ``spec`` that raised ``error_type(message)`` with ``traceback``."""
    return RunRecord(
        run_id=spec.run_id,
        status="failed",
        spec=spec,
        package_version=package_version(),
        error={"type": error_type, "message": message, "traceback": traceback},
    )
