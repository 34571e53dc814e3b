"""The authors' own ODDS networks for the AE and Deep-SVDD baselines, in torch.

The authors' scripts are ``train_ae.py`` (network in ``models/AE_Coteaching.py``) and
``trainSVDD.py`` (``models/SVDD.py``) of their repository ``Users4Submission/KDDAnonymous``, run
with the ODDS settings of its ``run.sh``. Rebuilt from a description of those scripts, not copied;
their test-loss checkpoint selection is not reproduced: the model of the last epoch is used,
fitted on the training data only.

:class:`AuthorsAutoEncoder`
    Encoder ``d -> h -> h -> k`` and decoder ``k -> h -> h -> d`` (h = 256, k = 10), each hidden
    layer followed by LeakyReLU(0.1) and Dropout(0.5), a Sigmoid after the decoder's output layer,
    no batch-norm; MSE loss, Adam (lr 3e-4), batch 128, 200 epochs. Anomaly score: the squared
    reconstruction error of the sample (dropout off).
:class:`AuthorsDeepSVDD`
    Bias-free encoder ``d -> h -> h -> k`` (h = 128, k = 10) with LeakyReLU(0.1) after every
    layer, the output included, and Dropout(0.5) after the first two; pre-trained for 50 epochs
    as an autoencoder (MSE), then the centre ``c`` = mean embedding of the training data, then 100
    epochs minimising ``sqrt(mean((phi(x) - c)^2))``. Anomaly score: ``||phi(x) - c||^2``.

    The pre-training decoder is the AE's decoder (``k -> h -> h -> d``, LeakyReLU(0.1) and
    Dropout(0.5) after the hidden layers, Sigmoid output), made bias-free like the encoder it is
    trained with, for the same min-max scaled inputs.

Both are the *inner* models the adapter drives (``fit`` / ``decision_function``, PyOD style); users
get them through ``baselines.make_baseline("ae")`` / ``make_baseline("deep_svdd")``. All
randomness (initial weights, batch order, dropout masks) comes from generators seeded by
``random_state``; the global RNGs are never drawn from. Mini-batches follow the authors' torch
``DataLoader(shuffle=True)`` with its defaults: reshuffled every epoch, the last incomplete batch
kept.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from baselines.torch_loops import MinibatchModel, chunked, squared_distances

logger = logging.getLogger(__name__)

#: Negative slope of the authors' LeakyReLU activations.
LEAKY_SLOPE = 0.1


def seeded_linear(n_in: int, n_out: int, generator: torch.Generator, *, bias: bool) -> nn.Linear:
    """``nn.Linear`` with torch's default initialisation, drawn from ``generator``."""
    layer = torch.nn.utils.skip_init(nn.Linear, n_in, n_out, bias=bias)  # no global-RNG draw
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if bias:
        bound = 1.0 / math.sqrt(n_in)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return layer


class SeededDropout(nn.Module):
    """Dropout (inverted, as ``nn.Dropout``) whose masks come from ``generator``.

    ``generator`` is set for the duration of training (a generator on the network's device) and
    is None otherwise; in evaluation mode the layer is the identity.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = float(p)
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` with a seeded dropout mask applied (training) or unchanged (evaluation)."""
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty_like(x).bernoulli_(keep, generator=self.generator)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


def authors_mlp(
    sizes: list[int],
    generator: torch.Generator,
    *,
    dropout: float,
    bias: bool,
    output: nn.Module | None,
) -> nn.Sequential:
    """``Linear`` layers through ``sizes``; LeakyReLU(0.1) + dropout after each hidden layer and
    ``output`` (None: nothing) after the last."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(seeded_linear(n_in, n_out, generator, bias=bias))
        if i < len(sizes) - 2:
            layers += [nn.LeakyReLU(LEAKY_SLOPE), SeededDropout(dropout)]
        elif output is not None:
            layers.append(output)
    return nn.Sequential(*layers)


class _TorchModel(MinibatchModel):
    """What both models share: dropout, data conversion, seeded generators, training."""

    def __init__(self, *, dropout_rate: float, **settings: Any) -> None:
        super().__init__(**settings)
        self.dropout_rate = dropout_rate

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(X), dtype=torch.float32, device=self.device)

    def _generators(self) -> tuple[torch.Generator, torch.Generator]:
        """(CPU generator of weights and batch order, device generator of dropout masks)."""
        seed = int(self.random_state)
        weights = torch.Generator().manual_seed(seed)
        noise = torch.Generator(device=self.device).manual_seed(seed + 1)
        return weights, noise

    def _train_with_dropout(
        self,
        network: nn.Module,
        loss_of_batch: Callable[[torch.Tensor], torch.Tensor],
        data: torch.Tensor,
        n_epochs: int,
        generators: tuple[torch.Generator, torch.Generator],
        phase: str,
    ) -> list[float]:
        """:meth:`_train` with the batch order from the CPU generator and the dropout masks from
        the device generator."""
        order_generator, noise = generators
        dropouts = [m for m in network.modules() if isinstance(m, SeededDropout)]
        for layer in dropouts:
            layer.generator = noise
        try:
            return self._train(network, loss_of_batch, data, n_epochs, order_generator, phase)
        finally:
            for layer in dropouts:
                layer.generator = None


class AuthorsAutoEncoder(_TorchModel):
    """The authors' ODDS autoencoder (see the module docstring); score = squared reconstruction
    error.

    Parameters
    ----------
    hidden_features : int
        Width ``h`` of the two hidden layers of the encoder and of the decoder.
    latent_features : int
        Code width ``k``.
    epochs : int
        Training epochs; the last model is used.
    learning_rate : float
        Adam learning rate.
    batch_size : int
        Mini-batch size (capped at the training set size; the last incomplete batch is kept).
    weight_decay : float
        Adam weight decay.
    dropout_rate : float
        Dropout probability after each hidden layer (training only).
    device : torch.device
        Where the network lives.
    random_state : int
        Seed of initialisation, batch order and dropout masks.
    verbose : int, default=0
        Show a progress bar when > 0.
    """

    def fit(self, X: np.ndarray) -> AuthorsAutoEncoder:
        """Train on ``X`` (rows = samples) with the MSE loss; returns ``self``."""
        generators = self._generators()
        d, h, k = X.shape[1], self.hidden_features, self.latent_features
        weights = generators[0]
        encoder = authors_mlp(
            [d, h, h, k], weights, dropout=self.dropout_rate, bias=True, output=None
        )
        decoder = authors_mlp(
            [k, h, h, d], weights, dropout=self.dropout_rate, bias=True, output=nn.Sigmoid()
        )
        network = nn.Sequential(encoder, decoder).to(self.device)
        mse = nn.MSELoss()
        self.history_ = {
            "loss": self._train_with_dropout(
                network,
                lambda batch: mse(network(batch), batch),
                self._tensor(X),
                self.epochs,
                generators,
                "AE (authors)",
            )
        }
        self.network_ = network
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Squared reconstruction error of each row (higher = more anomalous)."""
        return squared_distances(self.network_, self._tensor(X))


class AuthorsDeepSVDD(_TorchModel):
    """The authors' ODDS Deep SVDD (see the module docstring); score = ``||phi(x) - c||^2``.

    Parameters
    ----------
    hidden_features, latent_features, learning_rate, batch_size, weight_decay, dropout_rate,
    device, random_state, verbose
        As :class:`AuthorsAutoEncoder` (``latent_features``: the width of ``phi(x)``); the
        optimiser settings apply to both phases, each with a fresh Adam.
    epochs : int
        Epochs of the one-class objective; the last model is used.
    pretrain_epochs : int
        Epochs of autoencoder pre-training (0 skips it: the centre is then that of the initial
        network).
    """

    def __init__(self, *, pretrain_epochs: int, **settings: Any) -> None:
        super().__init__(**settings)
        self.pretrain_epochs = pretrain_epochs

    def fit(self, X: np.ndarray) -> AuthorsDeepSVDD:
        """Pre-train, fix the centre, train the encoder on the one-class loss; returns ``self``."""
        generators = self._generators()
        d, h, k = X.shape[1], self.hidden_features, self.latent_features
        weights = generators[0]
        leaky = nn.LeakyReLU(LEAKY_SLOPE)
        encoder = authors_mlp(
            [d, h, h, k], weights, dropout=self.dropout_rate, bias=False, output=leaky
        ).to(self.device)
        decoder = authors_mlp(
            [k, h, h, d], weights, dropout=self.dropout_rate, bias=False, output=nn.Sigmoid()
        ).to(self.device)
        data = self._tensor(X)
        self.history_ = {"pretrain_loss": [], "loss": []}
        if self.pretrain_epochs > 0:
            autoencoder = nn.Sequential(encoder, decoder)
            mse = nn.MSELoss()
            self.history_["pretrain_loss"] = self._train_with_dropout(
                autoencoder,
                lambda batch: mse(autoencoder(batch), batch),
                data,
                self.pretrain_epochs,
                generators,
                "Deep-SVDD (authors) pre-training",
            )
        encoder.eval()
        centre = chunked(encoder, data).mean(dim=0)
        self.center_ = centre
        self.history_["loss"] = self._train_with_dropout(
            encoder,
            lambda batch: torch.sqrt(torch.mean((encoder(batch) - centre) ** 2)),
            data,
            self.epochs,
            generators,
            "Deep-SVDD (authors) training",
        )
        self.encoder_ = encoder
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Squared distance of ``phi(x)`` to the centre (higher = more anomalous)."""
        return squared_distances(self.encoder_, self._tensor(X), self.center_)
