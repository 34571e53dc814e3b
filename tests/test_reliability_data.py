"""Data faults: damaged files, an unreachable network, downloads cut or killed half-way.

A damaged data file must be refused with a message naming it (also when it reaches the runner,
where it becomes a failed run that the next invocation retries); a missing file that cannot be
downloaded must fail within seconds with the instructions for placing it by hand; a download that
breaks or whose process is killed must never leave a file under the final name. Real ODDS files
are only read from ``$RRNVP_DATA`` (never written): tests copy what they damage into ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import datasets
from datasets import fetch, odds
from reproduce.backends import SequentialBackend
from reproduce.runner import run_grid
from reproduce.spec import RunSpec
from reproduce.store import RunStore
from tests.http_server import serving

ROOT = Path(__file__).resolve().parents[1]
CONTENT = b"MATLAB 5.0 MAT-file look-alike for download tests\n" * 200
FAST_FAILURE_S = 5.0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def real_odds_file(name: str) -> Path:
    root = os.environ.get(fetch.DATA_ENV)
    if not root:
        pytest.skip(f"{fetch.DATA_ENV} is not set: no local copy of the ODDS files")
    path = Path(root) / "odds" / f"{name}.mat"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


def closed_port() -> int:
    """A local TCP port on which nothing listens (connections are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")


@pytest.fixture
def online(monkeypatch):
    """Downloads allowed, local addresses never sent to a proxy."""
    monkeypatch.delenv(fetch.OFFLINE_ENV, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


# ----------------------------------------------------------------------- damaged files, runner
def _wrong_hash(good: bytes) -> bytes:
    return bytes(b ^ 0x5A for b in good)  # same size, other content


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 2]


def _html_page(good: bytes) -> bytes:
    return b"<html><body>Dropbox: this link is no longer available</body></html>\n"


@pytest.mark.parametrize(
    "damage, expected",
    [
        (_wrong_hash, "sha256 mismatch"),
        (_truncated, "truncated or a different file"),
        (_html_page, "sha256 mismatch"),
    ],
    ids=["wrong-hash", "truncated", "wrong-format"],
)
def test_damaged_data_file_fails_its_run_naming_the_file_and_is_used_once_repaired(
    damage, expected, tmp_path, offline
):
    original = real_odds_file("glass")
    data_dir = tmp_path / "data"
    target = data_dir / "odds" / "glass.mat"
    target.parent.mkdir(parents=True)
    target.write_bytes(damage(original.read_bytes()))
    spec = RunSpec.create("glass", "IF", 0)
    store = RunStore(tmp_path / "runs")

    summary = run_grid([spec], store, SequentialBackend(), data_dir=str(data_dir), progress=False)
    assert summary.failed == 1
    record = store.read(spec.run_id)
    assert (record.error["type"], record.error["phase"]) == ("DatasetFileError", "load")
    assert str(target) in record.error["message"] and expected in record.error["message"]
    assert "python -m datasets fetch glass" in record.error["message"]
    assert target.read_bytes() == damage(original.read_bytes()), "a bad file is never replaced"

    shutil.copyfile(original, target)  # the user puts the right file back
    again = run_grid([spec], store, SequentialBackend(), data_dir=str(data_dir), progress=False)
    assert (again.done, again.failed) == (1, 0)
    reference = RunStore(tmp_path / "reference")
    run_grid(
        [spec], reference, SequentialBackend(), data_dir=str(original.parents[1]), progress=False
    )
    assert store.read(spec.run_id).metrics == reference.read(spec.run_id).metrics


def test_file_with_the_registered_hash_but_not_a_mat_file_fails_its_run_naming_it(
    tmp_path, offline
):
    """The hash matches (the registry was built from this very file), the format does not."""
    content = b"x,y\n0.1,0\n0.2,1\n"  # a CSV saved under a .mat name
    target = tmp_path / "odds" / "look-alike.mat"
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    entry = odds.OddsFile(
        name="look-alike",
        paper_name="look-alike",
        n_samples=2,
        n_features=1,
        n_outliers=1,
        sha256=sha256(content),
        size=len(content),
        urls=(),
    )
    datasets.register(odds.registered_entry(entry))
    try:
        spec = RunSpec.create("look-alike", "IF", 0)
        store = RunStore(tmp_path / "runs")
        run_grid([spec], store, SequentialBackend(), data_dir=str(tmp_path), progress=False)
    finally:
        datasets.unregister("look-alike")
    error = store.read(spec.run_id).error
    assert (error["type"], error["phase"]) == ("DatasetFileError", "load")
    assert f"{target}: not a readable MATLAB v5 .mat file" in error["message"]


# --------------------------------------------------------------------------- no network
def test_unreachable_download_fails_fast_with_the_offline_instructions(tmp_path, online):
    urls = tuple(f"http://127.0.0.1:{closed_port()}/{i}/tiny.mat" for i in range(3))
    remote = fetch.RemoteFile("tiny", "odds/tiny.mat", sha256(CONTENT), urls, len(CONTENT))
    started = time.monotonic()
    with pytest.raises(fetch.DatasetUnavailableError) as info:
        fetch.fetch(remote, tmp_path)
    elapsed = time.monotonic() - started
    assert elapsed < FAST_FAILURE_S, f"took {elapsed:.1f} s to give up"
    message = str(info.value)
    target = tmp_path / "odds" / "tiny.mat"
    assert f"{target} does not exist and could not be downloaded" in message
    assert all(url in message for url in urls)
    assert f"Put the file at {target} (sha256 {remote.sha256})" in message
    assert fetch.DATA_ENV in message
    assert listing(target.parent) <= {".tiny.mat.lock"}, "nothing half-downloaded is left"


def test_missing_file_offline_fails_its_run_at_once_with_the_instructions(tmp_path, offline):
    spec = RunSpec.create("glass", "IF", 0)
    store = RunStore(tmp_path / "runs")
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    started = time.monotonic()
    run_grid([spec], store, SequentialBackend(), data_dir=str(data_dir), progress=False)
    assert time.monotonic() - started < FAST_FAILURE_S
    error = store.read(spec.run_id).error
    assert (error["type"], error["phase"]) == ("DatasetUnavailableError", "load")
    message = error["message"]
    assert f"{data_dir / 'odds' / 'glass.mat'} does not exist" in message
    assert f"downloads are disabled ({fetch.OFFLINE_ENV}=1)" in message
    assert "Put the file at" in message and fetch.DATA_ENV in message
    assert all(url in message for url in odds.ODDS_BY_NAME["glass"].urls)
    assert listing(data_dir) == set(), "offline: nothing is created"


# --------------------------------------------------------------------- broken downloads
@pytest.fixture
def server(online):
    with serving() as scripted:
        yield scripted


# Runs datasets/fetch.py alone (it imports no other project module), so that a process starts in
# a fraction of a second instead of importing the whole datasets package (scipy, torch).
_FETCH_SCRIPT = """
import importlib.util, pathlib, sys, time
source, sha, root, ready, go, *urls = sys.argv[1:]
spec = importlib.util.spec_from_file_location("fetch_under_test", source)
fetch = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = fetch
spec.loader.exec_module(fetch)
remote = fetch.RemoteFile(name="tiny", relpath="odds/tiny.mat", sha256=sha, urls=tuple(urls))
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.01)
print(fetch.fetch(remote, root).read_bytes() == pathlib.Path(root, "expected").read_bytes())
"""


def start_fetcher(root: Path, name: str, urls: list[str], go: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env.pop(fetch.OFFLINE_ENV, None)
    arguments = [
        str(ROOT / "datasets" / "fetch.py"),
        sha256(CONTENT),
        str(root),
        str(root / f"ready-{name}"),
        str(go),
        *urls,
    ]
    return subprocess.Popen(
        [sys.executable, "-c", _FETCH_SCRIPT, *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_ready(root: Path, names: list[str], processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 60
    while not all((root / f"ready-{name}").exists() for name in names):
        assert time.monotonic() < deadline, "fetch processes did not start"
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"a fetch process exited early: {process.communicate()}")
        time.sleep(0.02)


def test_download_cut_mid_file_while_others_wait_leaves_one_good_file(server, tmp_path):
    """Three processes want the same file; the first download breaks half-way through."""
    server.files["/a/tiny.mat"] = server.files["/b/tiny.mat"] = CONTENT
    server.plans["/a/tiny.mat"] = ["cut"]
    server.delay_s = 0.5  # the others arrive while the first download is under way
    (tmp_path / "expected").write_bytes(CONTENT)
    urls = [server.url("/a/tiny.mat"), server.url("/b/tiny.mat")]
    go = tmp_path / "go"
    names = ["p0", "p1", "p2"]
    processes = [start_fetcher(tmp_path, name, urls, go) for name in names]
    try:
        wait_ready(tmp_path, names, processes)
        go.touch()
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["True"] * 3
    # One process met the cut, fell back to the mirror; the others used its verified file.
    assert server.requests == ["/a/tiny.mat", "/b/tiny.mat"]
    assert listing(tmp_path / "odds") == {"tiny.mat", ".tiny.mat.lock"}


def test_fetch_process_killed_mid_download_leaves_no_file_and_no_stuck_lock(server, tmp_path):
    server.files["/tiny.mat"] = CONTENT
    server.plans["/tiny.mat"] = ["stall"]
    (tmp_path / "expected").write_bytes(CONTENT)
    go = tmp_path / "go"
    go.touch()
    victim = start_fetcher(tmp_path, "victim", [server.url("/tiny.mat")], go)
    try:
        assert server.stalled.wait(60), "the download did not start"
    finally:
        os.killpg(victim.pid, signal.SIGKILL)
        victim.communicate(timeout=30)
    target = tmp_path / "odds" / "tiny.mat"
    assert not target.exists(), "a partial download must never appear under the final name"
    # What the kill can leave is pooch's own temporary file (never read as data).
    leftovers = listing(target.parent) - {".tiny.mat.lock"}
    assert all(name.startswith("tmp") for name in leftovers), leftovers
    server.release.set()

    remote = fetch.RemoteFile("tiny", "odds/tiny.mat", sha256(CONTENT), (server.url("/tiny.mat"),))
    started = time.monotonic()
    assert fetch.fetch(remote, tmp_path).read_bytes() == CONTENT  # the lock died with its owner
    assert time.monotonic() - started < FAST_FAILURE_S
    assert fetch.file_status(remote, tmp_path) == fetch.STATUS_CACHED
