"""The run store: one JSON file per run, written atomically, checked on every read.

Layout of a store directory::

    <run_id>.json               the run record (done or failed), see :class:`RunRecord`
    <run_id>.<output>.npz       optional artifacts named in the record (e.g. a density grid)
    invocations.jsonl           one line per ``python -m reproduce.all`` invocation
    quarantine/                 unreadable files moved aside (never deleted) before recomputing
    .lock                       held by the runner writing to the store

Every file is written to a temporary name in the same directory, flushed and fsync'ed, then
renamed over its final name (``os.replace``), so a reader (or a runner killed with SIGKILL)
never sees a partial file. Each record carries a SHA-256 checksum of its own content, the
checksums of its artifacts and its spec; a file that fails any check is reported as corrupt,
moved to ``quarantine/`` and its run is computed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reproduce.spec import RunSpec, canonical_json, run_id
from rrnvp.files import TEMPORARY_SUFFIX, atomic_write_bytes

logger = logging.getLogger(__name__)

RECORD_SCHEMA = 1
STATUSES = ("done", "failed")


class CorruptRecordError(ValueError):
    """A store file that is not a complete, self-consistent run record."""


class StoreBusyError(RuntimeError):
    """Another runner holds the store's lock."""


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RunRecord:
    """The stored outcome of one run.

    Attributes
    ----------
    run_id : str
        :func:`reproduce.spec.run_id` of ``spec`` under ``package_version``.
    status : {"done", "failed"}
    spec : RunSpec
    package_version : str
        ``rrnvp`` version the run was computed with (part of the id).
    metrics : dict
        ``roc_auc`` and ``average_precision`` on the test part (empty when failed).
    timing : dict
        ``fit_seconds``, ``score_seconds``, ``total_seconds``.
    data : dict
        ``n_train``, ``n_test``, ``n_features``, ``train_contamination``, ``test_contamination``,
        ``dataset_contamination`` (training and test parts pooled).
    resolved_params : dict
        The parameters the estimator was built with (oracle values filled in).
    environment : dict
        Package versions, git commit, host, python, device.
    started_at, finished_at : str
        ISO 8601 UTC timestamps.
    error : dict or None
        ``type``, ``message`` and ``traceback`` of a failed run.
    artifacts : dict
        Output name -> ``{"file": ..., "sha256": ...}``.
    diagnostics : dict
        Small method-specific facts (optimiser steps, final loss).
    """

    run_id: str
    status: str
    spec: RunSpec
    package_version: str
    metrics: Mapping[str, Any] = field(default_factory=dict)
    timing: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    resolved_params: Mapping[str, Any] = field(default_factory=dict)
    environment: Mapping[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    error: Mapping[str, Any] | None = None
    artifacts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    diagnostics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """True when the run finished with metrics."""
        return self.status == "done"

    def body(self) -> dict[str, Any]:
        """The JSON content without the checksum."""
        return {
            "schema": RECORD_SCHEMA,
            "run_id": self.run_id,
            "status": self.status,
            "spec": self.spec.to_dict(),
            "package_version": self.package_version,
            "metrics": dict(self.metrics),
            "timing": dict(self.timing),
            "data": dict(self.data),
            "resolved_params": dict(self.resolved_params),
            "environment": dict(self.environment),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": dict(self.error) if self.error is not None else None,
            "artifacts": {name: dict(info) for name, info in self.artifacts.items()},
            "diagnostics": dict(self.diagnostics),
        }

    def to_json(self) -> str:
        """Pretty JSON with a ``checksum`` over the canonical form of :meth:`body`."""
        body = self.body()
        checksum = sha256_bytes(canonical_json(body).encode("ascii"))
        return json.dumps({**body, "checksum": checksum}, indent=1, sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str, *, expected_id: str | None = None) -> RunRecord:
        """Parse and check a record.

        Raises
        ------
        CorruptRecordError
            When the text is not JSON, misses fields, fails its checksum, has an unknown status,
            a spec that does not hash to its run id, or a run id other than ``expected_id``.
        """
        try:
            content = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptRecordError(f"not valid JSON ({exc})") from exc
        if not isinstance(content, dict):
            raise CorruptRecordError("not a JSON object")
        checksum = content.pop("checksum", None)
        if checksum is None:
            raise CorruptRecordError("no checksum")
        try:
            actual = sha256_bytes(canonical_json(content).encode("ascii"))
        except (TypeError, ValueError) as exc:
            raise CorruptRecordError(f"content cannot be checksummed ({exc})") from exc
        if actual != checksum:
            raise CorruptRecordError("checksum mismatch (file modified or damaged)")
        if content.get("schema") != RECORD_SCHEMA:
            raise CorruptRecordError(f"unknown schema {content.get('schema')!r}")
        try:
            spec = RunSpec.from_dict(content["spec"])
            record = cls(
                run_id=content["run_id"],
                status=content["status"],
                spec=spec,
                package_version=content["package_version"],
                metrics=content["metrics"],
                timing=content["timing"],
                data=content["data"],
                resolved_params=content["resolved_params"],
                environment=content["environment"],
                started_at=content["started_at"],
                finished_at=content["finished_at"],
                error=content["error"],
                artifacts=content["artifacts"],
                diagnostics=content["diagnostics"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptRecordError(f"missing or invalid field: {exc!r}") from exc
        if record.status not in STATUSES:
            raise CorruptRecordError(f"unknown status {record.status!r}")
        if record.done and "roc_auc" not in record.metrics:
            raise CorruptRecordError("a done run without roc_auc")
        if not record.done and not (record.error and record.error.get("traceback")):
            raise CorruptRecordError("a failed run without traceback")
        if run_id(spec, record.package_version) != record.run_id:
            raise CorruptRecordError("the spec does not hash to the record's run id")
        if expected_id is not None and record.run_id != expected_id:
            raise CorruptRecordError(f"file holds run {record.run_id!r}, expected {expected_id!r}")
        return record


@dataclass
class StoreScan:
    """Result of reading a whole store."""

    records: dict[str, RunRecord]
    corrupt: list[tuple[Path, str]]


class RunStore:
    """A directory of run records. See the module docstring for the layout.

    Parameters
    ----------
    root : path-like
        The store directory; created on the first write.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"RunStore({str(self.root)!r})"

    # ------------------------------------------------------------------ paths
    def record_path(self, run_id: str) -> Path:
        """Where the record of ``run_id`` lives."""
        return self.root / f"{run_id}.json"

    def artifact_path(self, run_id: str, name: str) -> Path:
        """Where artifact ``name`` of ``run_id`` lives."""
        return self.root / f"{run_id}.{name}.npz"

    @property
    def quarantine_dir(self) -> Path:
        """Where corrupt files are moved."""
        return self.root / "quarantine"

    @property
    def invocation_log(self) -> Path:
        """The append-only log of runner invocations."""
        return self.root / "invocations.jsonl"

    # ------------------------------------------------------------------ reading
    def read(self, run_id: str, *, verify_artifacts: bool = True) -> RunRecord | None:
        """The record of ``run_id``, or None when the store has none.

        Raises
        ------
        CorruptRecordError
            When the file (or one of its artifacts) exists but is damaged.
        """
        path = self.record_path(run_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorruptRecordError(f"{path}: not UTF-8 text") from exc
        try:
            record = RunRecord.from_json(text, expected_id=run_id)
        except CorruptRecordError as exc:
            raise CorruptRecordError(f"{path}: {exc}") from exc
        if verify_artifacts:
            for name in record.artifacts:
                self.read_artifact(record, name)
        return record

    def read_artifact(self, record: RunRecord, name: str) -> bytes:
        """The bytes of artifact ``name`` of ``record``, checked against its SHA-256.

        Raises
        ------
        CorruptRecordError
            When the artifact is missing or does not match its checksum.
        """
        info = record.artifacts.get(name)
        if info is None:
            raise KeyError(f"run {record.run_id} has no artifact {name!r}")
        path = self.root / info["file"]
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CorruptRecordError(
                f"{path}: artifact {name!r} of {record.run_id} is missing"
            ) from exc
        if sha256_bytes(data) != info["sha256"]:
            raise CorruptRecordError(f"{path}: artifact {name!r} fails its checksum")
        return data

    def scan(self) -> StoreScan:
        """Read every record; damaged ones are listed in ``corrupt`` (path, reason)."""
        records: dict[str, RunRecord] = {}
        corrupt: list[tuple[Path, str]] = []
        if not self.root.is_dir():
            return StoreScan(records, corrupt)
        for path in sorted(self.root.glob("*.json")):
            try:
                record = self.read(path.stem)
            except CorruptRecordError as exc:
                corrupt.append((path, str(exc)))
                continue
            if record is not None:
                records[record.run_id] = record
        return StoreScan(records, corrupt)

    # ------------------------------------------------------------------ writing
    def write(self, record: RunRecord, artifacts: Mapping[str, bytes] | None = None) -> Path:
        """Store ``record`` (and its artifact bytes) atomically; returns the record's path.

        Artifacts are written first, so a record on disk always has its artifacts. ``artifacts``
        must match ``record.artifacts`` (same names, same checksums).
        """
        artifacts = dict(artifacts or {})
        if set(artifacts) != set(record.artifacts):
            raise ValueError(
                f"artifact bytes {sorted(artifacts)} do not match the record's "
                f"{sorted(record.artifacts)}"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        for name, data in artifacts.items():
            info = record.artifacts[name]
            if sha256_bytes(data) != info["sha256"]:
                raise ValueError(f"artifact {name!r} bytes do not match the record's checksum")
            atomic_write_bytes(self.root / info["file"], data)
        path = self.record_path(record.run_id)
        atomic_write_bytes(path, record.to_json().encode("utf-8"))
        return path

    def quarantine(self, path: Path, reason: str) -> Path:
        """Move a damaged file (and the artifacts named after it) to ``quarantine/``."""
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        moved = self.quarantine_dir / f"{path.name}.{stamp}.{secrets.token_hex(2)}"
        os.replace(path, moved)
        for artifact in self.root.glob(f"{path.stem}.*.npz"):
            os.replace(artifact, self.quarantine_dir / f"{artifact.name}.{stamp}")
        atomic_write_bytes(moved.with_name(moved.name + ".reason.txt"), f"{reason}\n".encode())
        logger.warning("corrupt run file %s moved to %s: %s", path, moved, reason)
        return moved

    def remove_temporary_files(self) -> int:
        """Delete temporary files left by an interrupted writer; returns how many."""
        removed = 0
        if self.root.is_dir():
            for path in self.root.glob(f".*{TEMPORARY_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    def log_invocation(self, entry: Mapping[str, Any]) -> None:
        """Append one JSON line to ``invocations.jsonl`` (fsync'ed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(dict(entry), sort_keys=True, default=str) + "\n"
        with open(self.invocation_log, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def invocations(self) -> list[dict[str, Any]]:
        """The logged invocations; unreadable lines (e.g. cut by a kill) are skipped."""
        try:
            lines = self.invocation_log.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            with contextlib.suppress(json.JSONDecodeError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's exclusive lock (released by the OS if the process dies).

        Raises
        ------
        StoreBusyError
            When another process holds it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            logger.warning("file locking unavailable; do not run two runners on %s", self.root)
            yield
            return
        path = self.root / ".lock"
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown process"
                raise StoreBusyError(
                    f"run store {self.root} is in use by another runner ({holder}); wait for it "
                    "or use another --store"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            handle.flush()
            yield
        finally:
            handle.close()
