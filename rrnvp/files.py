"""Writing files so that a reader never sees a partial one, and the path type used for them."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["PathLike", "atomic_write", "atomic_write_bytes"]

PathLike = str | os.PathLike[str]
"""A file-system path argument: ``str`` or anything ``os.fspath`` accepts."""

TEMPORARY_SUFFIX = ".tmp"
"""Suffix of the temporary files (named ``.<name>.<pid>.<random>.tmp`` beside their target)."""


def atomic_write(path: PathLike, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it over ``path``.

    The temporary file is fsync'ed before the rename (``os.replace``) and the directory after it,
    so ``path`` is either absent/old or complete, also after a crash or power loss; on any error
    the temporary file is removed. Missing parent directories are created.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    write : callable
        Writes the content to the path it is given (e.g. ``lambda tmp: np.save(tmp, a)``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_directory(path.parent)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` with :func:`atomic_write`."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
