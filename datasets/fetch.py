"""Locate, verify and (when allowed) download data files.

Where files live: ``<root>/<relpath>`` (e.g. ``<root>/odds/vowels.mat``) with ``root`` = the
``data_dir`` argument, else env ``RRNVP_DATA``, else the user cache directory
(``pooch.os_cache("rrnvp")``). Every file is checked against its sha256 before use, local or
downloaded; a mismatch is an error, never a silent re-download or overwrite. Verified digests
are remembered in-process per (path, mtime, size), so repeated loads do not re-hash.

Downloads use pooch (hash-checked, written to a temporary file in the target folder and moved
into place only when the hash matches), tried URL by URL, under a per-file lock so that
concurrent processes fetching the same file download it once and never see a partial file.
``RRNVP_OFFLINE=1`` forbids downloads.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import filelock
import pooch
import requests

logger = logging.getLogger(__name__)

DATA_ENV = "RRNVP_DATA"
OFFLINE_ENV = "RRNVP_OFFLINE"
LOCK_TIMEOUT_S = 900.0
"""How long a process waits for another one downloading the same file."""

STATUS_CACHED = "cached"
STATUS_MISSING = "missing"
STATUS_BAD_HASH = "bad hash"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_VERIFIED: dict[tuple[str, int, int], str] = {}


class DatasetFileError(ValueError):
    """A data file exists but cannot be used (wrong hash, unreadable, unexpected content)."""


class DatasetUnavailableError(FileNotFoundError):
    """A data file is missing and could not be downloaded (offline, or every URL failed)."""


@dataclass(frozen=True)
class RemoteFile:
    """A data file with a known digest and the URLs it can be downloaded from.

    Attributes
    ----------
    name : str
        Dataset name, used in messages (``python -m datasets fetch <name>``).
    relpath : str
        Location under the data root, POSIX style (``"odds/vowels.mat"``).
    sha256 : str
        Expected digest, 64 lowercase hex characters.
    urls : tuple of str
        Tried in order.
    size : int or None
        Expected size in bytes (for clearer messages about truncated files).
    """

    name: str
    relpath: str
    sha256: str
    urls: tuple[str, ...] = ()
    size: int | None = None

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or set(self.sha256) - set("0123456789abcdef"):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits")


def offline_mode() -> bool:
    """Whether downloads are forbidden (env ``RRNVP_OFFLINE`` = 1/true/yes/on).

    Raises
    ------
    ValueError
        If the variable holds anything other than a recognised true/false word.
    """
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{OFFLINE_ENV}={value!r} is not understood; use 1 (offline) or 0")


def _resolve_root(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    if data_dir is not None:
        return Path(data_dir).expanduser(), "the data_dir argument"
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f"env {DATA_ENV}"
    return Path(pooch.os_cache("rrnvp")), "the default cache directory"


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data root: ``data_dir`` if given, else env ``RRNVP_DATA``, else the user cache dir."""
    return _resolve_root(data_dir)[0]


def local_path(remote: RemoteFile, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``remote`` is (or would be) stored locally."""
    return data_root(data_dir) / remote.relpath


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, remembered in-process per (resolved path, mtime, size)."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    digest = _VERIFIED.get(key)
    if digest is None:
        hasher = hashlib.sha256()
        with resolved.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
        digest = hasher.hexdigest()
        _VERIFIED[key] = digest
    return digest


def verify(remote: RemoteFile, path: str | os.PathLike[str]) -> None:
    """Check that ``path`` has the digest of ``remote``.

    Raises
    ------
    DatasetFileError
        Naming the file, the expected and the actual sha256 (and the sizes when they differ).
    """
    path = Path(path)
    actual = file_sha256(path)
    if actual == remote.sha256:
        return
    size = path.stat().st_size
    size_note = ""
    if remote.size is not None and size != remote.size:
        size_note = (
            f" The file has {size} bytes, expected {remote.size} (truncated or a different file?)."
        )
    raise DatasetFileError(
        f"{path}: sha256 mismatch for dataset {remote.name!r}: expected {remote.sha256}, "
        f"got {actual}.{size_note} The file is not used: replace it with the original, or "
        f"delete it and run `python -m datasets fetch {remote.name}`."
    )


def file_status(remote: RemoteFile, data_dir: str | os.PathLike[str] | None = None) -> str:
    """``"cached"`` (present, hash ok), ``"missing"`` or ``"bad hash"``."""
    path = local_path(remote, data_dir)
    if not path.is_file():
        return STATUS_MISSING
    return STATUS_CACHED if file_sha256(path) == remote.sha256 else STATUS_BAD_HASH


def _where_to_put(remote: RemoteFile, path: Path) -> str:
    urls = "".join(f"\n  {url}" for url in remote.urls) or " (no URL registered)"
    return (
        f"Put the file at {path} (sha256 {remote.sha256}), or point {DATA_ENV} / data_dir at "
        f"a folder holding {remote.relpath}. It can be downloaded from:{urls}"
    )


def fetch(
    remote: RemoteFile,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    create_root: bool = False,
    progressbar: bool = False,
) -> Path:
    """Return the verified local path of ``remote``, downloading it if it is missing.

    Parameters
    ----------
    remote : RemoteFile
    data_dir : str or Path, optional
        Data root (default: env ``RRNVP_DATA``, else the user cache directory).
    create_root : bool, default=False
        Create an explicitly given root folder that does not exist. Without it, a missing
        ``data_dir`` / ``RRNVP_DATA`` folder is an error (catches typos); the default cache
        directory is always created.
    progressbar : bool, default=False
        Show pooch's per-file download progress bar.

    Raises
    ------
    DatasetFileError
        The local file (or the downloaded one) has the wrong sha256.
    DatasetUnavailableError
        The file is missing and downloads are disabled, the root does not exist, or every
        URL failed; the message says where to put the file by hand.
    """
    root, origin = _resolve_root(data_dir)
    path = root / remote.relpath
    if path.is_file():
        verify(remote, path)
        return path
    if offline_mode():
        raise DatasetUnavailableError(
            f"dataset {remote.name!r}: {path} does not exist and downloads are disabled "
            f"({OFFLINE_ENV}=1). {_where_to_put(remote, path)}"
        )
    if not root.is_dir() and origin != "the default cache directory" and not create_root:
        raise DatasetUnavailableError(
            f"dataset {remote.name!r}: data folder {root} (from {origin}) does not exist. "
            f"Create it or fix the path; `python -m datasets fetch --data-dir {root}` creates "
            f"it and downloads the files."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(path.parent / f".{path.name}.lock", timeout=LOCK_TIMEOUT_S)
        with lock:
            # Another process may have finished the download while this one waited.
            if not path.is_file():
                _download(remote, path, progressbar=progressbar)
    except filelock.Timeout as exc:
        raise DatasetUnavailableError(
            f"dataset {remote.name!r}: gave up after {LOCK_TIMEOUT_S:.0f} s waiting for another "
            f"process downloading {path} (lock file {exc.lock_file})"
        ) from exc
    except PermissionError as exc:
        raise DatasetUnavailableError(
            f"dataset {remote.name!r}: cannot write to {path.parent} ({exc}). "
            f"{_where_to_put(remote, path)}"
        ) from exc
    verify(remote, path)
    return path


def _download(remote: RemoteFile, path: Path, *, progressbar: bool) -> None:
    """Try each URL with pooch; the file appears at ``path`` only with the right hash."""
    failures: list[str] = []
    for url in remote.urls:
        logger.info("downloading %s from %s", remote.relpath, url)
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{remote.sha256}",
                fname=path.name,
                path=path.parent,
                progressbar=progressbar,
            )
        except (requests.RequestException, ValueError, OSError) as exc:
            logger.warning("download of %s from %s failed: %s", remote.relpath, url, exc)
            failures.append(f"\n  {url}: {type(exc).__name__}: {exc}")
            continue
        return
    raise DatasetUnavailableError(
        f"dataset {remote.name!r}: {path} does not exist and could not be downloaded:"
        f"{''.join(failures) or ' no URL registered.'}\n{_where_to_put(remote, path)}"
    )
