"""Fit time of PyOD's AE and VAE with PyOD's per-row DataLoader vs whole-matrix batching.

Run as ``python -m benchmarks.pyod_batching [--rows 17675] [--features 9] [--epochs 3]``. One
thread. The default shape is shuttle's training part, the largest ODDS training set of Table 1;
the settings are the Table 1 ones (AE: 256-10, batch 128; VAE: 128-10-128, batch 32). PyOD's and
the batched class alternate ``--repeats`` times and the best time of each is kept, so both see
the same machine load. Both fit the same model to the same bits (the script checks the scores).
Prints one JSON object per detector: seconds per epoch for each path and the speed-up.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from pyod.models.auto_encoder import AutoEncoder
from pyod.models.vae import VAE

from baselines.pyod_batches import BatchedAutoEncoder, BatchedVAE

SETTINGS = {
    "AE": (
        AutoEncoder,
        BatchedAutoEncoder,
        {"hidden_neuron_list": [256, 10], "batch_size": 128, "lr": 3e-4, "dropout_rate": 0.2},
    ),
    "VAE": (
        VAE,
        BatchedVAE,
        {"encoder_neuron_list": [128], "decoder_neuron_list": [128], "latent_dim": 10,
         "batch_size": 32, "lr": 1e-3, "batch_norm": False},
    ),
}  # fmt: skip


def fit_seconds(cls, X: np.ndarray, epochs: int, params: dict) -> tuple[float, np.ndarray]:
    """Wall time of one ``fit`` and the training scores it gives."""
    model = cls(random_state=0, verbose=0, device="cpu", epoch_num=epochs, **params)
    started = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - started, model.decision_scores_


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=17675, help="training rows (shuttle: 17675)")
    parser.add_argument("--features", type=int, default=9, help="features (shuttle: 9)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per fit")
    parser.add_argument("--repeats", type=int, default=3, help="alternating fits per path")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X = np.random.default_rng(0).normal(size=(args.rows, args.features))
    for name, (pyod_class, batched_class, params) in SETTINGS.items():
        times: dict[str, list[float]] = {"pyod": [], "batched": []}
        for _ in range(args.repeats):
            t_pyod, s_pyod = fit_seconds(pyod_class, X, args.epochs, params)
            t_batched, s_batched = fit_seconds(batched_class, X, args.epochs, params)
            if not np.array_equal(s_pyod, s_batched):
                raise AssertionError(f"{name}: the batched path changed the scores")
            times["pyod"].append(t_pyod)
            times["batched"].append(t_batched)
        best = {k: min(v) / args.epochs for k, v in times.items()}
        print(
            json.dumps(
                {
                    "detector": name,
                    "rows": args.rows,
                    "features": args.features,
                    "batch_size": params["batch_size"],
                    "pyod_seconds_per_epoch": round(best["pyod"], 4),
                    "batched_seconds_per_epoch": round(best["batched"], 4),
                    "speedup": round(best["pyod"] / best["batched"], 2),
                    "scores_identical": True,
                }
            )
        )


if __name__ == "__main__":
    main()
