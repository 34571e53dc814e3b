"""A dataset kind registered from outside the ``datasets`` package, as a plug-in module does.

Kind ``"stripes"`` (options :class:`StripesOptions`), datasets ``stripes-a`` and ``stripes-b``
(alias ``zebra``): seeded Gaussian rows with 10 % shifted anomalies. Every loaded split is logged
in :data:`CALLS` (options and context), so tests can see what reached the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

import datasets
from datasets.splits import make_split

KIND = "stripes"
NAMES = ("stripes-a", "stripes-b")
CALLS: list[tuple[str, StripesOptions, datasets.ComputeContext]] = []


@dataclass(frozen=True)
class StripesOptions(datasets.DataOptions):
    """What defines a stripes split: rows and the training share."""

    n_rows: int = 60
    train_fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.n_rows < 20:
            raise ValueError(f"n_rows must be >= 20, got {self.n_rows}")


def load_stripes(name: str, data_dir: object = None) -> datasets.Dataset:
    """The whole dataset (seed 0, default size)."""
    split = load_stripes_split(name, 0, data_dir, StripesOptions(), datasets.ComputeContext())
    X = np.concatenate([split.X_train, split.X_test])
    y = np.concatenate([split.y_train, split.y_test])
    return datasets.Dataset(name, X, y, source="generated: stripes")


def load_stripes_split(
    name: str,
    seed: int,
    data_dir: object,
    options: StripesOptions,
    context: datasets.ComputeContext,
) -> datasets.Split:
    """The registry's loader: ``(seed, data_dir, options, context) -> Split``."""
    CALLS.append((name, options, context))
    rng = np.random.default_rng([seed, NAMES.index(name)])
    n = options.n_rows
    y = (np.arange(n) % 10 == 0).astype(np.int64)
    X = rng.normal(size=(n, 2)) + 4.0 * y[:, None]
    return make_split(X, y, seed, options.train_fraction, name=name)


def register() -> None:
    """Register the kind and its datasets (``--plugin tests.plugin_kind`` calls it)."""
    datasets.register_kind(
        datasets.DatasetKind(KIND, StripesOptions, "test plug-in kind"), replace=True
    )
    for name in NAMES:
        datasets.register(
            datasets.RegisteredDataset(
                name=name,
                kind=KIND,
                load=partial(load_stripes, name),
                load_split=partial(load_stripes_split, name),
                aliases=("zebra",) if name == "stripes-b" else (),
            ),
            replace=True,
        )


def unregister() -> None:
    """Remove the kind and its datasets."""
    datasets.unregister_kind(KIND, missing_ok=True)
