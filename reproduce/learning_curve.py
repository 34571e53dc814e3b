"""Diagnostic: how a flow's train and test likelihoods evolve over training, for one run's spec.

Usage::

    python -m reproduce.learning_curve --config table2 --dataset bird-u --seed 0 \\
        --methods RobustRealNVP,RealNVP --epochs 20,50,200

For each method it takes the experiment's run spec (same data options and parameters as the
stored run), and for each budget ``e`` fits the detector with ``max_steps = e x steps per epoch``.
The trimming schedule and the batch order depend only on the seed and the configured number of
epochs, so the fit stopped after ``e`` epochs *is* the full run's state at epoch ``e``; the last
budget equal to the configured epochs reproduces the stored run (its AUC is printed beside the
stored one). One JSON line per (method, budget): the mean negative log-likelihood of the training
normals and anomalies and of the test normals and anomalies, and the train and test ROC-AUC.

This explains results; it never selects them. The reproduction always uses the last model of the
configured training (``reproduce/protocol.md``, Training): nothing here feeds back into a run or
the report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence

import numpy as np

from datasets import load_split
from reproduce import cli
from reproduce.config import expand
from reproduce.execute import resolve_params, split_contaminations
from reproduce.registry import get_method
from reproduce.store import RunStore

logger = logging.getLogger(__name__)


def _mean_nll(detector, X: np.ndarray) -> float:
    return float(np.mean(-detector.score_samples(X)))


def learning_curve(spec, budgets: Sequence[int], data_dir: str | None = None) -> Iterator[dict]:
    """One row per budget (epochs) for the run ``spec``, as each is fitted (module docstring)."""
    from sklearn.metrics import roc_auc_score

    split = load_split(spec.dataset, spec.seed, data_dir, **spec.data_options_dict)
    X_train, y_train = np.asarray(split.X_train), np.asarray(split.y_train)
    X_test, y_test = np.asarray(split.X_test), np.asarray(split.y_test)
    params = resolve_params(spec.params_dict, *split_contaminations(split))
    factory = get_method(spec.method).factory
    for epochs in budgets:
        detector = factory(params, random_state=spec.seed, n_threads=1, device="cpu")
        if epochs > detector.epochs:
            raise ValueError(f"budget {epochs} exceeds the run's {detector.epochs} epochs")
        steps_per_epoch = len(X_train) // min(detector.batch_size, len(X_train))
        detector.set_params(max_steps=epochs * steps_per_epoch).fit(X_train)
        row = {
            "dataset": spec.dataset,
            "method": spec.method,
            "seed": spec.seed,
            "epochs": epochs,
            "steps": int(detector.n_steps_),
            "nll_train_normal": _mean_nll(detector, X_train[y_train == 0]),
            "nll_train_anomalous": _mean_nll(detector, X_train[y_train == 1]),
            "nll_test_normal": _mean_nll(detector, X_test[y_test == 0]),
            "nll_test_anomalous": _mean_nll(detector, X_test[y_test == 1]),
            "auc_train": float(roc_auc_score(y_train, detector.decision_function(X_train))),
            "auc_test": float(roc_auc_score(y_test, detector.decision_function(X_test))),
        }
        logger.info("%s", row)
        yield row


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m reproduce.learning_curve`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.learning_curve",
        description=__doc__.splitlines()[0],
    )
    cli.add_experiment_arguments(parser, default_config="table2")
    parser.add_argument("--dataset", required=True, help="one dataset of the experiment")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", type=cli.comma_list, required=True, help="flow methods")
    parser.add_argument(
        "--epochs",
        type=lambda text: [int(v) for v in cli.comma_list(text)],
        required=True,
        help="epoch budgets, e.g. 20,50,200 (the last may equal the run's epochs)",
    )
    cli.add_diagnostic_arguments(parser)
    cli.add_logging_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: prints one JSON object per (method, budget)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    experiment = cli.diagnostic_experiment(parser, args)
    points = expand(experiment, datasets=[args.dataset], seeds=[args.seed], methods=args.methods)
    if not points:
        parser.error(f"no run of {experiment.name} matches {args.dataset}, {args.methods}")
    import torch

    torch.set_num_threads(1)  # as the runner's workers
    store = RunStore(args.store)
    for point in points:
        stored = store.read(point.spec.run_id)
        for row in learning_curve(point.spec, args.epochs, args.data_dir):
            if stored is not None and stored.done:
                row["stored_run_auc_test"] = stored.metrics.get("roc_auc")
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
