"""Cheap stand-ins for tests of the runner: a toy dataset kind and toy detectors.

They live in the package (not in a test file) so that worker processes (loky, dask) can import
them by name. :func:`register_toys` adds them to the registries (``--plugin reproduce.testing``
does it for the command lines); :func:`unregister_toys` removes them. The toy detector can be
told to fail (raise), to crash its process (``os._exit``), to sleep, or to produce non-finite
scores, which is what the fault tests need.

Toy dataset kind ``"toy"`` (options :class:`ToyOptions`): datasets ``toy-a``, ``toy-b``,
``toy-c`` (Gaussian blobs with 10 % scattered anomalies, 2 features); the seed drives the draw.
Toy methods: ``Toy`` (distance to the training mean, knobs below) and ``ToyIF`` (scikit-learn's
``IsolationForest``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import datasets
from reproduce.registry import register_method, unregister_method

TOY_KIND = "toy"
TOY_DATASETS = ("toy-a", "toy-b", "toy-c")
TOY_METHODS = ("Toy", "ToyIF")
_OFFSETS = {"toy-a": 0.0, "toy-b": 1.0, "toy-c": 2.0}


@dataclass(frozen=True)
class ToySplit:
    """The attributes of ``datasets.Split`` that the runner uses."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    preprocessing: dict[str, Any] = field(default_factory=dict)

    @property
    def contamination(self) -> float:
        """Anomaly fraction of the training part."""
        return float(np.mean(self.y_train))


def _draw(rng: np.random.Generator, n: int, offset: float, n_features: int) -> tuple:
    n_anomalies = max(1, n // 10)
    normal = rng.normal(offset, 1.0, size=(n - n_anomalies, n_features))
    anomalies = rng.uniform(offset - 6, offset + 6, size=(n_anomalies, n_features))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(n - n_anomalies, dtype=int), np.ones(n_anomalies, dtype=int)]
    order = rng.permutation(n)
    return X[order], y[order]


def load_toy_split(
    name: str,
    seed: int = 0,
    data_dir: Any = None,
    *,
    n_train: int = 200,
    n_test: int = 100,
    n_features: int = 2,
) -> ToySplit:
    """A seeded toy split of dataset ``name`` (``data_dir`` is ignored)."""
    if name not in _OFFSETS:
        raise ValueError(f"unknown toy dataset {name!r}; known: {list(_OFFSETS)}")
    rng = np.random.default_rng([seed, TOY_DATASETS.index(name)])
    X_train, y_train = _draw(rng, n_train, _OFFSETS[name], n_features)
    X_test, y_test = _draw(rng, n_test, _OFFSETS[name], n_features)
    return ToySplit(X_train, y_train, X_test, y_test, {"generated": "toy"})


class ToyDetector:
    """Anomaly score = distance to the training mean (+ seeded noise), with fault knobs.

    Parameters
    ----------
    noise : float
        Scale of seeded noise added to the scores (so seeds give different AUCs).
    fail : bool
        Raise ``RuntimeError`` in ``fit``.
    fail_unless_exists : str or None
        Raise in ``fit`` unless this path exists (a failure that a test can "fix").
    crash : bool
        Kill the process in ``fit`` with ``os._exit(13)`` (a dying worker).
    sleep : float
        Seconds to sleep in ``fit``.
    nan_scores : bool
        Return NaN scores.
    random_state : int or None
    n_threads : int
    """

    def __init__(
        self,
        noise: float = 0.1,
        fail: bool = False,
        fail_unless_exists: str | None = None,
        crash: bool = False,
        sleep: float = 0.0,
        nan_scores: bool = False,
        random_state: int | None = None,
        n_threads: int = 1,
    ) -> None:
        self.noise = noise
        self.fail = fail
        self.fail_unless_exists = fail_unless_exists
        self.crash = crash
        self.sleep = sleep
        self.nan_scores = nan_scores
        self.random_state = random_state
        self.n_threads = n_threads

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """The constructor parameters."""
        return {
            name: getattr(self, name)
            for name in (
                "noise",
                "fail",
                "fail_unless_exists",
                "crash",
                "sleep",
                "nan_scores",
                "random_state",
                "n_threads",
            )
        }

    def set_params(self, **params: Any) -> ToyDetector:
        """Set constructor parameters."""
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: np.ndarray, y: Any = None) -> ToyDetector:
        """Store the training mean (or misbehave as configured)."""
        if self.sleep:
            time.sleep(self.sleep)
        if self.crash:
            os._exit(13)
        if self.fail:
            raise RuntimeError("toy failure requested (fail=True)")
        if self.fail_unless_exists is not None and not Path(self.fail_unless_exists).exists():
            raise RuntimeError(f"toy failure: {self.fail_unless_exists} does not exist")
        # A training loop behind a disabled progress bar, as PyOD's detectors have: the bar
        # creates a multiprocessing lock in the worker, which the runner must let the worker
        # release (a killed worker leaves it behind and Python warns of a leaked semaphore).
        for _ in tqdm(range(1), disable=True):
            self.mean_ = np.asarray(X, dtype=float).mean(axis=0)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Distance to the training mean plus seeded noise; NaN if ``nan_scores``."""
        X = np.asarray(X, dtype=float)
        scores = np.linalg.norm(X - self.mean_, axis=1)
        rng = np.random.default_rng(self.random_state)
        scores = scores + self.noise * rng.standard_normal(len(scores))
        if self.nan_scores:
            scores[:] = np.nan
        return scores

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Negative anomaly score (a stand-in log-density)."""
        return -self.decision_function(X)


@dataclass(frozen=True)
class ToyFactory:
    """Builds a :class:`ToyDetector` (picklable)."""

    def __call__(
        self, params: Mapping[str, Any], *, random_state: int, n_threads: int, device: str
    ) -> ToyDetector:
        return ToyDetector(**params, random_state=random_state, n_threads=n_threads)


@dataclass(frozen=True)
class ToyIsolationForestFactory:
    """Builds scikit-learn's ``IsolationForest`` with scores oriented higher = more anomalous."""

    def __call__(
        self, params: Mapping[str, Any], *, random_state: int, n_threads: int, device: str
    ) -> Any:
        return _NegatedIsolationForest(
            n_estimators=int(params.get("n_estimators", 50)),
            random_state=random_state,
            n_jobs=n_threads,
        )


class _NegatedIsolationForest:
    """``IsolationForest`` whose ``decision_function`` is higher for anomalies."""

    def __init__(self, n_estimators: int, random_state: int, n_jobs: int) -> None:
        from sklearn.ensemble import IsolationForest

        self.model = IsolationForest(
            n_estimators=n_estimators, random_state=random_state, n_jobs=n_jobs
        )

    def fit(self, X: np.ndarray, y: Any = None) -> _NegatedIsolationForest:
        self.model.fit(X)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return -self.model.score_samples(X)


@dataclass(frozen=True)
class ToyOptions(datasets.DataOptions):
    """The options of the toy kind (a config's ``[data]``): sizes of the two draws."""

    n_train: int = 200
    n_test: int = 100
    n_features: int = 2


def toy_split_entry(
    name: str,
    seed: int,
    data_dir: Any,
    options: ToyOptions,
    context: datasets.ComputeContext,
) -> ToySplit:
    """The registry's ``load_split`` of toy dataset ``name``: :func:`load_toy_split`."""
    return load_toy_split(name, seed, data_dir, **options.as_dict())


def load_toy_dataset(name: str, data_dir: Any = None) -> datasets.Dataset:
    """The training draw of seed 0 of toy dataset ``name`` as a whole dataset."""
    split = load_toy_split(name)
    return datasets.Dataset(name, split.X_train, split.y_train, source="generated: toy")


def labelled_dataset(
    n: int, d: int, n_anomalies: int, seed: int = 0, *, shift: bool = True
) -> datasets.Dataset:
    """A seeded toy dataset for tests of splits and preprocessing: scaled (and shifted) Gaussian
    columns, ``n_anomalies`` rows at random positions labelled 1.

    Parameters
    ----------
    n : int
        Number of rows.
    d : int
        Number of columns.
    n_anomalies : int
        Number of rows labelled 1 (anomalies); the others are labelled 0. The labels say nothing
        of the values: every row is drawn alike.
    seed : int, default=0
        Seed of the draw.
    shift : bool, default=True
        Whether each column is also shifted by an offset drawn uniformly from [-5, 5).

    Returns
    -------
    datasets.Dataset
        Named ``"toy"``: standard normal values times a per-column scale drawn uniformly from
        [0.5, 10), plus the per-column offset when ``shift``; labels as ``int64``.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 10, size=d)
    if shift:  # drawn after the scales, so the unshifted draw is the shifted one's prefix
        X = X + rng.uniform(-5, 5, size=d)
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, n_anomalies, replace=False)] = 1
    return datasets.Dataset(name="toy", X=X, y=y)


def register_toys() -> None:
    """Register the toy dataset kind, its datasets and the toy methods (replacing earlier
    registrations), the way a plug-in does: the kind goes into the ``datasets`` registry like the
    built-in ones."""
    datasets.register_kind(
        datasets.DatasetKind(TOY_KIND, ToyOptions, "toy blobs for tests of the runner"),
        replace=True,
    )
    for name in TOY_DATASETS:
        datasets.register(
            datasets.RegisteredDataset(
                name=name,
                kind=TOY_KIND,
                load=partial(load_toy_dataset, name),
                load_split=partial(toy_split_entry, name),
                summary="Gaussian blob + 10 % scattered anomalies, generated",
            ),
            replace=True,
        )
    register_method("Toy", ToyFactory(), {"noise": 0.1}, replace=True)
    register_method("ToyIF", ToyIsolationForestFactory(), {"n_estimators": 50}, replace=True)


#: ``python -m reproduce.all --plugin reproduce.testing`` calls this.
register = register_toys


def unregister_toys() -> None:
    """Remove what :func:`register_toys` added (what is already gone is skipped)."""
    datasets.unregister_kind(TOY_KIND, missing_ok=True)
    for name in TOY_METHODS:
        unregister_method(name, missing_ok=True)
