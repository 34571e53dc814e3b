"""Diagnostic: what the paper's Table 1 VAE column behaves like, measured on our splits.

Usage::

    python -m reproduce.vae_column --seeds 0,1,2,3,4 > results/diagnostics/vae_column.jsonl

The authors left no ODDS VAE script that runs (``reproduce/protocol.md``, Sources); on CIFAR-10
they ran PyOD's ``VAE()`` of their time (``trainVAECIFAR.py``), PyOD 0.8's Keras model. Our VAE
(PyOD 3.6's torch model at the paper's sizes) differs from the paper's Table 1 VAE column in its
mean and, both ways, per dataset (the figures are in ``results/diagnostics/README.md``). For
every Table 1 VAE run spec (same split, same seed) this prints one JSON line with the test
ROC-AUC of

``distance_to_mean``
    the squared Euclidean distance to the training mean of the inputs standardised on the training
    part: what a VAE scores when its reconstruction no longer depends on its input (collapse);
``keras_era_vae``
    a re-implementation, in torch, of PyOD 0.8's Keras ``VAE`` at the paper's sizes (hidden 128,
    latent 10, 100 epochs): ReLU input layer of width d, a hidden layer with an L2 *activity*
    regulariser of 0.1 (Keras 2 divides it by the batch size) and dropout 0.2, Gaussian latent
    sampled by reparameterisation, decoder mirrored (ReLU latent layer, hidden 128, dropout 0.2),
    sigmoid output on standardised inputs, loss ``d x MSE + KL``, Adam (Keras' lr 1e-3), batch 32,
    the last 10% of the shuffled training rows held out as Keras' ``validation_split``, Glorot
    uniform weights, zero biases; score = Euclidean distance between the standardised input and
    the reconstruction from one latent draw (Keras' ``predict`` runs the sampling layer);
``stored_vae``
    our stored Table 1 VAE run's AUC, for reference.

The Keras model is rebuilt from PyOD 0.8's published source, not run (no TensorFlow here), so it
shows what that architecture does on our splits, not the authors' exact numbers. Nothing here
changes a reported result.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence

import numpy as np

from datasets import load_split
from reproduce import cli
from reproduce.config import ConfigError, expand, load_experiments
from reproduce.store import RunStore
from rrnvp.runtime import derive_seed

logger = logging.getLogger(__name__)

#: PyOD 0.8 ``VAE`` settings kept by :func:`keras_era_vae_scores` (the paper's sizes).
KERAS_ERA_VAE = {
    "hidden": 128,
    "latent": 10,
    "epochs": 100,
    "batch_size": 32,
    "learning_rate": 1e-3,
    "dropout": 0.2,
    "activity_l2": 0.1,
    "output_activation": "sigmoid",
    "validation_size": 0.1,
}


def _standardise(X_train: np.ndarray, X: np.ndarray) -> np.ndarray:
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0  # as sklearn's StandardScaler
    return (X - mean) / std


def distance_to_mean_scores(X_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """Squared distance to the origin after standardising on ``X_train`` (higher = anomalous)."""
    Z = _standardise(X_train, X_test)
    return np.einsum("ij,ij->i", Z, Z)


def keras_era_vae_scores(
    X_train: np.ndarray,
    X_test: np.ndarray,
    seed: int,
    epochs: int | None = None,
    activity_l2: float | None = None,
    output_activation: str | None = None,
) -> np.ndarray:
    """Test scores of the PyOD 0.8 (Keras) VAE rebuilt in torch (module docstring).

    Parameters
    ----------
    X_train, X_test : ndarray
        Raw features; both are standardised with the training mean and std (``preprocessing``).
    seed : int
        Seeds the shuffle, the initial weights, dropout and the latent draws.
    epochs : int, optional
        Overrides :data:`KERAS_ERA_VAE`'s 100 (for tests).
    activity_l2 : float, optional
        Overrides the activity regulariser's 0.1 (0 switches it off: an ablation).
    output_activation : {"sigmoid", "identity"}, optional
        Overrides the sigmoid output (identity: an ablation).
    """
    import torch
    from torch import nn

    cfg = dict(KERAS_ERA_VAE)
    if epochs is not None:
        cfg["epochs"] = epochs
    if activity_l2 is not None:
        cfg["activity_l2"] = activity_l2
    if output_activation is not None:
        cfg["output_activation"] = output_activation
    if cfg["output_activation"] not in ("sigmoid", "identity"):
        raise ValueError(
            f"output_activation must be 'sigmoid' or 'identity', got {cfg['output_activation']!r}"
        )
    squash = torch.sigmoid if cfg["output_activation"] == "sigmoid" else (lambda t: t)
    generator = torch.Generator().manual_seed(derive_seed(seed, bits=63))
    d, hidden, latent = X_train.shape[1], cfg["hidden"], cfg["latent"]

    def dense(n_in: int, n_out: int) -> nn.Linear:
        layer = nn.Linear(n_in, n_out)
        bound = math.sqrt(6.0 / (n_in + n_out))  # Glorot uniform, zero bias (Keras' defaults)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.zero_()
        return layer

    enc_in, enc_hidden = dense(d, d), dense(d, hidden)
    z_mean, z_log = dense(hidden, latent), dense(hidden, latent)
    dec_in, dec_hidden, dec_out = dense(latent, latent), dense(latent, hidden), dense(hidden, d)
    modules = nn.ModuleList([enc_in, enc_hidden, z_mean, z_log, dec_in, dec_hidden, dec_out])
    optimiser = torch.optim.Adam(modules.parameters(), lr=cfg["learning_rate"], eps=1e-7)

    def dropout(h: torch.Tensor, training: bool) -> torch.Tensor:
        if not training:
            return h
        keep = torch.rand(h.shape, generator=generator) >= cfg["dropout"]
        return h * keep / (1.0 - cfg["dropout"])

    def forward(x: torch.Tensor, training: bool) -> tuple[torch.Tensor, ...]:
        h = torch.relu(enc_in(x))
        h = torch.relu(enc_hidden(h))
        activity = cfg["activity_l2"] * h.pow(2).sum() / len(x)  # Keras 2: divided by batch
        h = dropout(h, training)
        mean, log_var = z_mean(h), z_log(h)
        noise = torch.randn(mean.shape, generator=generator)
        z = mean + torch.exp(0.5 * log_var) * noise
        g = torch.relu(dec_in(z))
        g = dropout(torch.relu(dec_hidden(g)), training)
        return squash(dec_out(g)), mean, log_var, activity

    train = torch.as_tensor(_standardise(X_train, X_train), dtype=torch.float32)
    train = train[torch.randperm(len(train), generator=generator)]
    n_fit = len(train) - int(len(train) * cfg["validation_size"])  # Keras keeps the head
    train = train[:n_fit]
    batch = cfg["batch_size"]
    modules.train()
    for _ in range(cfg["epochs"]):
        order = torch.randperm(n_fit, generator=generator)
        for start in range(0, n_fit, batch):  # Keras keeps the last, smaller batch
            x = train[order[start : start + batch]]
            out, mean, log_var, activity = forward(x, training=True)
            reconstruction = d * (out - x).pow(2).mean(dim=1)
            kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)
            loss = (reconstruction + kl).mean() + activity
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    modules.eval()
    with torch.no_grad():
        test = torch.as_tensor(_standardise(X_train, X_test), dtype=torch.float32)
        out = forward(test, training=False)[0]
        return (test - out).pow(2).sum(dim=1).sqrt().numpy().astype(np.float64)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m reproduce.vae_column`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m reproduce.vae_column", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--config", default="table1", help="config holding the experiment")
    parser.add_argument("--datasets", type=cli.comma_list, help="default: all of the experiment")
    parser.add_argument(
        "--seeds", type=lambda t: [int(v) for v in cli.comma_list(t)], default=[0, 1, 2, 3, 4]
    )
    parser.add_argument("--epochs", type=int, help="override the VAE's 100 epochs (tests)")
    parser.add_argument(
        "--activity-l2",
        type=float,
        default=KERAS_ERA_VAE["activity_l2"],
        help="the Keras-era VAE's L2 activity regulariser (0: ablation)",
    )
    parser.add_argument(
        "--output-activation",
        choices=("sigmoid", "identity"),
        default=KERAS_ERA_VAE["output_activation"],
        help="the Keras-era VAE's output activation (identity: ablation)",
    )
    cli.add_diagnostic_arguments(parser)
    cli.add_logging_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: prints one JSON object per (dataset, seed)."""
    from sklearn.metrics import roc_auc_score

    parser = build_parser()
    args = parser.parse_args(argv)
    cli.configure_logging(args.verbose)
    try:
        experiment = load_experiments([args.config])[0]
    except ConfigError as exc:
        parser.error(str(exc))
    points = expand(experiment, datasets=args.datasets, seeds=args.seeds, methods=["VAE"])
    if not points:
        parser.error(f"no VAE run of {experiment.name} matches {args.datasets}, {args.seeds}")
    import torch

    torch.set_num_threads(1)  # as the runner's workers
    store = RunStore(args.store)
    for point in points:
        spec = point.spec
        split = load_split(spec.dataset, spec.seed, args.data_dir, **spec.data_options_dict)
        X_train, X_test = np.asarray(split.X_train, float), np.asarray(split.X_test, float)
        y_test = np.asarray(split.y_test)
        stored = store.read(spec.run_id)
        row = {
            "dataset": spec.dataset,
            "seed": spec.seed,
            "activity_l2": args.activity_l2,
            "output_activation": args.output_activation,
            "distance_to_mean": float(
                roc_auc_score(y_test, distance_to_mean_scores(X_train, X_test))
            ),
            "keras_era_vae": float(
                roc_auc_score(
                    y_test,
                    keras_era_vae_scores(
                        X_train,
                        X_test,
                        spec.seed,
                        args.epochs,
                        args.activity_l2,
                        args.output_activation,
                    ),
                )
            ),
            "stored_vae": stored.metrics.get("roc_auc")
            if stored is not None and stored.done
            else None,
        }
        logger.info("%s", row)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
