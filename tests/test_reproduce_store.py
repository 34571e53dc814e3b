"""The run store: atomic writes, checked reads, corrupt files detected and quarantined."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
from pathlib import Path

import pytest

from reproduce.cli import COMMITTED_OUT, DEFAULT_STORE
from reproduce.spec import RunSpec, canonical_json, package_version
from reproduce.store import (
    CorruptRecordError,
    RunRecord,
    RunStore,
    StoreBusyError,
    atomic_write_bytes,
    sha256_bytes,
)
from rrnvp.files import TEMPORARY_SUFFIX


def make_record(seed: int = 0, status: str = "done", artifacts: dict | None = None) -> RunRecord:
    spec = RunSpec.create("toy-a", "Toy", seed, {"noise": 0.1})
    run_id = spec.run_id
    files = {
        name: {"file": f"{run_id}.{name}.npz", "sha256": sha256_bytes(data)}
        for name, data in (artifacts or {}).items()
    }
    return RunRecord(
        run_id=run_id,
        status=status,
        spec=spec,
        package_version=package_version(),
        metrics={"roc_auc": 0.75, "average_precision": 0.5} if status == "done" else {},
        error=None if status == "done" else {"type": "E", "message": "m", "traceback": "tb"},
        artifacts=files,
    )


def test_write_then_read_round_trip(tmp_path):
    store = RunStore(tmp_path / "runs")
    record = make_record(artifacts={"density_grid": b"grid-bytes"})
    path = store.write(record, {"density_grid": b"grid-bytes"})
    assert path == store.record_path(record.run_id)
    assert store.read(record.run_id) == record
    assert store.read_artifact(record, "density_grid") == b"grid-bytes"
    assert store.read("absent__Toy__s0__0000000000000000") is None
    assert not list((tmp_path / "runs").glob(".*.tmp")), "no temporary file is left behind"


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "file.json"
    atomic_write_bytes(path, b"old content")
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "file.json"
    atomic_write_bytes(path, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("reproduce.store.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def _damage_truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damage_garbage(path):
    path.write_bytes(b"\x00\xff garbage \x13" * 20)


def _damage_empty(path):
    path.write_bytes(b"")


def _damage_edit_metric(path):
    content = json.loads(path.read_text())
    content["metrics"]["roc_auc"] = 0.99  # valid JSON, wrong checksum
    path.write_text(json.dumps(content))


def _damage_other_run(path):
    other = make_record(seed=1)
    path.write_text(other.to_json())  # a valid record under the wrong name


@pytest.mark.parametrize(
    "damage, reason",
    [
        (_damage_truncate, "not valid JSON"),
        (_damage_garbage, "not UTF-8|not valid JSON"),
        (_damage_empty, "not valid JSON"),
        (_damage_edit_metric, "checksum mismatch"),
        (_damage_other_run, "expected"),
    ],
)
def test_damaged_records_are_detected(tmp_path, damage, reason):
    store = RunStore(tmp_path)
    record = make_record()
    path = store.write(record)
    damage(path)
    with pytest.raises(CorruptRecordError, match=reason):
        store.read(record.run_id)
    scan = store.scan()
    assert record.run_id not in scan.records
    assert [p for p, _ in scan.corrupt] == [path]


def test_damaged_or_missing_artifact_is_detected(tmp_path):
    store = RunStore(tmp_path)
    record = make_record(artifacts={"density_grid": b"grid"})
    store.write(record, {"density_grid": b"grid"})
    artifact = store.artifact_path(record.run_id, "density_grid")
    artifact.write_bytes(b"grib")
    with pytest.raises(CorruptRecordError, match="fails its checksum"):
        store.read(record.run_id)
    artifact.unlink()
    with pytest.raises(CorruptRecordError, match="missing"):
        store.read(record.run_id)


def resealed(content: dict) -> str:
    """JSON of ``content`` with a fresh, valid checksum (a consistent but forged record)."""
    body = {key: value for key, value in content.items() if key != "checksum"}
    return json.dumps({**body, "checksum": sha256_bytes(canonical_json(body).encode())})


def test_record_whose_spec_does_not_hash_to_its_id_is_corrupt():
    content = json.loads(make_record().to_json())
    content["spec"]["seed"] = 7  # checksum made valid again, but the id belongs to seed 0
    with pytest.raises(CorruptRecordError, match="does not hash"):
        RunRecord.from_json(resealed(content))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.update(status="maybe"), "unknown status"),
        (lambda c: c.update(metrics={}), "without roc_auc"),
        (lambda c: c.update(status="failed"), "without traceback"),
        (lambda c: c.pop("timing"), "missing or invalid field"),
        (lambda c: c.update(schema=99), "unknown schema"),
    ],
)
def test_inconsistent_records_are_corrupt(edit, message):
    content = json.loads(make_record().to_json())
    edit(content)
    with pytest.raises(CorruptRecordError, match=message):
        RunRecord.from_json(resealed(content))


def test_failed_record_round_trip():
    failed = make_record(status="failed")
    assert RunRecord.from_json(failed.to_json()) == failed


def test_write_refuses_mismatched_artifacts(tmp_path):
    store = RunStore(tmp_path)
    record = make_record(artifacts={"density_grid": b"grid"})
    with pytest.raises(ValueError, match="do not match"):
        store.write(record, {})
    with pytest.raises(ValueError, match="checksum"):
        store.write(record, {"density_grid": b"other"})


def test_quarantine_moves_file_with_reason(tmp_path):
    store = RunStore(tmp_path)
    record = make_record()
    path = store.write(record)
    _damage_garbage(path)
    moved = store.quarantine(path, "garbage")
    assert not path.exists()
    assert moved.parent == store.quarantine_dir
    assert moved.with_name(moved.name + ".reason.txt").read_text().strip() == "garbage"
    assert store.scan().corrupt == []


def test_temporary_files_are_cleaned(tmp_path):
    store = RunStore(tmp_path)
    (tmp_path / ".x.json.123.abcd.tmp").write_bytes(b"partial")
    assert store.remove_temporary_files() == 1
    assert list(tmp_path.iterdir()) == []


def test_invocation_log_skips_cut_lines(tmp_path):
    store = RunStore(tmp_path)
    store.log_invocation({"command": "one"})
    with open(store.invocation_log, "a") as handle:
        handle.write('{"command": "cut')  # a kill in the middle of a line
    assert [e["command"] for e in store.invocations()] == ["one"]


def _hold_lock(root, ready, release):
    with RunStore(root).lock():
        ready.set()
        release.wait(30)


def test_lock_refuses_a_second_runner(tmp_path):
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(StoreBusyError, match="in use by another runner"):
            with RunStore(tmp_path).lock():
                pass
    finally:
        release.set()
        holder.join(30)
    with RunStore(tmp_path).lock():  # free again once the holder is gone
        pass


def _git_ignores(repo: Path, relative: str) -> bool:
    checked = subprocess.run(
        ["git", "-C", str(repo), "check-ignore", "-q", "--no-index", relative], check=False
    )
    if checked.returncode not in (0, 1):
        pytest.skip("git check-ignore is not available here")
    return checked.returncode == 0


@pytest.mark.parametrize(
    "store", [str(DEFAULT_STORE), *(str(out / "runs") for out in COMMITTED_OUT.values())]
)
def test_every_committed_store_commits_its_records_and_ignores_its_scratch(store):
    repo = Path(__file__).resolve().parents[1]
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    assert not _git_ignores(repo, f"{store}/cardio__IF__s0__0123456789abcdef.json")
    assert not _git_ignores(repo, f"{store}/invocations.jsonl")
    assert not _git_ignores(repo, f"{store}/two-moons__RealNVP__s0__0123.density_grid.npz")
    assert _git_ignores(repo, f"{store}/.lock")
    assert _git_ignores(repo, f"{store}/quarantine/cardio__IF__s0.json.20261202")
    assert _git_ignores(repo, f"{store}/.cardio__IF__s0.json.123.abcd{TEMPORARY_SUFFIX}")
