"""The value types of the dataset registry: :class:`Dataset`, :class:`Split`,
:class:`DatasetKind` and :class:`RegisteredDataset` (plus :func:`check_seed`).

They live apart from the registry (:mod:`datasets.registry`) and from the code that makes splits
(:mod:`datasets.splits`), so every data module imports them without an import cycle.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from datasets.options import DataOptions
from datasets.preprocessing import FittedPreprocessing
from rrnvp.files import PathLike


def check_seed(seed: Any) -> int:
    """Validate a split/generation seed: a non-negative integer below 2**32."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


@dataclass(frozen=True, eq=False)
class Dataset:
    """A whole labelled dataset: features ``X`` (float64, 2-D) and labels ``y`` (1 = anomaly).

    Unpacks as ``X, y = dataset``.

    Attributes
    ----------
    name : str
        Canonical registry name.
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,), dtype int64, values in {0, 1}
    source : str or None
        Where the data came from (a file path, or how it was generated).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    source: str | None = None

    def __post_init__(self) -> None:
        if self.X.ndim != 2 or self.X.dtype != np.float64:
            raise ValueError(
                f"Dataset {self.name!r}: X must be a 2-D float64 array, "
                f"got shape {self.X.shape} dtype {self.X.dtype}"
            )
        if self.y.shape != (self.X.shape[0],) or self.y.dtype.kind not in "iu":
            raise ValueError(
                f"Dataset {self.name!r}: y must be a 1-D integer array of length "
                f"{self.X.shape[0]}, got shape {self.y.shape} dtype {self.y.dtype}"
            )

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.X
        yield self.y

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of columns."""
        return int(self.X.shape[1])

    @property
    def n_anomalies(self) -> int:
        """Number of rows labelled 1."""
        return int(self.y.sum())

    @property
    def contamination(self) -> float:
        """Fraction of rows labelled 1."""
        return float(self.y.mean())

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, shape={self.X.shape}, "
            f"anomalies={self.n_anomalies}, source={self.source!r})"
        )


@dataclass(frozen=True, eq=False)
class Split:
    """A train/test split, ready for a detector.

    Attributes
    ----------
    name : str
        Canonical dataset name.
    seed : int
        The seed that drew the split (or generated the data).
    X_train, X_test : ndarray of float64, shape (n, d)
    y_train, y_test : ndarray of int64 in {0, 1}, shape (n,)
    train_index, test_index : ndarray of int or None
        Row indices into the loaded dataset (increasing); None for generated data.
    preprocessing : dict
        JSON-able description of the protocol and the fitted transform, e.g.
        ``{"protocol": "inductive", "fit_on": "train", "scaler": "minmax",
        "dropped_features": [...], ...}``.
    transform : FittedPreprocessing or None
        The fitted transform itself (maps raw rows of the dataset to this split's features).
    """

    name: str
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray | None = None
    test_index: np.ndarray | None = None
    preprocessing: dict[str, Any] = field(default_factory=dict)
    transform: FittedPreprocessing | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X.ndim != 2 or X.dtype != np.float64:
                raise ValueError(f"X_{part} must be a 2-D float64 array, got {X.shape} {X.dtype}")
            if y.shape != (X.shape[0],) or y.dtype.kind not in "iu":
                raise ValueError(f"y_{part} must be 1-D integer of length {X.shape[0]}")
        if self.X_train.shape[1] != self.X_test.shape[1]:
            raise ValueError("X_train and X_test have different numbers of columns")

    @property
    def contamination(self) -> float:
        """Anomaly fraction of ``y_train`` (what the runner sets the flow's trim_ratio to)."""
        return float(self.y_train.mean())

    @property
    def test_contamination(self) -> float:
        """Anomaly fraction of ``y_test``."""
        return float(self.y_test.mean())

    @property
    def n_features(self) -> int:
        """Number of feature columns after preprocessing."""
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"Split(name={self.name!r}, seed={self.seed}, train={self.X_train.shape}, "
            f"test={self.X_test.shape}, contamination={self.contamination:.4f}, "
            f"preprocessing={self.preprocessing!r})"
        )


@dataclass(frozen=True)
class DatasetKind:
    """A family of datasets loaded the same way (``odds``, ``cifar10``, ``synthetic``, or a
    plug-in's).

    Kinds are registered (:func:`datasets.registry.register_kind`), not a closed set: a plug-in
    adds its own kind and its datasets, and the runner loads them like the built-in ones.

    Attributes
    ----------
    name : str
        The kind's name (``dataset_kind`` in configs).
    options : type of DataOptions
        The frozen dataclass of the options that define this kind's data (a config's ``[data]``
        table); :class:`~datasets.options.DataOptions` itself for a kind without options.
    summary : str
        One line for listings.
    """

    name: str
    options: type[DataOptions] = DataOptions
    summary: str = ""

    def parse_options(self, values: Mapping[str, Any]) -> DataOptions:
        """The options object of ``values`` (see :meth:`DataOptions.from_mapping`).

        Raises
        ------
        TypeError
            Naming an unknown key and the valid options, or an execution setting and where it
            belongs.
        ValueError
            An invalid value.
        """
        return self.options.from_mapping(values, kind=self.name)


@dataclass(frozen=True)
class RegisteredDataset:
    """One registry entry.

    Attributes
    ----------
    name : str
        Canonical name (for ODDS, the ODDS file name).
    kind : str
        The name of a registered :class:`DatasetKind`.
    load : callable ``(data_dir) -> Dataset``
    load_split : callable ``(seed, data_dir, options, context) -> Split``
        ``options``: an instance of the kind's options class (what defines the data);
        ``context``: a :class:`~datasets.options.ComputeContext` (where and how it is computed).
    aliases : tuple of str
        Other names that resolve to this entry (e.g. the paper's spelling).
    summary : str
        One line for listings (shape, anomaly count).
    status : callable ``(data_dir) -> str`` or None
        Local availability (``"cached"``, ``"missing"``, ``"bad hash"``); None for generated data.
    fetch : callable ``(data_dir, *, create_root=False) -> Path`` or None
        Makes the data available locally (download); None when there is nothing to fetch.
        ``python -m datasets fetch`` calls it with ``create_root=True``.
    size_hint : int or None
        Rough amount of data (rows x columns), known without loading it; the experiment runner
        starts the runs on the largest datasets first. None when unknown.
    """

    name: str
    kind: str
    load: Callable[[PathLike | None], Dataset]
    load_split: Callable[..., Split]
    aliases: tuple[str, ...] = ()
    summary: str = ""
    status: Callable[[PathLike | None], str] | None = None
    fetch: Callable[..., Path] | None = None
    size_hint: int | None = None
