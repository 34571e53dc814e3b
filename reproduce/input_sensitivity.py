"""Diagnostic: how far a run's ROC-AUC moves when its input changes at float32-rounding level.

CIFAR-10 features extracted on another machine or with another thread count differ from ours in
the 5th-6th significant digit (``datasets.cifar10.features.features_digest``). This refits one
run of an experiment, as the runner does (same split, parameters and seed), on its training and
test matrices multiplied element-wise by ``1 + r * N(0, 1)`` for each relative size ``r`` (``0``
reproduces the stored run), and prints one JSON line per fit:

``{"dataset", "method", "seed", "relative_perturbation", "noise_seed", "roc_auc",
"stored_roc_auc"}``

Nothing is selected on the results; they say how much of a run's AUC is reproducible across
machines, to compare with the spread over seeds.

Usage::

    python -m reproduce.input_sensitivity --config table2 --datasets bird-u \
        --methods RobustRealNVP --seeds 0 --relative 0,4e-6,1e-6
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import numpy as np

from reproduce import cli
from reproduce.refit import load_run_inputs
from reproduce.registry import get_method
from reproduce.store import RunStore

logger = logging.getLogger(__name__)


def perturb(X: np.ndarray, relative: float, rng: np.random.Generator) -> np.ndarray:
    """``X * (1 + relative * N(0, 1))`` element-wise (a copy; ``X`` itself when ``relative`` is 0).

    Raises
    ------
    ValueError
        When ``relative`` is negative or not finite.
    """
    if not np.isfinite(relative) or relative < 0:
        raise ValueError(f"relative perturbation must be a finite number >= 0, got {relative!r}")
    X = np.asarray(X, dtype=np.float64)
    if relative == 0:
        return X
    return X * (1.0 + relative * rng.standard_normal(X.shape))


def _floats(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.input_sensitivity",
        description="Diagnostic: refit runs on inputs perturbed at rounding level.",
    )
    cli.add_experiment_arguments(parser, default_config="table2")
    cli.add_run_filter_arguments(parser)
    parser.add_argument("--relative", type=_floats, default=[0.0, 4e-6], help="relative sizes")
    parser.add_argument("--noise-seed", type=int, default=12345, help="seed of the perturbation")
    cli.add_diagnostic_arguments(parser)
    cli.add_logging_arguments(parser)
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    points = cli.diagnostic_points(parser, args)
    if any(not np.isfinite(r) or r < 0 for r in args.relative):
        parser.error(f"--relative: sizes must be finite and >= 0, got {args.relative}")

    from sklearn.metrics import roc_auc_score

    from rrnvp.runtime import ThreadBudget

    store = RunStore(args.store)
    for point in points:
        run = load_run_inputs(point.spec, args.data_dir, store)
        spec, split = run.spec, run.split
        for relative in args.relative:
            rng = np.random.default_rng(args.noise_seed)
            X_train = perturb(split.X_train, relative, rng)
            X_test = perturb(split.X_test, relative, rng)
            with ThreadBudget(1):  # as the runner's workers
                estimator = get_method(spec.method).factory(
                    run.params, random_state=spec.seed, n_threads=1, device="cpu"
                )
                estimator.fit(X_train)
                scores = np.asarray(estimator.decision_function(X_test), dtype=np.float64)
            row = {
                "dataset": spec.dataset,
                "method": spec.method,
                "seed": spec.seed,
                "relative_perturbation": relative,
                "noise_seed": args.noise_seed,
                "roc_auc": float(roc_auc_score(split.y_test, scores)),
                "stored_roc_auc": run.stored_roc_auc,
            }
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
