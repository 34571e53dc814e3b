"""The one registry through which every experiment gets its data.

A dataset is registered once, under a canonical name (plus optional aliases such as the paper's
spelling), with two callables: ``load(data_dir)`` returns the whole :class:`Dataset` and
``load_split(seed, data_dir, **options)`` returns the preprocessed :class:`~datasets.splits.Split`
the runner uses. Each data module (``odds``, ``synthetic``, later ``cifar10``) registers its
entries when imported; ``datasets/__init__.py`` imports them.
"""

from __future__ import annotations

import difflib
import inspect
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rrnvp.files import PathLike

if TYPE_CHECKING:
    from datasets.splits import Split

KINDS: tuple[str, ...] = ("odds", "cifar10", "synthetic")
"""Kinds of dataset the registry knows, in listing order."""


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


@dataclass(frozen=True)
class RegisteredDataset:
    """One registry entry.

    Attributes
    ----------
    name : str
        Canonical name (for ODDS, the ODDS file name).
    kind : str
        One of :data:`KINDS`.
    load : callable ``(data_dir) -> Dataset``
    load_split : callable ``(seed, data_dir, **options) -> Split``
        Its keyword parameters are the options ``load_split`` accepts for this dataset.
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

    def split_options(self) -> frozenset[str] | None:
        """Names of the options ``load_split`` accepts (None when it takes any ``**options``)."""
        parameters = inspect.signature(self.load_split).parameters.values()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            return None
        return frozenset(
            p.name
            for p in parameters
            if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            and p.name not in ("seed", "data_dir")
        )


_ENTRIES: dict[str, RegisteredDataset] = {}
_ALIASES: dict[str, str] = {}


def register(entry: RegisteredDataset) -> RegisteredDataset:
    """Add ``entry`` to the registry.

    Raises
    ------
    ValueError
        If the kind is unknown or the name or an alias is already taken.
    """
    if entry.kind not in KINDS:
        raise ValueError(f"unknown dataset kind {entry.kind!r}; valid kinds: {', '.join(KINDS)}")
    for key in (entry.name, *entry.aliases):
        if key in _ENTRIES or key in _ALIASES:
            raise ValueError(f"dataset name {key!r} is already registered")
    _ENTRIES[entry.name] = entry
    for alias in entry.aliases:
        _ALIASES[alias] = entry.name
    return entry


def unregister(name: str) -> None:
    """Remove the entry with canonical ``name`` and its aliases (for tests and plug-ins)."""
    entry = _ENTRIES.pop(name)
    for alias in entry.aliases:
        _ALIASES.pop(alias, None)


def canonical_name(name: str) -> str:
    """Resolve an alias (e.g. the paper's ``mammo``) to the canonical name.

    Raises
    ------
    ValueError
        If no dataset has this name; the message suggests close matches.
    """
    if not isinstance(name, str):
        raise ValueError(f"dataset name must be a string, got {name!r}")
    if name in _ENTRIES:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    close = difflib.get_close_matches(name, [*_ENTRIES, *_ALIASES], n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else "."
    raise ValueError(f"unknown dataset {name!r}{hint} Known datasets: {', '.join(_ENTRIES)}")


def get_entry(name: str) -> RegisteredDataset:
    """The registry entry for ``name`` (canonical name or alias)."""
    return _ENTRIES[canonical_name(name)]


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}; valid kinds: {', '.join(KINDS)}")


def list_datasets(kind: str | None = None) -> list[str]:
    """Canonical names of the registered datasets, in registration order.

    Parameters
    ----------
    kind : {"odds", "cifar10", "synthetic"} or None
        Only datasets of this kind; None lists all.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`KINDS`.
    """
    _check_kind(kind)
    return [name for name, entry in _ENTRIES.items() if kind is None or entry.kind == kind]


def iter_entries(kind: str | None = None) -> list[RegisteredDataset]:
    """Registry entries (optionally of one kind), in registration order."""
    return [get_entry(name) for name in list_datasets(kind)]


def check_seed(seed: Any) -> int:
    """Validate a split/generation seed: a non-negative integer below 2**32."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def load_dataset(name: str, data_dir: PathLike | None = None) -> Dataset:
    """Load a whole dataset by name.

    Parameters
    ----------
    name : str
        Canonical name or alias (see :func:`list_datasets`).
    data_dir : str or Path, optional
        Folder holding ``odds/<name>.mat`` etc. Default: env ``RRNVP_DATA``, else the user
        cache directory (downloaded on first use unless ``RRNVP_OFFLINE=1``).

    Returns
    -------
    Dataset
        ``.X`` float64 (n, d), ``.y`` int (n,) in {0, 1}; unpacks as ``X, y``.
    """
    return get_entry(name).load(data_dir)


def load_split(name: str, seed: int = 0, data_dir: PathLike | None = None, **options: Any) -> Split:
    """The preprocessed train/test split of a dataset: the one call the runner uses.

    Parameters
    ----------
    name : str
        Canonical name or alias.
    seed : int, default=0
        Drives the split (or the generation, for synthetic data).
    data_dir : str or Path, optional
        As in :func:`load_dataset`.
    **options
        Dataset-kind options. ODDS: ``train_fraction=0.6``, ``stratify=True``,
        ``scaler="minmax"|"zscore"|None``, ``protocol="inductive"|"transductive"``,
        ``drop_constant=True``. Two-moons: ``n_normal``, ``n_anomalies``, ``noise``, ``scaler``.

    Returns
    -------
    Split

    Raises
    ------
    TypeError
        If an option is not accepted for this dataset (all unknown options are named).
    """
    entry = get_entry(name)
    seed = check_seed(seed)
    accepted = entry.split_options()
    if accepted is not None:
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise TypeError(
                f"load_split({entry.name!r}): unknown option(s) {', '.join(unknown)}; "
                f"valid options for {entry.kind} datasets: {', '.join(sorted(accepted)) or 'none'}"
            )
    return entry.load_split(seed, data_dir, **options)
