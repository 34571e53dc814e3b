"""One-class Deep SVDD with autoencoder pre-training (Ruff et al., ICML 2018), for tabular data.

Written here rather than wrapped because PyOD 3.6's ``DeepSVDD`` cannot be configured to the
paper's setting:

- it has no autoencoder pre-training (its ``use_ae=True`` is a different model: a joint
  reconstruction + hypersphere loss scored on the *decoder output*), while the paper's Deep-SVDD
  is pre-trained as an autoencoder whose encoder then initialises the hypersphere network;
- it keeps the epoch with the lowest training loss instead of the last model (the project uses the
  last model: ``reproduce/protocol.md``, "Baselines");
- it puts a ReLU after the 10-unit output layer, so the representation cannot take negative values.

This model follows Ruff et al.'s reference implementation: bias-free linear layers (biases make
the collapsed, constant-output solution reachable), LeakyReLU, Adam with weight decay, an
autoencoder pre-training phase, the centre ``c`` = mean initial representation of the training
data with near-zero coordinates pushed to ``+-eps``, the one-class objective
``mean ||phi(x) - c||^2`` and the anomaly score ``||phi(x) - c||^2``. Unstated settings use that
implementation's defaults (``lr=1e-3``, ``batch_size=128``, ``weight_decay=1e-6``, 100
pre-training epochs).

Inputs are used as given (the runner's min-max scaled features), not standardised as PyOD's
DeepSVDD does by default: a bias-free LeakyReLU network is positively homogeneous, phi(0) = 0, so
centring the data at the origin puts the bulk of the normal points where the network cannot reach
a non-zero centre, and training then shrinks every representation towards one distance from c.
``preprocessing=True`` standardises as PyOD does.

It is the *inner* model the adapter drives (``fit`` / ``decision_function``, PyOD style); users get
it through ``baselines.make_baseline("deep_svdd_ruff")``. All randomness comes from one
``torch.Generator`` seeded by ``random_state``; the global RNGs are never used.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import torch
from torch import nn

from baselines.torch_loops import MinibatchModel, chunked, squared_distances

logger = logging.getLogger(__name__)

_CENTRE_EPS = 0.1  # Ruff et al.: |c_j| < eps is moved to +-eps so that a zero net cannot hit c


def _linear(n_in: int, n_out: int, generator: torch.Generator) -> nn.Linear:
    layer = torch.nn.utils.skip_init(nn.Linear, n_in, n_out, bias=False)  # no global-RNG draw
    # torch's default Linear initialisation, drawn from our generator instead of the global one.
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    return layer


def _mlp(sizes: list[int], generator: torch.Generator) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(_linear(n_in, n_out, generator))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU())
    return nn.Sequential(*layers)


class DeepSVDDModel(MinibatchModel):
    """Deep SVDD (one-class objective) with autoencoder pre-training.

    Parameters
    ----------
    hidden_features, latent_features, epochs, learning_rate, batch_size, weight_decay, device,
    random_state, verbose
        See :class:`baselines.torch_loops.MinibatchModel`: ``hidden_features`` is the width of
        the encoder's hidden layer (and of the pre-training decoder's), ``latent_features`` the
        dimension of the representation ``phi(x)``, ``epochs`` those of the Deep SVDD objective;
        the optimiser settings apply to both phases, each with a fresh Adam.
    pretrain_epochs : int
        Epochs of autoencoder pre-training (0 skips it).
    preprocessing : bool
        Standardise features with the training mean and standard deviation.
    """

    def __init__(self, *, pretrain_epochs: int, preprocessing: bool, **settings: Any) -> None:
        super().__init__(**settings)
        self.pretrain_epochs = pretrain_epochs
        self.preprocessing = preprocessing

    def _prepare(self, X: np.ndarray) -> torch.Tensor:
        if self.preprocessing:
            X = (X - self.mean_) / self.scale_
        return torch.as_tensor(X, dtype=torch.float32, device=self.device)

    def fit(self, X: np.ndarray) -> DeepSVDDModel:
        """Pre-train the autoencoder, fix the centre, then train the encoder on the SVDD loss."""
        generator = torch.Generator().manual_seed(int(self.random_state))
        n_features = X.shape[1]
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)  # a constant feature is centred, not divided by 0
        data = self._prepare(X)

        sizes = [n_features, self.hidden_features, self.latent_features]
        encoder = _mlp(sizes, generator).to(self.device)
        decoder = _mlp(sizes[::-1], generator).to(self.device)
        self.history_ = {"pretrain_loss": [], "loss": []}
        if self.pretrain_epochs > 0:
            autoencoder = nn.Sequential(encoder, decoder)
            self.history_["pretrain_loss"] = self._train(
                autoencoder,
                lambda batch: ((autoencoder(batch) - batch) ** 2).sum(dim=1).mean(),
                data,
                self.pretrain_epochs,
                generator,
                "Deep-SVDD pre-training",
            )

        centre = chunked(encoder, data).mean(dim=0)
        small = centre.abs() < _CENTRE_EPS
        centre[small & (centre < 0)] = -_CENTRE_EPS
        centre[small & (centre >= 0)] = _CENTRE_EPS
        self.center_ = centre

        self.history_["loss"] = self._train(
            encoder,
            lambda batch: ((encoder(batch) - centre) ** 2).sum(dim=1).mean(),
            data,
            self.epochs,
            generator,
            "Deep-SVDD training",
        )
        self.encoder_ = encoder
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Squared distance of ``phi(x)`` to the centre (higher = more anomalous)."""
        return squared_distances(self.encoder_, self._prepare(X), self.center_)
