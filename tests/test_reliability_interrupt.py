"""Fault tests of the runner as a user drives it: SIGKILL mid-grid, dying workers, a damaged store.

Every test runs ``python -m reproduce.all`` (in a subprocess where the behaviour depends on real
processes, in this process otherwise) on the toy datasets and detectors of
:mod:`reproduce.testing`, whose runs are short and deterministic, and checks what the run store
holds afterwards: nothing finished is lost or recomputed, nothing partial or damaged is ever read
as a result, and the final results equal those of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from reproduce import all as run_all
from reproduce.store import RunRecord, RunStore
from reproduce.testing import TOY_DATASETS
from tests.runner_cli import ROOT, runner_command, runner_env, toy_grid_config

pytestmark = pytest.mark.usefixtures("toys")

HAS_PROC = Path("/proc/self/stat").exists()

# The kill-and-resume grid: 3 toy datasets x 7 seeds = 21 runs of about 0.2 s each on 2 workers.
KILL_SEEDS = tuple(range(7))
KILL_GRID_SIZE = len(TOY_DATASETS) * len(KILL_SEEDS)
RUN_SLEEP_S = 0.2
# Finished runs after which the whole process group gets SIGKILL: spread from the first run to
# three quarters of the grid, leaving at least 5 runs (>= 0.5 s of work) for the resume.
KILL_POINTS = (1, 4, 8, 12, 16)
SUBPROCESS_TIMEOUT_S = 120


def kill_grid_config() -> str:
    return toy_grid_config("kill-grid", KILL_SEEDS, RUN_SLEEP_S)


def run_to_completion(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=runner_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


def record_files(store: Path) -> list[Path]:
    """The run records of a store (temporary files start with a dot and end in .tmp)."""
    return sorted(store.glob("*.json")) if store.is_dir() else []


def results(store: RunStore) -> dict[str, float]:
    """run id -> ROC-AUC of every done run; the store must hold no damaged file."""
    scan = store.scan()
    assert scan.corrupt == [], scan.corrupt
    return {run_id: r.metrics["roc_auc"] for run_id, r in scan.records.items() if r.done}


def group_processes(pgid: int) -> dict[int, str]:
    """pid -> state letter of every process in process group ``pgid`` (from /proc)."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            members[int(entry.name)] = fields[0]
    return members


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def living(members: dict[int, str]) -> dict[int, str]:
    """Members that still run: zombies (Z) and dead (X) processes are gone for good."""
    return {pid: state for pid, state in members.items() if state not in ("Z", "X")}


def parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


@pytest.fixture(scope="module")
def kill_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill-config") / "kill_grid.toml"
    path.write_text(kill_grid_config())
    return path


@pytest.fixture(scope="module")
def uninterrupted(kill_config, tmp_path_factory) -> dict[str, float]:
    """Results of the grid run once without interruption (same command, same seeds)."""
    store = tmp_path_factory.mktemp("uninterrupted") / "runs"
    finished = run_to_completion(runner_command(kill_config, store, "--n-jobs", "2"))
    assert finished.returncode == 0, finished.stderr
    assert f"{KILL_GRID_SIZE} runs: {KILL_GRID_SIZE} done" in finished.stdout
    reference = results(RunStore(store))
    assert len(reference) == KILL_GRID_SIZE
    return reference


def start_and_kill(command: list[str], store: Path, kill_after: int, log: Path) -> dict[int, str]:
    """Start ``command`` in its own process group, SIGKILL the group once ``kill_after`` runs
    are stored, and wait until every process of the group is dead.

    Returns the living members of the group just before the kill (pid -> command line).
    """
    with open(log, "w") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=runner_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pgid = process.pid  # a new session's leader: its pid is the group id
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
        while len(record_files(store)) < kill_after:
            if process.poll() is not None:
                pytest.fail(f"the runner exited early ({process.returncode}): {log.read_text()}")
            assert time.monotonic() < deadline, "the runner made no progress"
            time.sleep(0.01)
        members = {pid: command_line(pid) for pid in living(group_processes(pgid))}
        os.killpg(pgid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(pgid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 15
    while living(group_processes(pgid)):
        assert time.monotonic() < deadline, f"survivors: {living(group_processes(pgid))}"
        time.sleep(0.02)
    remove_leaked_semaphores(members)
    return members


def remove_leaked_semaphores(pids) -> None:
    """Unlink the POSIX semaphores of killed loky pools (``/dev/shm/sem.loky-<pid>-*``).

    SIGKILL also kills loky's resource tracker, which would otherwise unlink them; only names
    carrying the pid of a process this test killed are touched.
    """
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return
    for pid in pids:
        for path in shm.glob(f"sem.loky-{pid}-*"):
            path.unlink(missing_ok=True)


@pytest.mark.skipif(not HAS_PROC, reason="needs /proc to find the runner's worker processes")
@pytest.mark.parametrize("kill_after", KILL_POINTS)
def test_sigkill_then_rerun_keeps_finished_runs_and_equals_an_uninterrupted_run(
    kill_after, kill_config, uninterrupted, tmp_path
):
    store_dir = tmp_path / "runs"
    store = RunStore(store_dir)
    command = runner_command(kill_config, store_dir, "--n-jobs", "2")

    members = start_and_kill(command, store_dir, kill_after, tmp_path / "killed.log")
    killed_at = datetime.now().astimezone()
    # The runner and its two loky workers (plus loky's resource trackers) were all killed.
    assert sum("-m reproduce.all" in line for line in members.values()) == 1, members
    assert sum("popen_loky" in line for line in members.values()) == 2, members

    # What the kill left: only complete, valid records; nothing half-written under a final name.
    scan = store.scan()
    assert scan.corrupt == [], scan.corrupt
    kept = {run_id: r for run_id, r in scan.records.items() if r.done}
    assert kill_after <= len(kept) < KILL_GRID_SIZE, "the kill must land mid-grid"
    assert set(kept) <= set(uninterrupted)
    before = {
        path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in record_files(store_dir)
    }
    assert all(parse_time(r.finished_at) <= killed_at for r in kept.values())
    log = store.invocations()
    assert [entry["status"] for entry in log] == ["started"], "a killed run logs no end"

    resumed = run_to_completion(command)
    assert resumed.returncode == 0, resumed.stderr
    n_kept = len(kept)
    assert (
        f"{KILL_GRID_SIZE} runs: {KILL_GRID_SIZE - n_kept} done, {n_kept} skipped" in resumed.stdout
    )

    # Finished runs were kept byte for byte (not recomputed, not rewritten) ...
    for name, (mtime, content) in before.items():
        path = store_dir / name
        assert path.stat().st_mtime_ns == mtime, f"{name} was rewritten"
        assert path.read_bytes() == content
    # ... and every other run was computed by the resuming invocation.
    log = store.invocations()
    assert [entry["status"] for entry in log] == ["started", "started", "finished"]
    resume_started = parse_time(log[1]["started_at"])
    final = store.scan().records
    for run_id, record in final.items():
        if run_id in kept:
            assert record == kept[run_id]
        else:
            assert parse_time(record.started_at) >= resume_started
    # The final result set is that of the uninterrupted run: same ids, identical AUCs.
    assert results(store) == uninterrupted
    assert not list(store_dir.glob(".*.tmp")), "temporary files left behind"
    assert not store.quarantine_dir.exists(), "nothing was damaged, nothing is quarantined"


CRASH_CONFIG = """
[experiments.healthy]
title = "Healthy runs"
report = "auc_table"
dataset_kind = "toy"
seeds = [0, 1, 2]
methods = ["Toy", "ToyIF"]

[experiments.raising]
title = "A run that raises until a file exists"
report = "auc_table"
datasets = ["toy-a"]
seeds = [0]
methods = ["Toy"]

[experiments.raising.params.Toy]
fail_unless_exists = "{flag}"

[experiments.dying]
title = "A run whose worker process dies"
report = "auc_table"
datasets = ["toy-b"]
seeds = [0]
methods = ["Toy"]

[experiments.dying.params.Toy]
crash = true
sleep = 0.2
"""


def test_raising_and_dying_runs_are_recorded_failed_and_retried_by_the_next_invocation(
    tmp_path,
):
    flag = tmp_path / "fixed"
    config = tmp_path / "crash.toml"
    config.write_text(CRASH_CONFIG.format(flag=flag.as_posix()))
    store_dir = tmp_path / "runs"
    store = RunStore(store_dir)
    command = runner_command(config, store_dir, "--n-jobs", "2")

    first = run_to_completion(command)
    assert first.returncode == 1, first.stderr  # failed runs: exit status 1
    assert "20 runs: 18 done, 0 skipped (already in the store), 2 failed" in first.stdout
    assert "the next invocation retries them" in first.stdout
    records = store.scan().records
    failed = {r.spec.dataset: r for r in records.values() if not r.done}
    assert sorted(failed) == ["toy-a", "toy-b"]
    raised, died = failed["toy-a"], failed["toy-b"]
    assert (raised.error["type"], raised.error["phase"]) == ("RuntimeError", "fit")
    assert str(flag) in raised.error["message"] and "Traceback" in raised.error["traceback"]
    assert (died.error["type"], died.error["phase"]) == ("WorkerDied", "worker")
    assert "worker process running this run died" in died.error["message"]
    healthy = {run_id: r for run_id, r in records.items() if r.done}
    assert len(healthy) == 18
    mtimes = {run_id: store.record_path(run_id).stat().st_mtime_ns for run_id in healthy}

    flag.touch()  # the cause of the raising run is fixed; the dying run still dies
    second = run_to_completion(command)
    assert second.returncode == 1, second.stderr
    assert "20 runs: 1 done, 18 skipped (already in the store), 1 failed" in second.stdout
    log = store.invocations()
    assert log[-2]["summary"] == "20 runs, 2 to compute"
    retried = store.read(raised.run_id)
    assert retried.done and 0.5 < retried.metrics["roc_auc"] <= 1.0
    died_again = store.read(died.run_id)
    assert died_again.error["type"] == "WorkerDied"
    assert parse_time(died_again.started_at) > parse_time(died.finished_at), "it was retried"
    for run_id, mtime in mtimes.items():
        assert store.record_path(run_id).stat().st_mtime_ns == mtime, "healthy run recomputed"


CORRUPT_CONFIG = """
[experiments.toy-table]
title = "Toy table"
report = "auc_table"
dataset_kind = "toy"
seeds = [0, 1]
methods = ["Toy"]

[experiments.toy-density]
title = "Toy density"
report = "density"
datasets = ["toy-a"]
seeds = [0]
methods = ["Toy"]
outputs = ["density_grid"]
"""


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(300))


def _forge_auc(path: Path) -> None:
    content = json.loads(path.read_text())
    content["metrics"]["roc_auc"] = 0.123  # valid JSON, but the checksum no longer matches
    path.write_text(json.dumps(content))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def test_damaged_store_files_are_reported_never_read_and_recomputed(tmp_path, capsys):
    config = tmp_path / "toy.toml"
    config.write_text(CORRUPT_CONFIG)
    store_dir, out = tmp_path / "runs", tmp_path / "out"
    argv = [
        "--config",
        str(config),
        "--backend",
        "sequential",
        "--store",
        str(store_dir),
        "--out",
        str(out),
        "--no-progress",
    ]
    assert run_all.main([*argv, "--no-report"]) == 0
    capsys.readouterr()
    store = RunStore(store_dir)
    original = results(store)
    assert len(original) == 7

    by_dataset_seed = {
        (r.spec.dataset, r.spec.seed, r.spec.outputs): r for r in store.scan().records.values()
    }
    victims = {
        "truncated": by_dataset_seed[("toy-a", 0, ())],
        "garbage": by_dataset_seed[("toy-b", 0, ())],
        "forged AUC": by_dataset_seed[("toy-b", 1, ())],
        "empty": by_dataset_seed[("toy-c", 0, ())],
        "damaged artifact": by_dataset_seed[("toy-a", 0, ("density_grid",))],
    }
    _truncate(store.record_path(victims["truncated"].run_id))
    _garbage(store.record_path(victims["garbage"].run_id))
    _forge_auc(store.record_path(victims["forged AUC"].run_id))
    _empty(store.record_path(victims["empty"].run_id))
    artifact = store.artifact_path(victims["damaged artifact"].run_id, "density_grid")
    artifact.write_bytes(artifact.read_bytes()[:-10])
    (store_dir / ".half-written.json.123.abcd.tmp").write_bytes(b'{"run_id": "x", "met')
    damaged_ids = {r.run_id for r in victims.values()}

    # Reporting from the damaged store: the damage is reported, no damaged file counts as a run.
    from reproduce import report

    report_argv = ["--config", str(config), "--store", str(store_dir), "--out", str(out)]
    assert report.main(report_argv) == 0
    assert "5 corrupt file(s) ignored" in (out / "report.md").read_text()
    runs = pd.concat(
        [pd.read_csv(out / "tables" / f"{name}_runs.csv") for name in ("toy-table", "toy-density")]
    )
    statuses = dict(zip(runs["run_id"], runs["status"]))
    assert {run_id: statuses[run_id] for run_id in damaged_ids} == dict.fromkeys(
        damaged_ids, "missing"
    )
    assert (runs["status"] == "done").sum() == 2
    assert 0.123 not in set(runs["roc_auc"].dropna())

    # The next invocation quarantines the damaged files, reports them, and recomputes their runs.
    assert run_all.main([*argv, "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "7 runs: 5 done, 2 skipped" in printed
    assert "5 corrupt file(s) quarantined and recomputed" in printed
    assert printed.count("  corrupt: ") == 5
    assert results(store) == original
    assert not list(store_dir.glob(".*.tmp"))
    quarantined = {p.name.split(".json.")[0] for p in store.quarantine_dir.glob("*.json.*")}
    assert quarantined == damaged_ids
    reasons = [p.read_text() for p in store.quarantine_dir.glob("*.reason.txt")]
    assert len(reasons) == 5
    assert any("checksum mismatch" in r for r in reasons)
    assert any("artifact 'density_grid'" in r for r in reasons)
    recomputed = store.read(victims["damaged artifact"].run_id)
    assert store.read_artifact(recomputed, "density_grid")  # a fresh, valid artifact
    assert isinstance(recomputed, RunRecord)
