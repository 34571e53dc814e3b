"""Locating, verifying and downloading data files (datasets.fetch), against a local HTTP server."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pooch
import pytest

import datasets
from datasets import fetch
from datasets.__main__ import main as cli_main
from datasets.registry import RegisteredDataset, register, unregister
from tests.http_server import ScriptedServer, serving

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTENT = b"pretend this is a .mat file\n" * 100


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv(fetch.OFFLINE_ENV, raising=False)
    with serving() as file_server:
        yield file_server


def make_remote(urls: tuple[str, ...] = (), content: bytes = CONTENT) -> fetch.RemoteFile:
    return fetch.RemoteFile(
        name="tiny", relpath="odds/tiny.mat", sha256=sha256(content), urls=urls, size=len(content)
    )


def folder_listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_download_verifies_and_caches(server: ScriptedServer, tmp_path: Path) -> None:
    server.files["/tiny.mat"] = CONTENT
    remote = make_remote((server.url("/tiny.mat"),))
    path = fetch.fetch(remote, tmp_path)
    assert path == tmp_path / "odds" / "tiny.mat"
    assert path.read_bytes() == CONTENT
    assert fetch.fetch(remote, tmp_path) == path
    assert server.requests == ["/tiny.mat"], "the second fetch must use the local copy"
    assert fetch.file_status(remote, tmp_path) == fetch.STATUS_CACHED


def test_falls_back_to_next_url_on_404_and_on_wrong_content(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.files["/corrupt.mat"] = CONTENT[:-1] + b"?"
    server.files["/good.mat"] = CONTENT
    urls = (server.url("/missing.mat"), server.url("/corrupt.mat"), server.url("/good.mat"))
    path = fetch.fetch(make_remote(urls), tmp_path)
    assert path.read_bytes() == CONTENT
    assert server.requests == ["/missing.mat", "/corrupt.mat", "/good.mat"]
    assert folder_listing(path.parent) == {"tiny.mat", ".tiny.mat.lock"}, "temp files left"


def test_every_url_failing_is_a_clear_error_and_leaves_no_file(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.files["/corrupt.mat"] = b"not the file"
    urls = (server.url("/missing.mat"), server.url("/corrupt.mat"))
    with pytest.raises(fetch.DatasetUnavailableError) as info:
        fetch.fetch(make_remote(urls), tmp_path)
    message = str(info.value)
    assert all(url in message for url in urls)
    assert str(tmp_path / "odds" / "tiny.mat") in message
    assert not (tmp_path / "odds" / "tiny.mat").exists()
    assert folder_listing(tmp_path / "odds") <= {".tiny.mat.lock"}


def test_bad_hash_is_never_used_nor_overwritten(server: ScriptedServer, tmp_path: Path) -> None:
    server.files["/tiny.mat"] = CONTENT
    remote = make_remote((server.url("/tiny.mat"),))
    corrupted = CONTENT[: len(CONTENT) // 2]
    target = tmp_path / "odds" / "tiny.mat"
    target.parent.mkdir()
    target.write_bytes(corrupted)
    with pytest.raises(fetch.DatasetFileError) as info:
        fetch.fetch(remote, tmp_path)
    message = str(info.value)
    assert str(target) in message
    assert remote.sha256 in message and sha256(corrupted) in message
    assert f"has {len(corrupted)} bytes, expected {len(CONTENT)}" in message
    assert target.read_bytes() == corrupted
    assert server.requests == []
    assert fetch.file_status(remote, tmp_path) == fetch.STATUS_BAD_HASH


def test_offline_mode_names_the_exact_path(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.files["/tiny.mat"] = CONTENT
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")
    remote = make_remote((server.url("/tiny.mat"),))
    with pytest.raises(fetch.DatasetUnavailableError) as info:
        fetch.fetch(remote, tmp_path)
    assert str(tmp_path / "odds" / "tiny.mat") in str(info.value)
    assert remote.sha256 in str(info.value)
    assert server.requests == []
    # A present, correct file is used offline.
    (tmp_path / "odds").mkdir()
    (tmp_path / "odds" / "tiny.mat").write_bytes(CONTENT)
    assert fetch.fetch(remote, tmp_path).read_bytes() == CONTENT


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_unrecognised_offline_value_is_an_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fetch.OFFLINE_ENV, value)
    with pytest.raises(ValueError, match=fetch.OFFLINE_ENV):
        fetch.offline_mode()


def test_data_root_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetch.DATA_ENV, raising=False)
    assert fetch.data_root() == Path(pooch.os_cache("rrnvp"))
    monkeypatch.setenv(fetch.DATA_ENV, str(tmp_path / "env"))
    assert fetch.data_root() == tmp_path / "env"
    assert fetch.data_root(tmp_path / "arg") == tmp_path / "arg"
    assert fetch.local_path(make_remote(), tmp_path) == tmp_path / "odds" / "tiny.mat"


def test_missing_explicit_root_is_an_error_unless_created(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.files["/tiny.mat"] = CONTENT
    remote = make_remote((server.url("/tiny.mat"),))
    root = tmp_path / "typo"
    with pytest.raises(fetch.DatasetUnavailableError, match="does not exist"):
        fetch.fetch(remote, root)
    assert not root.exists() and server.requests == []
    assert fetch.fetch(remote, root, create_root=True).read_bytes() == CONTENT


def test_verification_is_cached_per_path_mtime_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = make_remote()
    calls = []
    real_sha256 = hashlib.sha256

    def counting_sha256(*args: object) -> object:
        calls.append(1)
        return real_sha256(*args)

    monkeypatch.setattr(fetch.hashlib, "sha256", counting_sha256)
    target = tmp_path / "odds" / "tiny.mat"
    target.parent.mkdir()
    target.write_bytes(CONTENT)
    for _ in range(3):
        fetch.fetch(remote, tmp_path)
    assert len(calls) == 1
    target.write_bytes(CONTENT + b"more")  # new size and mtime: checked again, and rejected
    with pytest.raises(fetch.DatasetFileError):
        fetch.fetch(remote, tmp_path)
    assert len(calls) == 2


_FETCH_SCRIPT = """
import pathlib, sys, time
from datasets import fetch
sha, url, root, ready, go = sys.argv[1:]
remote = fetch.RemoteFile(name="tiny", relpath="odds/tiny.mat", sha256=sha, urls=(url,))
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.01)
print(fetch.fetch(remote, root).read_bytes() == pathlib.Path(root, "expected").read_bytes())
"""


def test_concurrent_processes_download_once_and_never_corrupt(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.files["/tiny.mat"] = CONTENT
    server.delay_s = 1.0  # long enough for the second process to find the download under way
    (tmp_path / "expected").write_bytes(CONTENT)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NO_PROXY": "127.0.0.1"}
    env.pop(fetch.OFFLINE_ENV, None)
    go = tmp_path / "go"
    workers = []
    for i in range(2):
        args = [sha256(CONTENT), server.url("/tiny.mat"), str(tmp_path), str(tmp_path / f"r{i}")]
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", _FETCH_SCRIPT, *args, str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"r{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(w.poll() is None for w in workers), [w.communicate() for w in workers]
        time.sleep(0.02)
    go.touch()
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["True", "True"]
    assert server.requests == ["/tiny.mat"], "the second process must wait for the first"
    assert folder_listing(tmp_path / "odds") == {"tiny.mat", ".tiny.mat.lock"}


def test_registered_corrupted_copy_of_a_real_dataset_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")
    target = tmp_path / "odds" / "glass.mat"
    target.parent.mkdir()
    target.write_bytes(b"MATLAB 5.0 MAT-file, truncated")
    expected = datasets.odds.ODDS_BY_NAME["glass"].sha256
    with pytest.raises(datasets.DatasetFileError) as info:
        datasets.load_dataset("glass", data_dir=tmp_path)
    message = str(info.value)
    assert str(target) in message and expected in message
    assert sha256(target.read_bytes()) in message and "truncated" in message
    with pytest.raises(datasets.DatasetFileError):
        datasets.load_split("glass", seed=0, data_dir=tmp_path)


@pytest.fixture
def fake_entry(server: ScriptedServer):
    server.files["/tiny.mat"] = CONTENT
    remote = make_remote((server.url("/tiny.mat"),))

    def not_loadable(*args: object, **kwargs: object) -> None:
        raise AssertionError("the CLI must not load data")

    entry = register(
        RegisteredDataset(
            name="tiny-test-file",
            kind="odds",
            load=not_loadable,
            load_split=not_loadable,
            summary="test entry",
            status=lambda data_dir: fetch.file_status(remote, data_dir),
            fetch=lambda data_dir, **kw: fetch.fetch(remote, data_dir, **kw),
        )
    )
    yield entry
    unregister(entry.name)


def test_cli_list_shows_status(
    fake_entry: RegisteredDataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "odds").mkdir()
    (tmp_path / "odds" / "glass.mat").write_bytes(b"junk")
    (tmp_path / "odds" / "tiny.mat").write_bytes(CONTENT)
    assert cli_main(["list", "--data-dir", str(tmp_path)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "bad hash" in lines["glass"]
    assert "missing" in lines["vowels"]
    assert "cached" in lines["tiny-test-file"]
    assert "generated" in lines["two-moons-uniform"]
    assert "mammo" in lines["mammography"]


def test_cli_fetch_downloads_named_files(
    fake_entry: RegisteredDataset,
    server: ScriptedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "new-root"
    monkeypatch.setenv(fetch.OFFLINE_ENV, "1")
    assert cli_main(["--data-dir", str(root), "fetch", "tiny-test-file"]) == 1
    assert str(root / "odds" / "tiny.mat") in capsys.readouterr().err
    monkeypatch.setenv(fetch.OFFLINE_ENV, "0")
    assert cli_main(["fetch", "tiny-test-file", "--data-dir", str(root)]) == 0
    assert (root / "odds" / "tiny.mat").read_bytes() == CONTENT
    assert "1 of 1 available" in capsys.readouterr().out
    assert cli_main(["fetch", "no-such-dataset"]) == 2
