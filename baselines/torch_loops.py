"""What the in-house torch baselines share: settings, mini-batch Adam training, chunked scoring.

Used by :mod:`baselines.authors_nets` (the authors' AE and Deep SVDD) and
:mod:`baselines.deep_svdd` (Deep SVDD after Ruff et al.). Mini-batches follow torch's
``DataLoader`` defaults: reshuffled every epoch from a seeded generator, the last incomplete batch
kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from rrnvp.detector import TrainingDivergedError

#: Rows evaluated at once by :func:`chunked`.
SCORE_CHUNK = 8192


def adam(
    parameters: Iterable[nn.Parameter], learning_rate: float, weight_decay: float
) -> torch.optim.Adam:
    """A fresh ``torch.optim.Adam`` over ``parameters`` (torch's other defaults)."""
    return torch.optim.Adam(parameters, lr=learning_rate, weight_decay=weight_decay)


def train_minibatches(
    network: nn.Module,
    loss_of_batch: Callable[[torch.Tensor], torch.Tensor],
    data: torch.Tensor,
    *,
    n_epochs: int,
    batch_size: int,
    learning_rate: float,
    weight_decay: float,
    order_generator: torch.Generator,
    phase: str,
    verbose: int = 0,
    optimizer: torch.optim.Optimizer | None = None,
) -> list[float]:
    """Train ``network`` with Adam over shuffled mini-batches of ``data``.

    Parameters
    ----------
    network : torch.nn.Module
        Put in training mode for the loop and in evaluation mode afterwards (also on error).
    loss_of_batch : callable
        ``batch -> scalar loss`` (the batch is rows of ``data``).
    data : torch.Tensor of shape (n_samples, n_features)
        On the network's device.
    n_epochs : int
        Passes over ``data``.
    batch_size : int
        Mini-batch size, capped at ``n_samples``; the last incomplete batch is kept.
    learning_rate, weight_decay : float
        Adam's settings (those of ``optimizer`` when one is given: then ``learning_rate`` only
        appears in the error message).
    order_generator : torch.Generator
        CPU generator of each epoch's permutation (one ``randperm`` per epoch).
    phase : str
        Names the phase in the progress bar and in the error message.
    verbose : int, default=0
        Show a progress bar when > 0.
    optimizer : torch.optim.Optimizer, optional
        The optimiser to step, with its state as it is (e.g. one that trained another phase
        before); it must hold ``network``'s trainable parameters. None (default): a fresh
        :func:`adam` over ``network.parameters()``.

    Returns
    -------
    list of float
        The mean batch loss of each epoch.

    Raises
    ------
    rrnvp.TrainingDivergedError
        When a batch loss is not finite; the message names the phase, epoch and step.
    """
    if optimizer is None:
        optimizer = adam(network.parameters(), learning_rate, weight_decay)
    n_samples = data.shape[0]
    batch_size = min(batch_size, n_samples)
    n_batches = math.ceil(n_samples / batch_size)
    losses: list[float] = []
    network.train()
    try:
        for epoch in trange(n_epochs, desc=phase, disable=not verbose):
            order = torch.randperm(n_samples, generator=order_generator).to(data.device)
            total = torch.zeros((), device=data.device)
            for step, start in enumerate(range(0, n_samples, batch_size)):
                loss = loss_of_batch(data[order[start : start + batch_size]])
                if not torch.isfinite(loss):
                    raise TrainingDivergedError(
                        f"{phase}: the loss became {loss.item()} at epoch {epoch}, step {step}; "
                        f"lower learning_rate (now {learning_rate}) or rescale the data"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.detach()
            losses.append(float(total) / n_batches)
    finally:
        network.eval()
    return losses


class MinibatchModel:
    """Base of the in-house torch models: the settings they share and their training loop.

    The subclasses are the *inner* models the adapter drives (``fit`` / ``decision_function``,
    PyOD style); ``__init__`` only stores the settings.

    Parameters
    ----------
    hidden_features, latent_features : int
        Widths of the network (each subclass says which layers).
    epochs : int
        Epochs of the model's (final) objective; the last model is used.
    learning_rate : float
        Adam learning rate of every phase.
    batch_size : int
        Mini-batch size of every phase (capped at the training set size; the last incomplete
        batch of an epoch is kept).
    weight_decay : float
        Adam weight decay of every phase.
    device : torch.device
        Where the networks live.
    random_state : int
        Seed of everything random in the model.
    verbose : int, default=0
        Show a progress bar per phase when > 0.
    """

    def __init__(
        self,
        *,
        hidden_features: int,
        latent_features: int,
        epochs: int,
        learning_rate: float,
        batch_size: int,
        weight_decay: float,
        device: torch.device,
        random_state: int,
        verbose: int = 0,
    ) -> None:
        self.hidden_features = hidden_features
        self.latent_features = latent_features
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _train(
        self,
        network: nn.Module,
        loss_of_batch: Callable[[torch.Tensor], torch.Tensor],
        data: torch.Tensor,
        n_epochs: int,
        order_generator: torch.Generator,
        phase: str,
        optimizer: torch.optim.Optimizer | None = None,
    ) -> list[float]:
        """:func:`train_minibatches` with this model's optimiser and batch settings (a fresh
        Adam unless ``optimizer`` is given: see :meth:`_adam`)."""
        return train_minibatches(
            network,
            loss_of_batch,
            data,
            n_epochs=n_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            order_generator=order_generator,
            phase=phase,
            verbose=self.verbose,
            optimizer=optimizer,
        )

    def _adam(self, parameters: Iterable[nn.Parameter]) -> torch.optim.Adam:
        """A fresh Adam over ``parameters`` with this model's learning rate and weight decay, to
        share between phases (pass it to :meth:`_train`)."""
        return adam(parameters, self.learning_rate, self.weight_decay)


@torch.no_grad()
def chunked(function: Callable[[torch.Tensor], torch.Tensor], data: torch.Tensor) -> torch.Tensor:
    """``function`` applied to ``data`` in chunks of :data:`SCORE_CHUNK` rows, without
    gradients, the results concatenated."""
    chunks = range(0, len(data), SCORE_CHUNK)
    return torch.cat([function(data[i : i + SCORE_CHUNK]) for i in chunks])


def squared_distances(
    function: Callable[[torch.Tensor], torch.Tensor],
    data: torch.Tensor,
    target: torch.Tensor | None = None,
) -> np.ndarray:
    """Row-wise squared distance of ``function(x)`` to ``target`` (None: to ``x`` itself, the
    squared reconstruction error), as float64, evaluated with :func:`chunked`."""

    def distances(batch: torch.Tensor) -> torch.Tensor:
        return ((function(batch) - (batch if target is None else target)) ** 2).sum(dim=1)

    return chunked(distances, data).double().cpu().numpy()
