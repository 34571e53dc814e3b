"""Trimmed likelihood (Algorithm 1 of Liu, Tan & Zhou, 2022) and its warm-up schedule."""

from __future__ import annotations

import math

import torch


def n_kept(batch_size: int, trim_ratio: float) -> int:
    """Number of samples kept by trimming: ``floor((1 - eps) * B)``, at least one.

    The product is rounded to 9 decimals before the floor so that, e.g., ``(1 - 0.1) * 10``
    (``8.999999999999998`` in floating point) keeps 9 samples rather than 8.
    """
    if not 0.0 <= trim_ratio < 1.0:
        raise ValueError(f"trim_ratio must be in [0, 1), got {trim_ratio!r}")
    return max(1, math.floor(round((1.0 - trim_ratio) * batch_size, 9)))


def trimmed_mean(nll: torch.Tensor, trim_ratio: float) -> torch.Tensor:
    """Mean of the ``floor((1 - eps) * B)`` smallest per-sample negative log-likelihoods.

    The ``eps`` fraction of samples with the highest NLL (lowest density) is dropped; they receive
    exactly zero gradient. With ``trim_ratio=0`` this is the plain mean.

    Parameters
    ----------
    nll : torch.Tensor
        Per-sample negative log-likelihood, shape ``(B,)``.
    trim_ratio : float
        Fraction ``eps`` in ``[0, 1)`` of the batch to drop.

    Returns
    -------
    torch.Tensor
        Scalar loss.
    """
    k = n_kept(nll.shape[0], trim_ratio)
    if k == nll.shape[0]:
        return nll.mean()
    return torch.topk(nll, k, largest=False, sorted=False).values.mean()


def trim_ratio_at_epoch(epoch: int, trim_ratio: float, warmup_epochs: int) -> float:
    """Trimmed fraction at ``epoch`` (0-based): a linear ramp from 0 to ``eps``.

    With ``warmup_epochs = w > 0`` the fraction is ``eps * min(1, epoch / w)``; the authors use
    ``w = 1`` on ODDS (epoch 0 untrimmed, then ``eps``) and ``w = 20`` on CIFAR-10. With ``w = 0``
    the full ``eps`` is used from the first step (two-moons).
    """
    if warmup_epochs <= 0:
        return trim_ratio
    return trim_ratio * min(1.0, epoch / warmup_epochs)
