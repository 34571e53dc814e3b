"""Real NVP with affine couplings (Dinh et al., 2017), as used by RobustRealNVP.

Architecture (the paper's, as the authors' ``RobustRealNVP.py`` and ``models/RealNVP.py`` build it;
``reproduce/protocol.md``, Sources): ``n_couplings`` affine couplings that alternate two binary
masks; no permutations, batch-norm or act-norm. For a mask ``m`` (1 = kept) the coupling's scale and
translation ``s = s(m * x)``, ``t = t(m * x)`` come from separate MLPs ``d -> h -> ... -> h -> d``
with LeakyReLU(0.01) between layers; ``s`` ends with ``tanh`` (so ``|s| <= 1``), ``t`` has no output
activation. Both read the full ``d``-dimensional masked input; only their outputs on the transformed
dimensions are used. The density is evaluated data -> latent, in one of two forms
(``coupling_form``):

* ``"shift-scale"`` (default; the authors' code):
  ``z = m * x + (1 - m) * (x - t) * exp(-s)``, ``log|det dz/dx| = -sum((1 - m) * s)``; its
  inverse ``x = z * exp(s) + t`` is the generative direction.
* ``"scale-shift"``: ``z = m * x + (1 - m) * (x * exp(s) + t)``, ``log|det| = sum((1 - m) * s)``
  (the suite's form before 2026-12-01). Without spectral normalisation both forms describe the
  same family of maps; with Lipschitz-bounded ``s`` and ``t`` they do not.

Masks (``masks``): ``"partition"`` (default) splits the dimensions into the first ``ceil(d / 2)``
and the rest, so every dimension is transformed; ``"authors"`` reproduces the authors' masks,
which for odd ``d`` overlap on dimension ``floor(d / 2)`` and never transform it. The flow's
:class:`~rrnvp.coupling_layout.CouplingLayout` (attribute ``layout``) defines both. For ``d = 1``
under ``"partition"`` the couplings that transform the single dimension see an all-zero input,
so each is a learned input-independent affine map and the whole flow is a Gaussian density
(fitted robustly when trimming is on).

Storage: layer ``l`` of all ``2 * n_couplings`` nets is one :class:`~rrnvp.linear.StackedLinear`
(net ``2c`` is coupling ``c``'s ``s``, net ``2c + 1`` its ``t``), read as a whole with
:meth:`RealNVPFlow.stacked_parameters`; see :mod:`rrnvp.coupling_ops` for how the stack is
evaluated.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from rrnvp.coupling_layout import CouplingLayout
from rrnvp.coupling_ops import (
    COUPLING_FORMS,
    FlowFunction,
    FlowSpec,
    flow_forward,
    flow_inverse,
    spectral_divisors,
)
from rrnvp.linear import SpectralNormMode, StackedLinear

_LOG_2PI = math.log(2.0 * math.pi)


class StackedParameters(NamedTuple):
    """The coupling nets' parameters, one stacked tensor per layer (the flow's own, not copies).

    Layer ``l`` of all ``2 * n_couplings`` nets is stacked in the first dimension: net ``2c`` is
    coupling ``c``'s scale net ``s`` and net ``2c + 1`` its translation net ``t``. This is the form
    :class:`~rrnvp.coupling_ops.FlowFunction` and :func:`~rrnvp.coupling_ops.flow_forward` take.

    Attributes
    ----------
    weights : list of torch.Tensor
        Per layer, shape ``(2 * n_couplings, out_features, in_features)``; the raw weights, before
        spectral normalisation.
    biases : list of torch.Tensor
        Per layer, shape ``(2 * n_couplings, out_features)``.
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]


class SingularVectors(NamedTuple):
    """Per layer, the spectral normalisation's singular-vector estimates (the flow's buffers).

    Attributes
    ----------
    left : list of torch.Tensor
        ``u`` of every layer, shape ``(2 * n_couplings, out_features)``.
    right : list of torch.Tensor
        ``v`` of every layer, shape ``(2 * n_couplings, in_features)``.
    """

    left: list[torch.Tensor]
    right: list[torch.Tensor]


def partition_masks(n_features: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The two complementary masks: first ``ceil(d/2)`` dimensions kept, then the rest kept.

    The masks of couplings 0 and 1 of :class:`~rrnvp.coupling_layout.CouplingLayout` under the
    default ``"partition"`` scheme.

    Parameters
    ----------
    n_features : int
        Dimension ``d`` of the data, ``d >= 1``.

    Returns
    -------
    tuple of torch.Tensor
        Two float masks of shape ``(d,)`` with 1 = kept (conditioning) and 0 = transformed.
    """
    layout = CouplingLayout(n_features, n_couplings=2)
    return layout.mask(0), layout.mask(1)


class RealNVPFlow(nn.Module):
    """Real NVP density with a standard-normal prior.

    Parameters
    ----------
    n_features : int
        Data dimension ``d``.
    n_couplings : int, default=6
        Number of couplings; masks alternate, starting with the first ``ceil(d/2)`` kept
        (:class:`~rrnvp.coupling_layout.CouplingLayout`).
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
    coupling_form : {"shift-scale", "scale-shift"}, default="shift-scale"
        Data -> latent map of each coupling (see the module docstring).
    masks : {"partition", "authors"}, default="partition"
        Mask scheme (see the module docstring).
    generator : torch.Generator, optional
        Source of randomness for the initialisation (the global RNG is never used).
    dtype : torch.dtype, default=torch.float32
        Parameter dtype.

    Attributes
    ----------
    layout : CouplingLayout
        Kept and transformed dimensions of every coupling.
    spec : rrnvp.coupling_ops.FlowSpec
        The layout with the coupling form and spectral-normalisation settings, as the coupling
        stack's functions take them.
    layers : torch.nn.ModuleList of StackedLinear
        Layer ``l`` of all ``2 * n_couplings`` nets (see :meth:`stacked_parameters`).
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
        coupling_form: str = "shift-scale",
        masks: str = "partition",
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if coupling_form not in COUPLING_FORMS:
            raise ValueError(
                f"coupling_form must be one of {COUPLING_FORMS}, got {coupling_form!r}"
            )
        self.layout = CouplingLayout(n_features, n_couplings, masks)
        self.n_features = n_features
        self.n_couplings = n_couplings
        self.spectral_norm = spectral_norm
        self.spec = FlowSpec(self.layout, float(lipschitz_k), sn_mode, coupling_form)
        widths = [n_features] + [hidden_features] * n_hidden_layers + [n_features]
        self.layers = nn.ModuleList(
            StackedLinear(
                2 * n_couplings,
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

    def mask(self, coupling: int) -> torch.Tensor:
        """Float mask of ``coupling`` (1 = kept, 0 = transformed), in the parameters' dtype."""
        ref = self.layers[0].weight
        return self.layout.mask(coupling, dtype=ref.dtype, device=ref.device)

    def stacked_parameters(self) -> StackedParameters:
        """The weights and biases of all coupling nets, one stacked tensor per layer.

        Returns
        -------
        StackedParameters
            ``(weights, biases)``: the parameters themselves, so gradients and in-place updates
            reach the flow.
        """
        return StackedParameters([m.weight for m in self.layers], [m.bias for m in self.layers])

    def singular_vectors(self) -> SingularVectors:
        """The power-iteration vectors ``u`` and ``v`` of every layer.

        Returns
        -------
        SingularVectors
            ``(left, right)``, the buffers themselves; both lists are empty without spectral
            normalisation.
        """
        if not self.spectral_norm:
            return SingularVectors([], [])
        pairs = [layer.singular_vectors for layer in self.layers]
        return SingularVectors([u for u, _ in pairs], [v for _, v in pairs])

    def _divisors(self) -> list[torch.Tensor | None]:
        sigmas = [m.sigma() if m.spectral_norm else None for m in self.layers]
        return spectral_divisors(sigmas, self.spec)[0]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map data to latent space: ``z = f(x)`` and ``log|det df/dx|`` per sample.

        In training mode every spectrally normalised layer first takes its power iteration(s).
        """
        weights, biases = self.stacked_parameters()
        if self.training and self.spectral_norm:
            sigmas = self.power_iteration()
            if not torch.is_grad_enabled():
                divisors = spectral_divisors(sigmas, self.spec)[0]
                return flow_forward(x, weights, biases, divisors, self.spec)
        elif self.spectral_norm and torch.is_grad_enabled():
            with torch.no_grad():
                sigmas = [layer.sigma() for layer in self.layers]
        else:
            sigmas = None
        if torch.is_grad_enabled():
            us, vs = self.singular_vectors()
            return FlowFunction.apply(
                x, self.spec, len(weights), sigmas, *weights, *biases, *us, *vs
            )
        return flow_forward(x, weights, biases, self._divisors(), self.spec)

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Map latent to data space: ``x = f^{-1}(z)`` and ``log|det df^{-1}/dz|`` per sample."""
        weights, biases = self.stacked_parameters()
        return flow_inverse(z, weights, biases, self._divisors(), self.spec)

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
        ref = self.layers[0].weight
        z = torch.randn(n_samples, self.n_features, generator=generator, dtype=ref.dtype)
        return self.inverse(z.to(ref.device))[0]

    def power_iteration(self, n_iterations: int | None = None) -> list[torch.Tensor | None]:
        """Power-iterate every spectrally normalised layer (default: ``n_power_iterations``).

        Returns
        -------
        list of torch.Tensor or None
            Per layer, ``sigma = u^T W v`` for the updated vectors (shape ``(2 * n_couplings,)``,
            no gradient), or ``None`` without spectral normalisation.
        """
        return [layer.power_iteration(n_iterations) for layer in self.layers]
