"""The authors' own ODDS networks for the AE and Deep-SVDD baselines, in torch, in two variants.

The authors' scripts are ``train_ae.py`` (network: class ``AE`` of ``models/AE_Coteaching.py``)
and ``trainSVDD.py`` (class ``SVDD`` of ``models/SVDD.py``) of their repository
``Users4Submission/KDDAnonymous``, run with the ODDS settings of its ``run.sh``. Both variants are
written here, not copied; neither reproduces the scripts' test-loss checkpoint selection: the
model of the last epoch is used, fitted on the training data only.

``authors`` (:class:`AuthorsAutoEncoder`, :class:`AuthorsDeepSVDD`; the baselines
``ae_rebuilt`` and ``deep_svdd_rebuilt``): rebuilt from a description of the scripts, the
baselines' default until 2026-12-02; its results are committed, so its computation stays as it is.

:class:`AuthorsAutoEncoder`
    Encoder ``d -> h -> h -> k`` and decoder ``k -> h -> h -> d`` (h = 256, k = 10), each hidden
    layer followed by LeakyReLU(0.1) and Dropout(0.5), a Sigmoid after the decoder's output layer,
    no batch-norm; MSE loss, Adam (lr 3e-4), batch 128, 200 epochs. Anomaly score: the squared
    reconstruction error of the sample (dropout off).
:class:`AuthorsDeepSVDD`
    Bias-free encoder ``d -> h -> h -> k`` (h = 128, k = 10) with LeakyReLU(0.1) after every
    layer, the output included, and Dropout(0.5) after the first two; pre-trained for 50 epochs
    as an autoencoder (MSE), then the centre ``c`` = mean embedding of the training data, then 100
    epochs minimising ``sqrt(mean((phi(x) - c)^2))``, a fresh Adam per phase (the registry's
    optimiser settings are PyOD ``DeepSVDD``'s). Anomaly score: ``||phi(x) - c||^2``.

    The pre-training decoder is the AE's decoder (``k -> h -> h -> d``, LeakyReLU(0.1) and
    Dropout(0.5) after the hidden layers, Sigmoid output), made bias-free like the encoder it is
    trained with, for the same min-max scaled inputs.

``authors-script`` (:class:`AuthorsScriptAutoEncoder`, :class:`AuthorsScriptDeepSVDD`; the
baselines ``ae`` and ``deep_svdd``, the default): what the scripts compute, read from their code.
The encoders are those above; the differences:

:class:`AuthorsScriptAutoEncoder` (``train_ae.py``, ``models/AE_Coteaching.py``)
    - decoder: LeakyReLU(0.1), Dropout(0.5), ``Linear(k, h)``, LeakyReLU(0.1), Dropout(0.5),
      ``Linear(h, h)``, LeakyReLU(0.1), ``Linear(h, d)``, Sigmoid: the code goes through the
      activation and dropout first, and the last hidden layer has no dropout;
    - each training step runs the same encoder and decoder twice on the batch, each pass with
      its own dropout masks, and minimises ``MSE(pass 1) + MSE(pass 2)`` (the class's second
      encoder and decoder are never used by its ``forward``: not built here);
    - score: the script sums the squared errors of its two passes, identical in evaluation
      mode, so the score here is twice one pass's, bit for bit the same, ranking as one pass.
:class:`AuthorsScriptDeepSVDD` (``trainSVDD.py``, ``models/SVDD.py``)
    - pre-training decoder (bias-free): Dropout(0.5), ``Linear(k, h)``, LeakyReLU(0.1),
      Dropout(0.5), ``Linear(h, h)``, LeakyReLU(0.1), ``Linear(h, d)``, Sigmoid: dropout on the
      representation first, and the last hidden layer has no dropout;
    - one Adam over the encoder's and the decoder's parameters, created once, trains the 50
      pre-training epochs and then, its state carried on, the one-class epochs; the decoder gets
      no gradient in the second phase, so Adam leaves it alone (the script's torch clears
      gradients to None; an older torch's zeroed gradients would move only the decoder, which
      no score reads);
    - run.sh's optimiser settings: lr 3e-4 (the script's default), batch 128, no weight decay.
    The script's ``svdd_layer`` (no part of the loss or the score) and its input mask (all ones
    without missing values) are left out.

All four are the *inner* models the adapter drives (``fit`` / ``decision_function``, PyOD
style); users get them through ``baselines.make_baseline("ae")`` / ``("deep_svdd")`` (the
scripts exactly) / ``("ae_rebuilt")`` / ``("deep_svdd_rebuilt")`` (the rebuild). All randomness
(initial weights, batch order, dropout masks) comes from generators seeded by ``random_state``;
the global RNGs are never drawn from. The weights are drawn layer by layer in the order the
networks list them, so the two variants of a model start from the same weights under the same
seed. Mini-batches follow the authors' torch ``DataLoader(shuffle=True)`` with its defaults:
reshuffled every epoch, the last incomplete batch kept.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
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
    lead: Sequence[nn.Module] = (),
    last_hidden_dropout: bool = True,
) -> nn.Sequential:
    """``Linear`` layers through ``sizes``; LeakyReLU(0.1) + dropout after each hidden layer and
    ``output`` (None: nothing) after the last.

    ``lead`` (parameter-free modules) comes before the first ``Linear``; without
    ``last_hidden_dropout`` the last hidden layer has its LeakyReLU but no dropout. The weights
    are drawn from ``generator`` layer by layer, in order, whatever ``lead`` and
    ``last_hidden_dropout`` are.
    """
    layers: list[nn.Module] = list(lead)
    n_hidden = len(sizes) - 2
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(seeded_linear(n_in, n_out, generator, bias=bias))
        if i < n_hidden:
            layers.append(nn.LeakyReLU(LEAKY_SLOPE))
            if last_hidden_dropout or i < n_hidden - 1:
                layers.append(SeededDropout(dropout))
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
        optimizer: torch.optim.Optimizer | None = None,
    ) -> list[float]:
        """:meth:`_train` with the batch order from the CPU generator and the dropout masks from
        the device generator (and ``optimizer``, None: a fresh Adam)."""
        order_generator, noise = generators
        dropouts = [m for m in network.modules() if isinstance(m, SeededDropout)]
        for layer in dropouts:
            layer.generator = noise
        try:
            return self._train(
                network, loss_of_batch, data, n_epochs, order_generator, phase, optimizer=optimizer
            )
        finally:
            for layer in dropouts:
                layer.generator = None


class AuthorsAutoEncoder(_TorchModel):
    """The authors' ODDS autoencoder as described (see the module docstring); score = squared
    reconstruction error.

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

    #: Forward passes of the network per training step (their MSEs summed, each with its own
    #: dropout masks) and per score (their squared errors summed: ``passes`` x one pass).
    _passes = 1
    #: Names the training in the progress bar and in the divergence error.
    _phase = "AE (authors)"

    def _decoder(self, sizes: list[int], weights: torch.Generator) -> nn.Sequential:
        """``k -> h -> h -> d``: LeakyReLU(0.1) and dropout after each hidden layer, Sigmoid."""
        return authors_mlp(
            sizes, weights, dropout=self.dropout_rate, bias=True, output=nn.Sigmoid()
        )

    def fit(self, X: np.ndarray) -> AuthorsAutoEncoder:
        """Train on ``X`` (rows = samples) with the MSE loss; returns ``self``."""
        generators = self._generators()
        d, h, k = X.shape[1], self.hidden_features, self.latent_features
        weights = generators[0]
        encoder = authors_mlp(
            [d, h, h, k], weights, dropout=self.dropout_rate, bias=True, output=None
        )
        decoder = self._decoder([k, h, h, d], weights)
        network = nn.Sequential(encoder, decoder).to(self.device)
        mse = nn.MSELoss()
        passes = self._passes

        def loss_of_batch(batch: torch.Tensor) -> torch.Tensor:
            loss = mse(network(batch), batch)
            for _ in range(passes - 1):  # the same network again, with fresh dropout masks
                loss = loss + mse(network(batch), batch)
            return loss

        self.history_ = {
            "loss": self._train_with_dropout(
                network, loss_of_batch, self._tensor(X), self.epochs, generators, self._phase
            )
        }
        self.network_ = network
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Squared reconstruction error of each row (higher = more anomalous)."""
        errors = squared_distances(self.network_, self._tensor(X))
        return errors if self._passes == 1 else self._passes * errors


class AuthorsScriptAutoEncoder(AuthorsAutoEncoder):
    """The authors' ODDS autoencoder exactly as their script builds and trains it (see the module
    docstring); score = the sum of two passes' squared reconstruction errors.

    Differs from :class:`AuthorsAutoEncoder` in the decoder's layout (LeakyReLU(0.1) and dropout
    on the code before its first layer, no dropout after its last hidden layer) and in the two
    forward passes per training step, ``MSE(pass 1) + MSE(pass 2)``. The score is twice the
    squared error of one evaluation pass: bit for bit the authors' sum of their two identical
    passes (doubling is exact in floating point), ranking as one pass does.

    Parameters
    ----------
    hidden_features, latent_features, epochs, learning_rate, batch_size, weight_decay, device,
    random_state, verbose
        As :class:`AuthorsAutoEncoder`.
    dropout_rate : float
        Dropout probability on the code and after each hidden layer but the decoder's last
        (training only).
    """

    _passes = 2
    _phase = "AE (authors' script)"

    def _decoder(self, sizes: list[int], weights: torch.Generator) -> nn.Sequential:
        """LeakyReLU(0.1) and dropout, then ``k -> h -> h -> d`` with LeakyReLU(0.1) after each
        hidden layer and dropout after the first only, Sigmoid (``models/AE_Coteaching.py``)."""
        return authors_mlp(
            sizes,
            weights,
            dropout=self.dropout_rate,
            bias=True,
            output=nn.Sigmoid(),
            lead=(nn.LeakyReLU(LEAKY_SLOPE), SeededDropout(self.dropout_rate)),
            last_hidden_dropout=False,
        )


class AuthorsDeepSVDD(_TorchModel):
    """The authors' ODDS Deep SVDD as described (see the module docstring); score =
    ``||phi(x) - c||^2``.

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

    #: One Adam for both phases (its state carried from pre-training into the one-class
    #: phase) instead of a fresh Adam per phase.
    _shared_optimizer = False
    #: Names the training phases in the progress bar and in the divergence error.
    _phase = "Deep-SVDD (authors)"

    def __init__(self, *, pretrain_epochs: int, **settings: Any) -> None:
        super().__init__(**settings)
        self.pretrain_epochs = pretrain_epochs

    def _decoder(self, sizes: list[int], weights: torch.Generator) -> nn.Sequential:
        """Bias-free ``k -> h -> h -> d``: LeakyReLU(0.1) and dropout after each hidden layer,
        Sigmoid."""
        return authors_mlp(
            sizes, weights, dropout=self.dropout_rate, bias=False, output=nn.Sigmoid()
        )

    def fit(self, X: np.ndarray) -> AuthorsDeepSVDD:
        """Pre-train, fix the centre, train the encoder on the one-class loss; returns ``self``."""
        generators = self._generators()
        d, h, k = X.shape[1], self.hidden_features, self.latent_features
        weights = generators[0]
        leaky = nn.LeakyReLU(LEAKY_SLOPE)
        encoder = authors_mlp(
            [d, h, h, k], weights, dropout=self.dropout_rate, bias=False, output=leaky
        ).to(self.device)
        decoder = self._decoder([k, h, h, d], weights).to(self.device)
        optimizer = None  # a fresh Adam per phase
        if self._shared_optimizer:
            optimizer = self._adam([*encoder.parameters(), *decoder.parameters()])
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
                f"{self._phase} pre-training",
                optimizer=optimizer,
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
            f"{self._phase} training",
            optimizer=optimizer,
        )
        self.encoder_ = encoder
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Squared distance of ``phi(x)`` to the centre (higher = more anomalous)."""
        return squared_distances(self.encoder_, self._tensor(X), self.center_)


class AuthorsScriptDeepSVDD(AuthorsDeepSVDD):
    """The authors' ODDS Deep SVDD exactly as their script builds and trains it (see the module
    docstring); score = ``||phi(x) - c||^2``.

    Differs from :class:`AuthorsDeepSVDD` in the pre-training decoder's layout (dropout on the
    representation before its first layer, no dropout after its last hidden layer) and in the
    optimiser: one Adam over the encoder's and the decoder's parameters, created once, trains
    both phases, its state carried on. In the one-class phase the decoder gets no gradient and
    Adam leaves it (and its step count) alone.

    Parameters
    ----------
    hidden_features, latent_features, epochs, pretrain_epochs, learning_rate, batch_size,
    weight_decay, device, random_state, verbose
        As :class:`AuthorsDeepSVDD`; the optimiser settings are those of the one Adam.
    dropout_rate : float
        Dropout probability after the encoder's two hidden layers, on the representation at the
        decoder's input and after the decoder's first hidden layer (training only).
    """

    _shared_optimizer = True
    _phase = "Deep-SVDD (authors' script)"

    def _decoder(self, sizes: list[int], weights: torch.Generator) -> nn.Sequential:
        """Dropout, then bias-free ``k -> h -> h -> d`` with LeakyReLU(0.1) after each hidden
        layer and dropout after the first only, Sigmoid (``models/SVDD.py``)."""
        return authors_mlp(
            sizes,
            weights,
            dropout=self.dropout_rate,
            bias=False,
            output=nn.Sigmoid(),
            lead=(SeededDropout(self.dropout_rate),),
            last_hidden_dropout=False,
        )
