"""Parallel linear layers with optional k-Lipschitz spectral normalisation.

The scale net ``s`` and the translation net ``t`` of an affine coupling are two separate MLPs of
identical shape that read the same input. :class:`StackedLinear` holds the weights of ``n_nets``
such layers in one tensor of shape ``(n_nets, out_features, in_features)`` so that all of them are
evaluated with one batched matrix product. Mathematically it is exactly ``n_nets`` independent
``torch.nn.Linear`` layers; spectral normalisation is computed per layer on its full weight matrix.

Spectral normalisation (Miyato et al., 2018) estimates the largest singular value ``sigma`` of each
weight matrix by power iteration and rescales the weight so that its operator norm is at most ``k``:

* ``"clip"`` (default, the authors' code): ``W / max(sigma / k, 1)``; the weight is only shrunk.
* ``"divide"`` (the paper's formula): ``W / (sigma / k)``; the norm is always exactly ``k``.

As in :func:`torch.nn.utils.parametrizations.spectral_norm`, ``n_power_iterations`` power
iterations update the singular-vector estimates ``u`` and ``v`` at every forward pass in training
mode; in eval mode the stored vectors are reused and ``sigma = u^T W v`` is recomputed from the
current weight.

The maths lives in four functions shared by :class:`StackedLinear` (which forms ``W / r``) and the
hand-written coupling stack of :mod:`rrnvp.coupling_ops` (which divides each layer's output by
``r`` and differentiates ``r`` by hand): :func:`power_iterate`, :func:`spectral_norm_estimate`,
:func:`lipschitz_divisor` (``r``) and :func:`lipschitz_divisor_slope` (``dr/dsigma``).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

SpectralNormMode = Literal["clip", "divide"]
SPECTRAL_NORM_MODES: tuple[str, ...] = ("clip", "divide")


def spectral_norm_estimate(weight: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Power-iteration estimate ``sigma = u^T W v`` of each stacked matrix's largest singular value.

    Parameters
    ----------
    weight : torch.Tensor
        Stacked matrices, shape ``(n_nets, out_features, in_features)``.
    u, v : torch.Tensor
        Left and right singular-vector estimates, shapes ``(n_nets, out_features)`` and
        ``(n_nets, in_features)``.

    Returns
    -------
    torch.Tensor
        ``sigma`` of shape ``(n_nets,)``, differentiable with respect to ``weight`` (``u`` and
        ``v`` are treated as constants by the callers).
    """
    # Written as row vector times matrix: bmm with a single output column (W @ v) takes a much
    # slower kernel on CPU than its transposed form (v^T @ W^T).
    wv = torch.bmm(v.unsqueeze(1), weight.transpose(1, 2)).squeeze(1)
    return (u * wv).sum(dim=-1)


@torch.no_grad()
def power_iterate(
    weight: torch.Tensor, u: torch.Tensor, v: torch.Tensor, n_iterations: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Refine singular-vector estimates by ``n_iterations >= 1`` power iterations.

    Parameters
    ----------
    weight : torch.Tensor
        Stacked matrices, shape ``(n_nets, out_features, in_features)``.
    u, v : torch.Tensor
        Current estimates, shapes ``(n_nets, out_features)`` and ``(n_nets, in_features)``; not
        modified.
    n_iterations : int
        Number of iterations, at least 1.

    Returns
    -------
    tuple of torch.Tensor
        The new ``u`` and ``v`` and ``sigma = u^T W v`` for them (shape ``(n_nets,)``, no
        gradient; it reuses the last iteration's ``W v``).
    """
    # Both products are written as row-vector times matrix (see spectral_norm_estimate).
    for _ in range(n_iterations):
        v = F.normalize(torch.bmm(u.unsqueeze(1), weight).squeeze(1), dim=-1, eps=1e-12)
        wv = torch.bmm(v.unsqueeze(1), weight.transpose(1, 2)).squeeze(1)
        u = F.normalize(wv, dim=-1, eps=1e-12)
    return u, v, (u * wv).sum(dim=-1)


def lipschitz_divisor(
    sigma: torch.Tensor, lipschitz_k: float, mode: SpectralNormMode
) -> torch.Tensor:
    """The divisor ``r`` of the normalised weight ``W / r`` (see the module docstring).

    Parameters
    ----------
    sigma : torch.Tensor
        Spectral-norm estimates, one per net.
    lipschitz_k : float
        The bound ``k``.
    mode : {"clip", "divide"}
        ``"clip"``: ``r = max(sigma / k, 1)``; ``"divide"``: ``r = sigma / k``.

    Returns
    -------
    torch.Tensor
        ``r``, shaped like ``sigma``.
    """
    ratio = sigma / lipschitz_k
    return ratio.clamp(min=1.0) if mode == "clip" else ratio


def lipschitz_divisor_slope(
    sigma: torch.Tensor, lipschitz_k: float, mode: SpectralNormMode
) -> torch.Tensor:
    """The derivative ``dr/dsigma`` of :func:`lipschitz_divisor` (same parameters).

    Returns
    -------
    torch.Tensor
        ``1/k`` where ``r`` follows ``sigma`` (everywhere for ``"divide"``, where
        ``sigma / k >= 1`` for ``"clip"``), else 0; shaped like ``sigma``.
    """
    ratio = sigma / lipschitz_k
    if mode == "clip":
        return (ratio >= 1.0).to(ratio.dtype) / lipschitz_k
    return torch.full_like(ratio, 1.0 / lipschitz_k)


class StackedLinear(nn.Module):
    """``n_nets`` independent affine layers evaluated with one batched matmul.

    Parameters
    ----------
    n_nets : int
        Number of independent layers held in the stack.
    in_features, out_features : int
        Input and output width of every layer.
    spectral_norm : bool, default=False
        Whether each layer's weight is spectrally normalised.
    lipschitz_k : float, default=1.0
        Target bound ``k`` on each layer's operator norm (only with ``spectral_norm``).
    sn_mode : {"clip", "divide"}, default="clip"
        Form of the normalisation; see the module docstring.
    n_power_iterations : int, default=1
        Power iterations per training forward pass.
    generator : torch.Generator, optional
        Source of randomness for the initial weights and singular vectors. PyTorch's default
        ``nn.Linear`` initialisation is reproduced: weights and biases
        ``U(-1/sqrt(in), 1/sqrt(in))``.
    dtype : torch.dtype, default=torch.float32
        Parameter dtype.
    """

    def __init__(
        self,
        n_nets: int,
        in_features: int,
        out_features: int,
        *,
        spectral_norm: bool = False,
        lipschitz_k: float = 1.0,
        sn_mode: SpectralNormMode = "clip",
        n_power_iterations: int = 1,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if sn_mode not in SPECTRAL_NORM_MODES:
            raise ValueError(f"sn_mode must be one of {SPECTRAL_NORM_MODES}, got {sn_mode!r}")
        if spectral_norm and not lipschitz_k > 0:
            raise ValueError(f"lipschitz_k must be > 0, got {lipschitz_k!r}")
        self.n_nets = n_nets
        self.in_features = in_features
        self.out_features = out_features
        self.spectral_norm = spectral_norm
        self.lipschitz_k = float(lipschitz_k)
        self.sn_mode = sn_mode
        self.n_power_iterations = n_power_iterations

        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        weight = torch.empty(n_nets, out_features, in_features, dtype=dtype)
        bias = torch.empty(n_nets, out_features, dtype=dtype)
        weight.uniform_(-bound, bound, generator=generator)
        bias.uniform_(-bound, bound, generator=generator)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)
        if spectral_norm:
            u = torch.randn(n_nets, out_features, dtype=dtype, generator=generator)
            v = torch.randn(n_nets, in_features, dtype=dtype, generator=generator)
            self.register_buffer("_u", F.normalize(u, dim=-1))
            self.register_buffer("_v", F.normalize(v, dim=-1))

    def extra_repr(self) -> str:
        text = f"n_nets={self.n_nets}, in_features={self.in_features}, "
        text += f"out_features={self.out_features}"
        if self.spectral_norm:
            text += f", spectral_norm={self.sn_mode}, k={self.lipschitz_k}"
        return text

    @torch.no_grad()
    def power_iteration(self, n_iterations: int | None = None) -> torch.Tensor | None:
        """Refine the singular-vector estimates ``u`` and ``v`` in place.

        Parameters
        ----------
        n_iterations : int, optional
            Number of iterations; defaults to ``n_power_iterations``.

        Returns
        -------
        torch.Tensor or None
            ``sigma = u^T W v`` for the updated vectors (shape ``(n_nets,)``, no gradient), or
            ``None`` without spectral normalisation. It reuses the last iteration's ``W v``.
        """
        if not self.spectral_norm:
            return None
        n_iterations = self.n_power_iterations if n_iterations is None else n_iterations
        if n_iterations < 1:  # no iteration: sigma from the stored vectors
            return self.sigma()
        u, v, sigma = power_iterate(self.weight, self._u, self._v, n_iterations)
        self._u.copy_(u)
        self._v.copy_(v)
        return sigma

    @property
    def singular_vectors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The stored estimates ``(u, v)``, shapes ``(n_nets, out)`` and ``(n_nets, in)``.

        The buffers themselves (not copies); only defined with ``spectral_norm=True``.
        """
        if not self.spectral_norm:
            raise RuntimeError("singular_vectors is only defined with spectral_norm=True")
        return self._u, self._v

    def sigma(self) -> torch.Tensor:
        """Power-iteration estimate ``u^T W v`` of each layer's largest singular value.

        Differentiable with respect to the weight (``u`` and ``v`` are constants).
        """
        if not self.spectral_norm:
            raise RuntimeError("sigma() is only defined with spectral_norm=True")
        return spectral_norm_estimate(self.weight, self._u, self._v)

    def effective_weight(self) -> torch.Tensor:
        """The weight actually applied: ``W`` itself, or its spectrally normalised form."""
        if not self.spectral_norm:
            return self.weight
        if self.training:
            self.power_iteration()
        divisor = lipschitz_divisor(self.sigma(), self.lipschitz_k, self.sn_mode)
        return self.weight / divisor[:, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply every layer of the stack.

        Parameters
        ----------
        x : torch.Tensor
            Either ``(batch, in_features)``, the same input for every layer, or
            ``(n_nets, batch, in_features)``, one input per layer.

        Returns
        -------
        torch.Tensor
            ``(n_nets, batch, out_features)``.
        """
        weight = self.effective_weight()
        if x.dim() == 2:
            flat = weight.reshape(self.n_nets * self.out_features, self.in_features)
            out = torch.addmm(self.bias.reshape(-1), x, flat.t())
            return out.reshape(x.shape[0], self.n_nets, self.out_features).transpose(0, 1)
        return torch.baddbmm(self.bias.unsqueeze(1), x, weight.transpose(1, 2))
