"""Feature preprocessing fitted on one set of rows and applied to others.

Two steps, both fitted on the rows given to :func:`fit_preprocessing` only (the training part,
in the project's protocol): drop the columns that are constant there, then scale each kept
column — min-max to [0, 1] (the authors' choice) or z-score. Rows transformed later (the test
part) may fall outside [0, 1]; they are not clipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SCALERS: tuple[str | None, ...] = ("minmax", "zscore", None)
"""Accepted ``scaler`` values (None = no scaling)."""


def check_scaler(scaler: str | None) -> str | None:
    """Validate a ``scaler`` value; raises ValueError naming the valid ones."""
    if scaler not in SCALERS:
        raise ValueError(f"unknown scaler {scaler!r}; valid scalers: 'minmax', 'zscore', None")
    return scaler


@dataclass(frozen=True, eq=False)
class FittedPreprocessing:
    """A fitted column filter + affine scaler: ``transform(X) = (X[:, kept] - center) / scale``.

    Attributes
    ----------
    n_features_in : int
        Columns expected by :meth:`transform`.
    kept_features : ndarray of int
        0-based indices of the columns kept, increasing.
    scaler : {"minmax", "zscore"} or None
    center, scale : ndarray of float64, shape (len(kept_features),)
        Per-column offset and divisor (min and max - min for min-max; mean and std for z-score;
        0 and 1 without scaling). A column constant on the fitted rows that is kept
        (``drop_constant=False``) gets scale 1.
    n_fit_rows : int
        How many rows the transform was fitted on.
    """

    n_features_in: int
    kept_features: np.ndarray
    scaler: str | None
    center: np.ndarray
    scale: np.ndarray
    n_fit_rows: int

    @property
    def dropped_features(self) -> list[int]:
        """0-based indices of the columns removed (constant on the fitted rows)."""
        return sorted(set(range(self.n_features_in)) - set(self.kept_features.tolist()))

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Apply the fitted column filter and scaling to ``X`` (returns a new float64 array)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in:
            raise ValueError(
                f"expected a 2-D array with {self.n_features_in} columns, got shape {X.shape}"
            )
        return (X[:, self.kept_features] - self.center) / self.scale

    def describe(self) -> dict[str, Any]:
        """A small JSON-able summary (no per-column arrays)."""
        return {
            "scaler": self.scaler,
            "dropped_features": self.dropped_features,
            "n_features_in": self.n_features_in,
            "n_features_out": int(self.kept_features.size),
            "n_fit_rows": self.n_fit_rows,
        }


def fit_preprocessing(
    X: np.ndarray, *, scaler: str | None = "minmax", drop_constant: bool = True
) -> FittedPreprocessing:
    """Fit the column filter and scaler on the rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
        The rows the transform may see (the training part).
    scaler : {"minmax", "zscore"} or None, default="minmax"
    drop_constant : bool, default=True
        Drop columns whose values are all equal on these rows.

    Returns
    -------
    FittedPreprocessing
    """
    check_scaler(scaler)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"need a non-empty 2-D array to fit on, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("cannot fit preprocessing: X contains NaN or infinite values")
    col_min, col_max = X.min(axis=0), X.max(axis=0)
    constant = col_max == col_min
    if drop_constant and constant.all():
        raise ValueError("every column is constant on the fitted rows; nothing would be left")
    kept = np.flatnonzero(~constant) if drop_constant else np.arange(X.shape[1])
    kept_X = X[:, kept]
    if scaler == "minmax":
        center, scale = col_min[kept], (col_max - col_min)[kept]
    elif scaler == "zscore":
        center, scale = kept_X.mean(axis=0), kept_X.std(axis=0)
    else:
        center, scale = np.zeros(kept.size), np.ones(kept.size)
    scale = np.where(scale > 0, scale, 1.0)
    return FittedPreprocessing(
        n_features_in=int(X.shape[1]),
        kept_features=kept,
        scaler=scaler,
        center=center,
        scale=scale,
        n_fit_rows=int(X.shape[0]),
    )
