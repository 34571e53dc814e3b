"""Real NVP with affine couplings (Dinh et al., 2017), as used by RobustRealNVP.

Architecture (REFERENCE.md §1): ``n_couplings`` affine couplings that alternate two complementary
binary masks; no permutations, batch-norm or act-norm. For a mask ``m`` (1 = kept) a coupling maps

    y = m * x + (1 - m) * (x * exp(s(m * x)) + t(m * x)),   log|det J| = sum((1 - m) * s(m * x)),

where ``s`` and ``t`` are separate MLPs ``d -> h -> ... -> h -> d`` with LeakyReLU(0.01) between
layers; ``s`` ends with ``tanh`` (so ``|s| <= 1``), ``t`` has no output activation. Both read the
full ``d``-dimensional masked input and their outputs are multiplied by ``1 - m``.

Masks partition the dimensions: the first ``ceil(d / 2)`` dimensions versus the rest, so every
dimension is transformed (the authors' code let the two masks overlap for odd ``d``, leaving one
dimension untransformed). For ``d = 1`` the second part is empty: the couplings that transform the
single dimension see an all-zero input, so each is a learned input-independent affine map and the
whole flow is a Gaussian density (fitted robustly when trimming is on).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rrnvp.linear import SpectralNormMode, StackedLinear

LEAKY_RELU_SLOPE = 0.01
_LOG_2PI = math.log(2.0 * math.pi)


def partition_masks(n_features: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The two complementary masks: first ``ceil(d/2)`` dimensions kept, then the rest kept.

    Parameters
    ----------
    n_features : int
        Dimension ``d`` of the data, ``d >= 1``.

    Returns
    -------
    tuple of torch.Tensor
        Two float masks of shape ``(d,)`` with 1 = kept (conditioning) and 0 = transformed.
    """
    if n_features < 1:
        raise ValueError(f"n_features must be >= 1, got {n_features}")
    first = torch.zeros(n_features)
    first[: math.ceil(n_features / 2)] = 1.0
    return first, 1.0 - first


class AffineCoupling(nn.Module):
    """One affine coupling layer with separate scale (``s``) and translation (``t``) nets.

    Parameters
    ----------
    mask : torch.Tensor
        Float tensor of shape ``(d,)``, 1 for kept (conditioning) dimensions.
    hidden_features : int
        Width of the hidden layers of ``s`` and ``t``.
    n_hidden_layers : int
        Number of hidden layers (the authors use 2: three Linear layers per net).
    spectral_norm, lipschitz_k, sn_mode, n_power_iterations
        Spectral normalisation of every Linear layer of ``s`` and ``t``; see
        :class:`rrnvp.linear.StackedLinear`.
    generator : torch.Generator, optional
        Source of randomness for the initialisation.
    dtype : torch.dtype
        Parameter dtype.
    """

    def __init__(
        self,
        mask: torch.Tensor,
        hidden_features: int,
        n_hidden_layers: int,
        *,
        spectral_norm: bool = False,
        lipschitz_k: float = 1.0,
        sn_mode: SpectralNormMode = "clip",
        n_power_iterations: int = 1,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        d = mask.numel()
        self.register_buffer("mask", mask.to(dtype))
        widths = [d] + [hidden_features] * n_hidden_layers + [d]
        self.layers = nn.ModuleList(
            StackedLinear(
                2,  # net 0 is s, net 1 is t
                n_in,
                n_out,
                spectral_norm=spectral_norm,
                lipschitz_k=lipschitz_k,
                sn_mode=sn_mode,
                n_power_iterations=n_power_iterations,
                generator=generator,
                dtype=dtype,
            )
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )

    def scale_and_shift(self, x_kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``s`` and ``t`` of the masked input, already multiplied by ``1 - m``."""
        h = x_kept
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < len(self.layers) - 1:
                h = F.leaky_relu(h, LEAKY_RELU_SLOPE)
        free = 1.0 - self.mask
        return torch.tanh(h[0]) * free, h[1] * free

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data direction: ``x -> y`` and ``log|det dy/dx|`` per sample."""
        s, t = self.scale_and_shift(x * self.mask)
        return x * torch.exp(s) + t, s.sum(dim=-1)

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Latent direction: ``y -> x`` and ``log|det dx/dy|`` per sample."""
        s, t = self.scale_and_shift(y * self.mask)
        return (y - t) * torch.exp(-s), -s.sum(dim=-1)


class RealNVPFlow(nn.Module):
    """Real NVP density with a standard-normal prior.

    Parameters
    ----------
    n_features : int
        Data dimension ``d``.
    n_couplings : int, default=6
        Number of couplings; masks alternate, starting with the first ``ceil(d/2)`` kept.
    hidden_features : int, default=256
        Hidden width of ``s`` and ``t``.
    n_hidden_layers : int, default=2
        Hidden layers of ``s`` and ``t``.
    spectral_norm : bool, default=False
        k-Lipschitz spectral normalisation of every Linear layer of ``s`` and ``t``.
    lipschitz_k : float, default=1.5
        The bound ``k``.
    sn_mode : {"clip", "divide"}, default="clip"
        See :mod:`rrnvp.linear`.
    n_power_iterations : int, default=1
        Power iterations per training forward pass.
    generator : torch.Generator, optional
        Source of randomness for the initialisation (the global RNG is never used).
    dtype : torch.dtype, default=torch.float32
        Parameter dtype.
    """

    def __init__(
        self,
        n_features: int,
        n_couplings: int = 6,
        hidden_features: int = 256,
        n_hidden_layers: int = 2,
        *,
        spectral_norm: bool = False,
        lipschitz_k: float = 1.5,
        sn_mode: SpectralNormMode = "clip",
        n_power_iterations: int = 1,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.n_features = n_features
        masks = partition_masks(n_features)
        self.couplings = nn.ModuleList(
            AffineCoupling(
                masks[i % 2],
                hidden_features,
                n_hidden_layers,
                spectral_norm=spectral_norm,
                lipschitz_k=lipschitz_k,
                sn_mode=sn_mode,
                n_power_iterations=n_power_iterations,
                generator=generator,
                dtype=dtype,
            )
            for i in range(n_couplings)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map data to latent space: ``z = f(x)`` and ``log|det df/dx|`` per sample."""
        log_det = x.new_zeros(x.shape[0])
        for coupling in self.couplings:
            x, ld = coupling(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map latent to data space: ``x = f^{-1}(z)`` and ``log|det df^{-1}/dz|`` per sample."""
        log_det = z.new_zeros(z.shape[0])
        for coupling in reversed(self.couplings):
            z, ld = coupling.inverse(z)
            log_det = log_det + ld
        return z, log_det

    @staticmethod
    def prior_log_prob(z: torch.Tensor) -> torch.Tensor:
        """Standard-normal log-density of each row of ``z``."""
        return -0.5 * (z.pow(2).sum(dim=-1) + z.shape[-1] * _LOG_2PI)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density ``log p(x) = log N(f(x); 0, I) + log|det df/dx|`` of each row."""
        z, log_det = self(x)
        return self.prior_log_prob(z) + log_det

    def sample(self, n_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n_samples`` points from the model density."""
        ref = self.couplings[0].mask if len(self.couplings) else torch.empty(0)
        z = torch.randn(n_samples, self.n_features, generator=generator, dtype=ref.dtype)
        return self.inverse(z.to(ref.device))[0]

    def power_iteration(self, n_iterations: int) -> None:
        """Run ``n_iterations`` power iterations on every spectrally normalised layer."""
        for module in self.modules():
            if isinstance(module, StackedLinear):
                module.power_iteration(n_iterations)
