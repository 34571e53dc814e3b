"""Train/test splits and the preprocessing protocol applied to them.

:func:`make_split` draws one (stratified) random split per seed, the same for every method.
:func:`split_and_preprocess` adds the preprocessing: fitted on the training part only
(``protocol="inductive"``, the project's choice) or, to measure the difference, on all rows
before splitting (``protocol="transductive"``, the authors' code; with min-max scaling their
z-score-then-min-max is the same map, so only min-max is applied).

:func:`cap_training_rows` bounds the size of the training part for large datasets (ADBench's, up
to 619,326 rows): a seeded subsample stratified by label, drawn from the training part only (the
test part is never touched, and the rows left out are not moved to it). With a cap,
:func:`split_and_preprocess` fits the preprocessing on the capped training part, the rows every
method is trained on, and records the cap's facts in ``Split.preprocessing["train_cap"]``.
"""

from __future__ import annotations

import numbers
from dataclasses import replace
from typing import Any

import numpy as np

from datasets.preprocessing import check_scaler, fit_preprocessing
from datasets.types import Dataset, Split, check_seed

__all__ = [
    "CAP_STREAM",
    "PROTOCOLS",
    "Split",
    "cap_training_rows",
    "check_max_train_rows",
    "check_protocol",
    "check_train_fraction",
    "make_split",
    "split_and_preprocess",
]

PROTOCOLS = ("inductive", "transductive")
"""``inductive``: preprocessing fitted on the training part; ``transductive``: on all rows."""

CAP_STREAM = 0x7C0A
"""Second word of the cap's seed, ``[seed, CAP_STREAM]``: the cap's random numbers are a stream
of their own, independent of the split's (which scikit-learn draws from ``seed`` itself)."""


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


def check_max_train_rows(max_train_rows: Any) -> int | None:
    """Validate a ``max_train_rows`` value: None (no cap) or an integer of at least 2 (room for
    one normal and one anomalous row)."""
    if max_train_rows is None:
        return None
    if (
        not isinstance(max_train_rows, numbers.Integral)
        or isinstance(max_train_rows, bool | np.bool_)
        or max_train_rows < 2
    ):
        raise ValueError(
            f"max_train_rows must be None (no cap) or an integer >= 2, got {max_train_rows!r}"
        )
    return int(max_train_rows)


def _stratified_counts(counts: np.ndarray, total: int) -> np.ndarray:
    """Rows to keep per class: ``total`` shared in proportion to ``counts`` (largest remainder,
    ties to the smaller class index), at least one row of every class present."""
    share = counts * total / counts.sum()
    keep = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - keep), kind="stable")
    keep[order[: total - int(keep.sum())]] += 1
    for c in np.flatnonzero((counts > 0) & (keep == 0)):  # a rare class keeps one row ...
        donor = int(np.argmax(keep))  # ... taken from the largest share
        keep[donor] -= 1
        keep[c] += 1
    return keep


def cap_training_rows(split: Split, max_train_rows: int, seed: int) -> Split:
    """Keep at most ``max_train_rows`` rows of the training part: a seeded subsample stratified by
    label; the test part is returned unchanged.

    Each label keeps its share of ``max_train_rows`` (largest remainder), and a label present in
    the training part keeps at least one row, so the training anomaly ratio is the uncapped one to
    within one row (or ``1 / max_train_rows`` for a very rare label). The rows are drawn without
    replacement by ``numpy.random.default_rng([seed, CAP_STREAM])``; the same seed gives the same
    rows. A training part no larger than the cap is returned as it is.

    Parameters
    ----------
    split : Split
        A split whose training part is to be capped (before preprocessing: the capped rows are
        what the preprocessing is then fitted on).
    max_train_rows : int
        At least 2.
    seed : int
        Non-negative (the run's seed).

    Returns
    -------
    Split
        ``X_train``, ``y_train`` and ``train_index`` restricted to the kept rows (in their
        original order); ``preprocessing["train_cap"]`` records the cap, the training rows and
        anomalies before and after, and whether it removed rows.
    """
    cap = check_max_train_rows(max_train_rows)
    if cap is None:
        raise ValueError("cap_training_rows needs an integer max_train_rows, got None")
    seed = check_seed(seed)
    y = np.asarray(split.y_train)
    n_before = int(y.size)
    facts: dict[str, Any] = {
        "max_train_rows": cap,
        "n_train_before_cap": n_before,
        "n_anomalies_before_cap": int(y.sum()),
        "stratified": True,
        "seed": [seed, CAP_STREAM],
    }
    if n_before <= cap:
        facts.update(applied=False, n_train=n_before, n_anomalies=int(y.sum()))
        return replace(split, preprocessing={**split.preprocessing, "train_cap": facts})
    rng = np.random.default_rng([seed, CAP_STREAM])
    labels = np.array([0, 1])
    counts = np.array([int(np.sum(y == label)) for label in labels])
    keep = _stratified_counts(counts, cap)
    chosen = [
        rng.choice(np.flatnonzero(y == label), size=int(k), replace=False)
        for label, k in zip(labels, keep)
    ]
    rows = np.sort(np.concatenate(chosen))
    facts.update(applied=True, n_train=int(rows.size), n_anomalies=int(y[rows].sum()))
    return replace(
        split,
        X_train=split.X_train[rows],
        y_train=y[rows],
        train_index=split.train_index[rows] if split.train_index is not None else None,
        preprocessing={**split.preprocessing, "train_cap": facts},
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
    max_train_rows: int | None = None,
) -> Split:
    """Split ``dataset`` with :func:`make_split`, cap the training part if asked
    (:func:`cap_training_rows`) and apply the preprocessing protocol.

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
    max_train_rows : int or None, default=None
        Cap on the training rows (None: no cap). The capped training part is the one the
        preprocessing is fitted on (``inductive``); the test part is never capped. Recorded in
        ``preprocessing["train_cap"]`` (absent without a cap).

    Returns
    -------
    Split
    """
    check_scaler(scaler)
    check_protocol(protocol)
    check_max_train_rows(max_train_rows)
    raw = make_split(dataset.X, dataset.y, seed, train_fraction, stratify, name=dataset.name)
    if max_train_rows is not None:
        raw = cap_training_rows(raw, max_train_rows, seed)
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
            **({"train_cap": raw.preprocessing["train_cap"]} if max_train_rows is not None else {}),
        },
    )
