"""A one-minute demonstration: RobustRealNVP versus Real NVP on clustered anomalies.

Run with ``python -m rrnvp.demo``. Both detectors are trained on the same seeded two-moons data
with 5 % of clustered anomalies (a tight Gaussian at (2.5, 2.5)) and scored on an independent test
draw. Real NVP learns a density mode on the anomaly cluster; trimming plus the Lipschitz bound of
RobustRealNVP prevents it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import make_moons
from sklearn.metrics import roc_auc_score

from rrnvp.detector import FlowDetector, RealNVP, RobustRealNVP, TrimRealNVP

ANOMALY_CENTRE = (2.5, 2.5)
ANOMALY_STD = 0.05


def clustered_moons(
    n_normal: int, anomaly_ratio: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two-moons (noise 0.1) plus a tight Gaussian cluster of anomalies.

    Parameters
    ----------
    n_normal : int
        Number of normal points.
    anomaly_ratio : float
        Number of anomalies as a fraction of ``n_normal``.
    seed : int
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_normal + n_anomalies, 2)
    y : ndarray of int, 1 = anomaly
    """
    rng = np.random.default_rng(seed)
    normal, _ = make_moons(n_normal, noise=0.1, random_state=int(rng.integers(2**31 - 1)))
    n_anomalies = round(anomaly_ratio * n_normal)
    anomalies = rng.normal(ANOMALY_CENTRE, ANOMALY_STD, size=(n_anomalies, 2))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(n_normal, dtype=int), np.ones(n_anomalies, dtype=int)]
    return X, y


def compare(seed: int = 0, epochs: int = 80) -> dict[str, float]:
    """Test ROC-AUC of the three variants on the clustered two-moons problem.

    Parameters
    ----------
    seed : int, default=0
        Seed of the data and of the models.
    epochs : int, default=80
        Training epochs of every model.

    Returns
    -------
    dict
        Variant name to test ROC-AUC.
    """
    X_train, _ = clustered_moons(2000, 0.05, seed)
    X_test, y_test = clustered_moons(1000, 0.05, seed + 1000)
    shared = dict(epochs=epochs, hidden_features=64, random_state=seed, trim_warmup_epochs=0)
    variants: dict[str, FlowDetector] = {
        "RealNVP": RealNVP(**shared),
        "TrimRealNVP": TrimRealNVP(trim_ratio=0.05, **shared),
        "RobustRealNVP": RobustRealNVP(trim_ratio=0.05, lipschitz_k=1.0, **shared),
    }
    return {
        name: float(roc_auc_score(y_test, detector.fit(X_train).decision_function(X_test)))
        for name, detector in variants.items()
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of data and models (0)")
    parser.add_argument("--epochs", type=int, default=80, help="training epochs (80)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print("Two-moons with 5% clustered anomalies; test ROC-AUC (higher is better):")
    for name, auc in compare(args.seed, args.epochs).items():
        print(f"  {name:<14} {auc:.3f}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
