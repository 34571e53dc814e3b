"""What the kinds of labelled tabular files (ODDS ``.mat``, ADBench ``.npz``) share.

Each such kind describes its files by a record (:class:`LabelledFile`) and reads its format; the
functions here do the rest. :func:`load_labelled_file` locates and hash-checks a file, reads it
with the kind's reader and checks what it read: a 2-D numeric ``X``, one 0/1 label per row in
``y`` (:func:`checked_arrays`, which the readers call), finite features, and the shape and anomaly
count the registry expects (:func:`registered_dataset`). Every failure is a
:class:`datasets.fetch.DatasetFileError` that names the file. :func:`labelled_file_entry` builds
a file's registry entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np

from datasets import fetch
from datasets.types import Dataset, RegisteredDataset, Split
from rrnvp.files import PathLike


class LabelledFile(Protocol):
    """What the helpers read of a kind's record of one file (:class:`datasets.odds.OddsFile`,
    :class:`datasets.adbench.AdbenchFile`).

    Attributes
    ----------
    name : str
        The registered (canonical) dataset name.
    n_samples, n_features : int
        Expected shape of ``X``.
    remote : fetch.RemoteFile
        The file as :mod:`datasets.fetch` sees it: its place under the data root, sha256, URLs.
    """

    @property
    def name(self) -> str: ...

    @property
    def n_samples(self) -> int: ...

    @property
    def n_features(self) -> int: ...

    @property
    def remote(self) -> fetch.RemoteFile: ...


def checked_arrays(
    path: Path, X: np.ndarray, y: np.ndarray, *, anomaly: str = "anomaly"
) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as float64 and ``y`` as a flat int64 0/1 vector, after checking both.

    Parameters
    ----------
    path : Path
        The file they were read from (for the messages).
    X, y : ndarray
        The arrays as read.
    anomaly : str, default="anomaly"
        The source's word for label 1 (ODDS says "outlier"), used in the messages.

    Raises
    ------
    DatasetFileError
        ``X`` not 2-D numeric, ``y`` not one numeric label per row, labels other than 0 and 1,
        or non-finite features.
    """
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise fetch.DatasetFileError(
            f"{path}: X must be a 2-D numeric array, got shape {X.shape} dtype {X.dtype}"
        )
    if y.size != X.shape[0] or (y.ndim == 2 and 1 not in y.shape) or y.ndim > 2:
        raise fetch.DatasetFileError(
            f"{path}: y must hold one label per row of X ({X.shape[0]}), got shape {y.shape}"
        )
    if y.dtype.kind not in "biuf":
        raise fetch.DatasetFileError(f"{path}: y must be numeric, got dtype {y.dtype}")
    y = y.reshape(-1)
    labels = np.unique(y)
    if not np.isin(labels, (0, 1)).all():
        raise fetch.DatasetFileError(
            f"{path}: y must hold only 0 (normal) and 1 ({anomaly}), found {labels.tolist()}"
        )
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise fetch.DatasetFileError(f"{path}: X contains NaN or infinite values")
    return X, y.astype(np.int64)


def registered_dataset(
    name: str,
    path: Path,
    X: np.ndarray,
    y: np.ndarray,
    *,
    shape: tuple[int, int],
    n_anomalies: int,
    anomalies: str = "anomalies",
) -> Dataset:
    """The :class:`Dataset` of checked arrays, once their shape and anomaly count match the
    registry's (``anomalies``: the source's plural word for them, in the messages).

    Raises
    ------
    DatasetFileError
        The shape or the anomaly count differs from the registry's.
    """
    if X.shape != shape:
        raise fetch.DatasetFileError(
            f"{path}: X has shape {X.shape}, the registry expects {shape} for {name!r}"
        )
    if int(y.sum()) != n_anomalies:
        raise fetch.DatasetFileError(
            f"{path}: {int(y.sum())} {anomalies}, the registry expects {n_anomalies} for {name!r}"
        )
    return Dataset(name=name, X=X, y=y, source=str(path))


def load_labelled_file(
    spec: LabelledFile,
    data_dir: PathLike | None,
    read: Callable[[Path], tuple[np.ndarray, np.ndarray]],
    *,
    n_anomalies: int,
    anomalies: str = "anomalies",
) -> Dataset:
    """Load one labelled file: locate (download if allowed), verify hash, ``read``, check
    shape and anomaly count.

    Parameters
    ----------
    spec : LabelledFile
        The file's record.
    data_dir : str or Path, optional
        As in :func:`datasets.fetch.fetch`.
    read : callable ``(path) -> (X, y)``
        The kind's reader; it returns :func:`checked_arrays`.
    n_anomalies : int
        The anomaly count the registry expects.
    anomalies : str, default="anomalies"
        The source's plural word for them, in the messages.

    Raises
    ------
    DatasetFileError
        From :func:`datasets.fetch.fetch` (wrong hash), ``read`` (unreadable file) or
        :func:`registered_dataset` (shape or anomaly count not the registry's).
    DatasetUnavailableError
        From :func:`datasets.fetch.fetch`: missing and not downloadable.
    """
    path = fetch.fetch(spec.remote, data_dir)
    X, y = read(path)
    return registered_dataset(
        spec.name,
        path,
        X,
        y,
        shape=(spec.n_samples, spec.n_features),
        n_anomalies=n_anomalies,
        anomalies=anomalies,
    )


def labelled_file_entry(
    spec: LabelledFile,
    kind: str,
    load: Callable[..., Dataset],
    load_split: Callable[..., Split],
    *,
    aliases: tuple[str, ...],
    summary: str,
) -> RegisteredDataset:
    """The registry entry of one labelled file.

    Parameters
    ----------
    spec : LabelledFile
        The file's record.
    kind : str
        The kind's name.
    load, load_split : callable
        The kind's loaders, ``(spec, data_dir)`` and ``(spec, seed, data_dir, options,
        context)``; the entry binds them to ``spec``.
    aliases : tuple of str
        Other names of the dataset.
    summary : str
        The listing's line.

    Returns
    -------
    RegisteredDataset
        With the file's local status and download (:mod:`datasets.fetch`) and its size hint,
        rows x columns.
    """
    return RegisteredDataset(
        name=spec.name,
        kind=kind,
        load=partial(load, spec),
        load_split=partial(load_split, spec),
        aliases=aliases,
        summary=summary,
        status=partial(fetch.file_status, spec.remote),
        fetch=partial(fetch.fetch, spec.remote),
        size_hint=spec.n_samples * spec.n_features,
    )
