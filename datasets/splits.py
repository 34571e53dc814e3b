"""Train/test splits and the preprocessing protocol applied to them.

:func:`make_split` draws one (stratified) random split per seed, the same for every method.
:func:`split_and_preprocess` adds the preprocessing: fitted on the training part only
(``protocol="inductive"``, the project's choice) or, to measure the difference, on all rows
before splitting (``protocol="transductive"``, the authors' code; with min-max scaling their
z-score-then-min-max is the same map, so only min-max is applied).
"""

from __future__ import annotations

import numbers
from dataclasses import replace
from typing import Any

import numpy as np

from datasets.preprocessing import check_scaler, fit_preprocessing
from datasets.types import Dataset, Split, check_seed

__all__ = [
    "PROTOCOLS",
    "Split",
    "check_protocol",
    "check_train_fraction",
    "make_split",
    "split_and_preprocess",
]

PROTOCOLS = ("inductive", "transductive")
"""``inductive``: preprocessing fitted on the training part; ``transductive``: on all rows."""


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with {X.shape[0]} entries, got shape {y.shape}")
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(f"y must hold only 0 (normal) and 1 (anomaly), found {values.tolist()}")
    return X, y.astype(np.int64)


def check_train_fraction(train_fraction: Any) -> float:
    """Validate a ``train_fraction``: a real number in (0, 1)."""
    if not isinstance(train_fraction, numbers.Real) or not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    return float(train_fraction)


def make_split(
    X: Any,
    y: Any,
    seed: int,
    train_fraction: float = 0.6,
    stratify: bool = True,
    *,
    name: str = "unnamed",
) -> Split:
    """Draw the random train/test split for ``seed`` (no preprocessing).

    The training part keeps its anomalies (unsupervised setting). With ``stratify=True`` the
    anomaly count of each part is within one sample of its share of the total.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), values in {0, 1}
    seed : int
        Non-negative; the same seed gives the same split.
    train_fraction : float, default=0.6
        Share of rows in the training part, in (0, 1).
    stratify : bool, default=True
        Keep the anomaly ratio equal (to one sample) in both parts.
    name : str, default="unnamed"
        Recorded in the returned split.

    Returns
    -------
    Split
        Raw (unscaled) float64 copies of the rows; ``train_index`` / ``test_index`` increasing.
    """
    X, y = _check_xy(X, y)
    seed = check_seed(seed)
    check_train_fraction(train_fraction)
    from sklearn.model_selection import train_test_split  # lazy: keeps `import datasets` light

    train_index, test_index = train_test_split(
        np.arange(X.shape[0]),
        train_size=float(train_fraction),
        random_state=seed,
        shuffle=True,
        stratify=y if stratify else None,
    )
    train_index, test_index = np.sort(train_index), np.sort(test_index)
    return Split(
        name=name,
        seed=seed,
        X_train=X[train_index],
        y_train=y[train_index],
        X_test=X[test_index],
        y_test=y[test_index],
        train_index=train_index,
        test_index=test_index,
        preprocessing={
            "protocol": None,
            "scaler": None,
            "train_fraction": float(train_fraction),
            "stratify": bool(stratify),
        },
    )


def check_protocol(protocol: str) -> str:
    """Validate a ``protocol`` value; raises ValueError naming the valid ones."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; valid protocols: {', '.join(PROTOCOLS)}")
    return protocol


def split_and_preprocess(
    dataset: Dataset,
    seed: int,
    *,
    train_fraction: float = 0.6,
    stratify: bool = True,
    scaler: str | None = "minmax",
    protocol: str = "inductive",
    drop_constant: bool = True,
) -> Split:
    """Split ``dataset`` with :func:`make_split` and apply the preprocessing protocol.

    Parameters
    ----------
    dataset : Dataset
    seed : int
    train_fraction, stratify
        As in :func:`make_split`.
    scaler : {"minmax", "zscore"} or None, default="minmax"
    protocol : {"inductive", "transductive"}, default="inductive"
        ``inductive`` fits the column filter and scaler on the training part only;
        ``transductive`` fits them on all rows before splitting (the authors' protocol). The
        split itself is the same for both.
    drop_constant : bool, default=True
        Drop columns constant on the rows the preprocessing is fitted on.

    Returns
    -------
    Split
    """
    check_scaler(scaler)
    check_protocol(protocol)
    raw = make_split(dataset.X, dataset.y, seed, train_fraction, stratify, name=dataset.name)
    fit_rows = raw.X_train if protocol == "inductive" else dataset.X
    fitted = fit_preprocessing(fit_rows, scaler=scaler, drop_constant=drop_constant)
    return replace(
        raw,
        X_train=fitted.transform(raw.X_train),
        X_test=fitted.transform(raw.X_test),
        transform=fitted,
        preprocessing={
            "protocol": protocol,
            "fit_on": "train" if protocol == "inductive" else "all",
            "drop_constant": bool(drop_constant),
            **fitted.describe(),
            "train_fraction": float(train_fraction),
            "stratify": bool(stratify),
        },
    )
