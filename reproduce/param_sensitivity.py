"""Diagnostic: refit runs of an experiment with some of their parameters changed.

A result that stands out (a method far below its peers on one dataset, on every seed) is explained
by changing one thing at a time on the same split and seed and watching the AUC. This refits each
selected run as the runner does (same split, parameters, seed and one thread), first as configured
(``variant = {}``, which reproduces the stored run) and then once per ``--variant``, a set of
parameter overrides written ``name=value[,name=value...]`` (values are read as JSON when they
parse, e.g. ``3``, ``false``, ``0.05``, and as text otherwise; ``oracle-contamination`` resolves as
in a run spec). It prints one JSON line per fit:

``{"dataset", "method", "seed", "variant", "steps", "roc_auc", "stored_roc_auc"}`` (``steps``:
the gradient steps of a flow's fit, ``None`` for others), plus, for detectors with a
``score_samples`` (the flows), the mean negative log-likelihood of the training and test
normals and anomalies (``nll_train_normal``, ``nll_train_anomalous``, ``nll_test_normal``,
``nll_test_anomalous``).

Nothing is selected on the results and nothing feeds back into a run or the report: the
reproduction always uses the configured parameters (``reproduce/protocol.md``).

Usage::

    python -m reproduce.param_sensitivity --config adbench --datasets adbench-wdbc \\
        --methods RobustRealNVP --seeds 0-4 \\
        --variant spectral_norm=false --variant lipschitz_k=3 --variant epochs=200
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from reproduce import cli
from reproduce.refit import load_run_inputs
from reproduce.registry import get_method
from reproduce.store import RunStore

logger = logging.getLogger(__name__)


def parse_variant(text: str) -> dict[str, Any]:
    """``"lipschitz_k=3,spectral_norm=false"`` -> ``{"lipschitz_k": 3, "spectral_norm": False}``.

    Values are JSON when they parse as JSON and text otherwise.

    Raises
    ------
    ValueError
        When an item is not ``name=value``, a name is empty or a name is given twice.
    """
    overrides: dict[str, Any] = {}
    for item in text.split(","):
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            raise ValueError(f"invalid variant item {item!r} in {text!r}: write name=value")
        if name in overrides:
            raise ValueError(f"parameter {name!r} is given twice in the variant {text!r}")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    return overrides


def _variant_arg(text: str) -> dict[str, Any]:
    try:
        return parse_variant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_estimator(
    method: str, params: Mapping[str, Any], overrides: Mapping[str, Any], *, random_state: int
) -> Any:
    """The method's detector for the resolved ``params``, with ``overrides`` set on it.

    Raises
    ------
    ValueError
        When an override names a parameter the detector does not have (the message lists them).
    """
    estimator = get_method(method).factory(
        params, random_state=random_state, n_threads=1, device="cpu"
    )
    known = estimator.get_params(deep=False)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(
            f"{method} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are {', '.join(sorted(known))}"
        )
    return estimator.set_params(**overrides) if overrides else estimator


def _mean_nll(estimator: Any, X: np.ndarray) -> float | None:
    if len(X) == 0:
        return None
    return float(np.mean(-np.asarray(estimator.score_samples(X), dtype=np.float64)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: prints one JSON object per (run, variant)."""
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.param_sensitivity",
        description=__doc__.splitlines()[0],
    )
    cli.add_experiment_arguments(parser, default_config="table1")
    cli.add_run_filter_arguments(parser)
    parser.add_argument(
        "--variant",
        type=_variant_arg,
        action="append",
        default=[],
        help="parameter overrides name=value[,name=value...]; repeat for more variants",
    )
    cli.add_diagnostic_arguments(parser)
    cli.add_logging_arguments(parser)
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    points = cli.diagnostic_points(parser, args)

    from sklearn.metrics import roc_auc_score

    from rrnvp.runtime import ThreadBudget

    variants: list[dict[str, Any]] = [{}, *args.variant]
    store = RunStore(args.store)
    for point in points:
        run = load_run_inputs(point.spec, args.data_dir, store)
        spec, split = run.spec, run.split
        X_train, y_train = np.asarray(split.X_train), np.asarray(split.y_train)
        X_test, y_test = np.asarray(split.X_test), np.asarray(split.y_test)
        for variant in variants:
            try:
                estimator = build_estimator(
                    spec.method, run.params, run.resolve(variant), random_state=spec.seed
                )
            except ValueError as exc:
                parser.error(f"--variant {variant}: {exc}")
            with ThreadBudget(1):  # as the runner's workers
                estimator.fit(X_train)
                scores = np.asarray(estimator.decision_function(X_test), dtype=np.float64)
                row: dict[str, Any] = {
                    "dataset": spec.dataset,
                    "method": spec.method,
                    "seed": spec.seed,
                    "variant": variant,
                    "steps": getattr(estimator, "n_steps_", None),
                    "roc_auc": float(roc_auc_score(y_test, scores)),
                    "stored_roc_auc": run.stored_roc_auc,
                }
                if hasattr(estimator, "score_samples"):
                    for part, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
                        row[f"nll_{part}_normal"] = _mean_nll(estimator, X[y == 0])
                        row[f"nll_{part}_anomalous"] = _mean_nll(estimator, X[y == 1])
            logger.info("%s", row)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
