"""The paper's synthetic two-moons data (Figures 1-3; the authors' ``TwoMoonExperiment.py``).

10,000 points of scikit-learn's ``make_moons(noise=0.1)`` (label 0) plus 500 anomalies (label 1,
contamination 500/10,500 = 0.048):

- ``clustered``: a Gaussian blob at (2.5, 2.5) with standard deviation 0.05 per coordinate;
- ``uniform``: uniform on the square [-1.75, 3.25]^2 (which also covers the moons).

Registered as ``two-moons-uniform`` and ``two-moons-clustered``. For seed ``s``, the training set
and the test set are two independent draws of the same process, from the two children of
``numpy.random.SeedSequence(s)`` (train: child 0, test: child 1); ``load_dataset`` returns the
training draw of seed 0. No scaling by default (the figures plot the raw coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from datasets.options import ComputeContext, DataOptions
from datasets.preprocessing import check_scaler, fit_preprocessing
from datasets.registry import register, register_kind
from datasets.types import Dataset, DatasetKind, RegisteredDataset, Split, check_seed
from rrnvp.files import PathLike

ANOMALY_TYPES = ("uniform", "clustered")
CLUSTER_CENTER = (2.5, 2.5)
CLUSTER_STD = 0.05
UNIFORM_LOW, UNIFORM_HIGH = -1.75, 3.25


def check_sizes(n_normal: Any, n_anomalies: Any, noise: Any) -> None:
    """Validate the sizes and noise of :func:`make_two_moons`."""
    for label, count, minimum in (("n_normal", n_normal, 2), ("n_anomalies", n_anomalies, 0)):
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < minimum:
            raise ValueError(f"{label} must be an integer >= {minimum}, got {count!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def make_two_moons(
    anomalies: str,
    seed: int | np.random.SeedSequence = 0,
    *,
    n_normal: int = 10_000,
    n_anomalies: int = 500,
    noise: float = 0.1,
) -> Dataset:
    """Generate the two-moons data with ``uniform`` or ``clustered`` anomalies.

    Parameters
    ----------
    anomalies : {"uniform", "clustered"}
    seed : int or numpy.random.SeedSequence, default=0
        Every random draw (moons, their noise, anomalies, row order) comes from it.
    n_normal : int, default=10000
        Points from ``make_moons`` (split evenly between the two moons), label 0.
    n_anomalies : int, default=500
        Anomalies, label 1.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to the moons.

    Returns
    -------
    Dataset
        ``X`` (n_normal + n_anomalies, 2) float64, ``y`` int64; rows in random order.
    """
    if anomalies not in ANOMALY_TYPES:
        raise ValueError(f"unknown anomaly type {anomalies!r}; valid: {', '.join(ANOMALY_TYPES)}")
    check_sizes(n_normal, n_anomalies, noise)
    seed_sequence = (
        seed
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(check_seed(seed))
    )
    rng = np.random.default_rng(seed_sequence)
    from sklearn.datasets import make_moons  # lazy: keeps `import datasets` light

    moons, _ = make_moons(
        n_samples=int(n_normal), noise=float(noise), random_state=int(rng.integers(2**31 - 1))
    )
    if anomalies == "clustered":
        outliers = rng.normal(loc=CLUSTER_CENTER, scale=CLUSTER_STD, size=(n_anomalies, 2))
    else:
        outliers = rng.uniform(UNIFORM_LOW, UNIFORM_HIGH, size=(n_anomalies, 2))
    X = np.concatenate([moons, outliers]).astype(np.float64)
    y = np.concatenate([np.zeros(n_normal, np.int64), np.ones(n_anomalies, np.int64)])
    order = rng.permutation(X.shape[0])
    source = (
        f"generated: make_two_moons({anomalies!r}), SeedSequence(entropy="
        f"{seed_sequence.entropy}, spawn_key={seed_sequence.spawn_key})"
    )
    return Dataset(name=f"two-moons-{anomalies}", X=X[order], y=y[order], source=source)


def _train_test_seeds(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    train, test = np.random.SeedSequence(check_seed(seed)).spawn(2)
    return train, test


def load_two_moons(anomalies: str, data_dir: PathLike | None = None) -> Dataset:
    """The training draw of seed 0 (``data_dir`` is ignored: the data is generated)."""
    return make_two_moons(anomalies, _train_test_seeds(0)[0])


@dataclass(frozen=True)
class TwoMoonsOptions(DataOptions):
    """The options that define a two-moons split (a config's ``[data]`` table).

    Attributes
    ----------
    n_normal, n_anomalies, noise
        As in :func:`make_two_moons` (both draws).
    scaler : {"minmax", "zscore"} or None, default=None
        Optional scaling fitted on the training draw only.
    """

    n_normal: int = 10_000
    n_anomalies: int = 500
    noise: float = 0.1
    scaler: str | None = None

    def __post_init__(self) -> None:
        check_sizes(self.n_normal, self.n_anomalies, self.noise)
        check_scaler(self.scaler)


def load_two_moons_split(
    anomalies: str,
    seed: int = 0,
    data_dir: PathLike | None = None,
    options: TwoMoonsOptions | None = None,
    context: ComputeContext | None = None,
) -> Split:
    """Train = one seeded contaminated draw, test = an independent draw of the same process.

    Parameters
    ----------
    anomalies : {"uniform", "clustered"}
    seed : int, default=0
    data_dir : ignored
    options : TwoMoonsOptions, optional
        Sizes, noise and scaling (default: the paper's).
    context : ignored (generation is cheap)
    """
    options = options if options is not None else TwoMoonsOptions()
    n_normal, n_anomalies = options.n_normal, options.n_anomalies
    noise, scaler = options.noise, options.scaler
    train_seed, test_seed = _train_test_seeds(seed)
    sizes = {"n_normal": n_normal, "n_anomalies": n_anomalies, "noise": noise}
    train = make_two_moons(anomalies, train_seed, **sizes)
    test = make_two_moons(anomalies, test_seed, **sizes)
    fitted = fit_preprocessing(train.X, scaler=scaler, drop_constant=False)
    return Split(
        name=train.name,
        seed=int(seed),
        X_train=fitted.transform(train.X),
        y_train=train.y,
        X_test=fitted.transform(test.X),
        y_test=test.y,
        train_index=None,
        test_index=None,
        preprocessing={
            "protocol": "generated",
            "fit_on": "train",
            **fitted.describe(),
            "test": "independent draw (SeedSequence(seed).spawn(2): train child 0, test child 1)",
            "anomalies": anomalies,
            **sizes,
        },
        transform=fitted,
    )


KIND = DatasetKind(
    "synthetic",
    options=TwoMoonsOptions,
    summary="generated data: the paper's two-moons (Figures 1-3)",
)


def register_datasets() -> None:
    """Register the ``synthetic`` kind and its two datasets (``datasets/__init__.py`` calls it)."""
    register_kind(KIND)
    for anomalies in ANOMALY_TYPES:
        register(
            RegisteredDataset(
                name=f"two-moons-{anomalies}",
                kind=KIND.name,
                load=partial(load_two_moons, anomalies),
                load_split=partial(load_two_moons_split, anomalies),
                summary=(
                    f"10000 make_moons(noise=0.1) points + 500 {anomalies} anomalies, generated"
                ),
            )
        )
