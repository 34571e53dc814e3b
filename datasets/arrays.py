"""Checks shared by the loaders of labelled tabular files (ODDS ``.mat``, ADBench ``.npz``).

A loader reads its format; these functions then check what it read: a 2-D numeric ``X``, one 0/1
label per row in ``y``, finite features, and the shape and anomaly count its registry entry
expects. Every failure is a :class:`datasets.fetch.DatasetFileError` that names the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from datasets import fetch
from datasets.types import Dataset


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
