"""One optimisation step of the (trimmed) maximum-likelihood objective."""

from __future__ import annotations

import torch

from rrnvp.flow import RealNVPFlow
from rrnvp.trimming import trimmed_mean


def make_optimizer(flow: RealNVPFlow, learning_rate: float) -> torch.optim.Optimizer:
    """Adam without weight decay, as in the authors' code.

    The fused kernel (one pass over the parameters per step; on CPU since torch 2.4, hence the
    package's floor) gives the same update as the default implementation up to float rounding.
    """
    return torch.optim.Adam(flow.parameters(), lr=learning_rate, fused=True)


def train_step(
    flow: RealNVPFlow, optimizer: torch.optim.Optimizer, batch: torch.Tensor, trim_ratio: float
) -> torch.Tensor:
    """Take one Adam step on the trimmed mean NLL of ``batch``.

    Parameters
    ----------
    flow : RealNVPFlow
        The model, in training mode.
    optimizer : torch.optim.Optimizer
        Its optimiser.
    batch : torch.Tensor
        Mini-batch of shape ``(B, d)``.
    trim_ratio : float
        Fraction of the batch with the highest NLL dropped from the loss.

    Returns
    -------
    torch.Tensor
        The detached scalar loss. When it is not finite no step is taken, so the caller can stop
        with an informative error while the parameters are still those of the previous step.
    """
    loss = trimmed_mean(-flow.log_prob(batch), trim_ratio)
    if not torch.isfinite(loss):
        return loss.detach()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()
