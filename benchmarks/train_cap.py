"""Fit and score time of the suite's detectors against the number of training rows, to choose the
training-row cap of the ADBench experiment (``max_train_rows``).

Run as ``python -m benchmarks.train_cap [--dataset adbench-campaign] [--methods OCSVM]
[--sizes 1000 2000 4000 8000] [--score-rows 5000] [--out results/diagnostics/...]``; needs the
ADBench files (``RRNVP_DATA``). Each fit is one thread, built exactly as the runner builds it
(the method registry's factory with its protocol defaults) on the ADBench split of seed
``--seed`` capped at each size (``max_train_rows``, the same stratified cap the experiment uses),
and scores the first ``--score-rows`` rows of the test part. The growth exponent ``b`` of
``seconds = a * n ** b`` is fitted by least squares on log-log, for fit and for score (per test
row: scoring cost grows with the support vectors / training rows too). Writes one CSV row per
fit (``--out``) and prints a summary with the exponents and the extrapolated seconds at a few
caps, for the whole test part of the largest ADBench set.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

import datasets
from reproduce.registry import get_method
from rrnvp.runtime import ThreadBudget

logger = logging.getLogger(__name__)

COLUMNS = (
    "method",
    "dataset",
    "seed",
    "n_train",
    "n_features",
    "n_test_scored",
    "fit_seconds",
    "score_seconds",
    "load_average_1min",
)
#: Caps the summary extrapolates to.
CANDIDATE_CAPS = (10_000, 20_000, 30_000, 50_000)


def time_one(method: str, dataset: str, seed: int, n_train: int, score_rows: int) -> dict:
    """Fit ``method`` on the split capped at ``n_train`` rows and score ``score_rows`` test rows,
    one thread; returns a row of :data:`COLUMNS`."""
    split = datasets.load_split(dataset, seed, max_train_rows=n_train)
    entry = get_method(method)
    params = dict(entry.defaults)
    if params.get("trim_ratio") == "contamination":
        params["trim_ratio"] = split.contamination
    with ThreadBudget(1) as budget:
        estimator = entry.factory(params, random_state=seed, n_threads=1, device="cpu")
        budget.apply_to_torch()
        started = time.perf_counter()
        estimator.fit(split.X_train)
        fit_seconds = time.perf_counter() - started
        X_score = split.X_test[:score_rows]
        started = time.perf_counter()
        estimator.decision_function(X_score)
        score_seconds = time.perf_counter() - started
    return {
        "method": method,
        "dataset": dataset,
        "seed": seed,
        "n_train": int(split.X_train.shape[0]),
        "n_features": int(split.X_train.shape[1]),
        "n_test_scored": int(X_score.shape[0]),
        "fit_seconds": round(fit_seconds, 4),
        "score_seconds": round(score_seconds, 4),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def growth_exponent(sizes: np.ndarray, seconds: np.ndarray) -> tuple[float, float]:
    """``(a, b)`` of ``seconds = a * sizes ** b``, least squares on log-log."""
    b, log_a = np.polyfit(np.log(sizes), np.log(seconds), 1)
    return float(np.exp(log_a)), float(b)


def summary(rows: list[dict], test_rows: int) -> list[dict]:
    """Per method: the fitted exponents of fit and score time and the extrapolated seconds of one
    run (fit + scoring ``test_rows`` test rows) at each of :data:`CANDIDATE_CAPS`."""
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        n = np.array([r["n_train"] for r in mine], dtype=float)
        fit = np.array([r["fit_seconds"] for r in mine])
        score = np.array([r["score_seconds"] / r["n_test_scored"] for r in mine])
        a_fit, b_fit = growth_exponent(n, fit)
        a_score, b_score = growth_exponent(n, score)
        run_seconds = {
            str(cap): round(a_fit * cap**b_fit + a_score * cap**b_score * test_rows, 1)
            for cap in CANDIDATE_CAPS
        }
        out.append(
            {
                "method": method,
                "fit_exponent": round(b_fit, 2),
                "score_per_test_row_exponent": round(b_score, 2),
                "extrapolated_run_seconds_by_cap": run_seconds,
                "test_rows_assumed": test_rows,
            }
        )
    return out


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="adbench-campaign")
    parser.add_argument("--methods", nargs="+", default=["OCSVM"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 2000, 4000, 8000])
    parser.add_argument("--score-rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--test-rows",
        type=int,
        default=247_731,
        help="test rows of the extrapolation (default: donors' test part, the largest)",
    )
    parser.add_argument("--out", type=Path, default=None, help="CSV of the timings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for method in args.methods:
        for size in args.sizes:
            row = time_one(method, args.dataset, args.seed, size, args.score_rows)
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    if len(args.sizes) >= 2:
        for line in summary(rows, args.test_rows):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
