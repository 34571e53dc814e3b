"""Forward, inverse and hand-written backward of the whole coupling stack (the training hot path).

Mathematically this is the Real NVP of :mod:`rrnvp.flow` evaluated by autograd; it is written by
hand because autograd's per-operation overhead and its elementwise passes over the spectrally
normalised weight matrices dominated the time of a training step on CPU. What it does differently
(all exact up to float rounding):

* The weights of layer ``l`` of all ``2 * n_couplings`` nets (s and t of every coupling) live in one
  tensor ``(2C, out, in)``: coupling ``c`` uses nets ``2c`` (s) and ``2c + 1`` (t). Spectral norms
  of all nets of a layer are computed with one batched product, and the s and t nets of a coupling
  are evaluated together with one ``bmm`` per layer.
* The masks are contiguous slices, so the first layer multiplies only the kept input columns and
  the last layer computes only the transformed output rows (the other columns/rows meet a zero
  input or a zero mask and contribute nothing to the output or to the gradients of the products).
* Spectral normalisation divides the layer *output* by ``r = max(sigma / k, 1)`` (or ``sigma / k``)
  instead of forming ``W / r``; ``sigma = u^T W v`` is computed on the full weight matrix and its
  gradient ``u v^T * dL/dsigma`` is added to the weight gradient as a rank-one term.
* The masks alternate between two complementary parts, so what coupling ``c`` transforms is what
  coupling ``c + 1`` keeps: the two parts are carried separately and merged once at the end.
* Each coupling's views of the stacked tensors are taken once per step (:func:`coupling_params`).

Two coupling forms (:data:`COUPLING_FORMS`), both mapping data to latent on the transformed columns
with ``s = tanh(.)`` and ``t`` read from the kept columns:

* ``"shift-scale"`` (the authors' density): ``z = (x - t) * exp(-s)``, ``log|det| = -sum(s)``;
* ``"scale-shift"`` (the suite's form before 2026-12-01): ``z = x * exp(s) + t``,
  ``log|det| = sum(s)``. Its operations are those that computed the runs stored with it.

Which columns each coupling keeps and transforms, for both mask schemes, is the
:class:`~rrnvp.coupling_layout.CouplingLayout` carried by :class:`FlowSpec`. Only when both
couplings of a pair split at the same column (the layout is ``alternating``) does what one
transforms equal what the next keeps; otherwise (the authors' masks for odd ``d``) the columns
are merged and split again between couplings.

Changes to this module are kept bit-identical (same float32 operations in the same order) unless
the run protocol is bumped: the committed results were computed with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rrnvp.coupling_layout import CouplingLayout
from rrnvp.linear import SpectralNormMode, lipschitz_divisor, lipschitz_divisor_slope

LEAKY_RELU_SLOPE = 0.01

#: Data -> latent maps of a coupling (see the module docstring); the first is the default.
COUPLING_FORMS: tuple[str, ...] = ("shift-scale", "scale-shift")


@dataclass(frozen=True)
class FlowSpec:
    """Static description of the coupling stack.

    Parameters
    ----------
    layout : CouplingLayout
        Kept and transformed columns of every coupling (and the number of couplings).
    lipschitz_k : float
        Bound ``k`` of the spectral normalisation (unused without it).
    sn_mode : {"clip", "divide"}
        Form of the spectral normalisation; see :func:`rrnvp.linear.lipschitz_divisor`.
    form : {"shift-scale", "scale-shift"}, default="shift-scale"
        Coupling form (:data:`COUPLING_FORMS`).
    """

    layout: CouplingLayout
    lipschitz_k: float
    sn_mode: SpectralNormMode
    form: str = "shift-scale"

    def __post_init__(self) -> None:
        if self.form not in COUPLING_FORMS:
            raise ValueError(f"coupling form must be one of {COUPLING_FORMS}, got {self.form!r}")

    @property
    def n_couplings(self) -> int:
        """Number of couplings."""
        return self.layout.n_couplings

    @property
    def masks(self) -> str:
        """The mask scheme of the layout."""
        return self.layout.masks


def spectral_divisors(
    sigmas: list[torch.Tensor | None], spec: FlowSpec
) -> tuple[list[torch.Tensor | None], list[torch.Tensor | None]]:
    """Per layer, the divisor ``r`` of every net (shape ``(2C,)``) and ``dr/dsigma``.

    ``sigmas`` holds each layer's spectral-norm estimates ``u^T W v`` (``None`` without spectral
    normalisation, for which both returned entries are ``None`` too). ``r`` and its slope are
    :func:`~rrnvp.linear.lipschitz_divisor` and :func:`~rrnvp.linear.lipschitz_divisor_slope`,
    the functions :class:`~rrnvp.linear.StackedLinear` uses.
    """
    divisors: list[torch.Tensor | None] = []
    slopes: list[torch.Tensor | None] = []
    for sigma in sigmas:
        if sigma is None:
            divisors.append(None)
            slopes.append(None)
            continue
        divisors.append(lipschitz_divisor(sigma, spec.lipschitz_k, spec.sn_mode))
        slopes.append(lipschitz_divisor_slope(sigma, spec.lipschitz_k, spec.sn_mode))
    return divisors, slopes


def _per_coupling(
    stacked: torch.Tensor,
    spec: FlowSpec,
    *,
    free_dim: int | None = None,
    kept_dim: int | None = None,
) -> list[torch.Tensor]:
    """Per coupling ``c``, the ``(2, ...)`` view of its nets ``2c`` (s) and ``2c + 1`` (t).

    ``stacked`` has the ``2C`` nets in its first dimension. Dimension ``free_dim`` is restricted to
    the coupling's transformed columns (last layer: weight rows and biases) and ``kept_dim`` to its
    kept columns (first layer: weight columns). The views are taken with a few operations on all
    couplings at once: the layout is the same for all couplings of one parity.
    """
    layout = spec.layout
    n_couplings = layout.n_couplings
    pairs = stacked.view(n_couplings, 2, *stacked.shape[1:])
    if free_dim is None and kept_dim is None:
        return list(pairs.unbind(0))
    views: list[torch.Tensor] = [stacked] * n_couplings
    for parity in (0, 1):
        kept, free = layout.kept(parity), layout.transformed(parity)
        index = [slice(None)] * pairs.dim()
        index[0] = slice(parity, None, 2)
        if free_dim is not None:
            index[free_dim + 1] = free
        if kept_dim is not None:
            index[kept_dim + 1] = kept
        views[parity::2] = pairs[tuple(index)].unbind(0)
    return views


@dataclass
class CouplingParams:
    """What coupling ``c``'s s and t nets use, per layer (restricted views, no copies).

    ``weights[l]`` is ``(2, out, in)`` with only the kept input columns (first layer) and the
    transformed output rows (last layer); ``biases[l]`` is ``(2, 1, out)``; ``divisors[l]`` is
    ``(2, 1, 1)`` or ``None`` without spectral normalisation.
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    divisors: list[torch.Tensor | None]


def coupling_params(
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    divisors: list[torch.Tensor | None],
    spec: FlowSpec,
) -> list[CouplingParams]:
    """Split the per-layer stacks into one :class:`CouplingParams` per coupling."""
    n_layers = len(weights)
    last = n_layers - 1
    per_layer_w = [
        _per_coupling(w, spec, free_dim=1 if i == last else None, kept_dim=2 if i == 0 else None)
        for i, w in enumerate(weights)
    ]
    per_layer_b = [
        _per_coupling(b.unsqueeze(1), spec, free_dim=2 if i == last else None)
        for i, b in enumerate(biases)
    ]
    per_layer_r = [None if r is None else _per_coupling(r.view(-1, 1, 1), spec) for r in divisors]
    return [
        CouplingParams(
            weights=[per_layer_w[i][c] for i in range(n_layers)],
            biases=[per_layer_b[i][c] for i in range(n_layers)],
            divisors=[None if r is None else r[c] for r in per_layer_r],
        )
        for c in range(spec.n_couplings)
    ]


def conditioner(
    x_kept: torch.Tensor, params: CouplingParams, saved: list[torch.Tensor] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``s`` (after tanh) and ``t`` of one coupling for its transformed columns.

    When ``saved`` is a list, what the backward pass needs is appended to it: for every layer its
    input and its product ``a = h W^T`` before scaling, and for hidden layers the activation.
    """
    n_layers = len(params.weights)
    h = x_kept.unsqueeze(0).expand(2, *x_kept.shape)  # s and t read the same input
    for index, (w, b, divisor) in enumerate(zip(params.weights, params.biases, params.divisors)):
        a = torch.bmm(h, w.transpose(1, 2))
        if saved is not None:
            saved.extend((h, a))
        z = a + b if divisor is None else torch.addcdiv(b, a, divisor)
        if index < n_layers - 1:
            # In place: z is not needed again (the backward uses the output, whose sign is z's).
            h = torch.nn.functional.leaky_relu(z, LEAKY_RELU_SLOPE, inplace=True)
            if saved is not None:
                saved.append(h)
        else:
            h = z
    return torch.tanh(h[0]), h[1]


def _to_latent(x_free: torch.Tensor, s: torch.Tensor, t: torch.Tensor, form: str) -> torch.Tensor:
    """The transformed columns of one coupling, data -> latent."""
    if form == "scale-shift":
        return torch.addcmul(t, x_free, torch.exp(s))
    return (x_free - t) * torch.exp(-s)


def _to_data(z_free: torch.Tensor, s: torch.Tensor, t: torch.Tensor, form: str) -> torch.Tensor:
    """The transformed columns of one coupling, latent -> data (inverse of :func:`_to_latent`)."""
    if form == "scale-shift":
        return (z_free - t) * torch.exp(-s)
    return torch.addcmul(t, z_free, torch.exp(s))


def flow_forward(
    x: torch.Tensor,
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    divisors: list[torch.Tensor | None],
    spec: FlowSpec,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``z = f(x)`` and ``log|det df/dx|`` per row (plain operations; autograd works through).

    Parameters
    ----------
    x : torch.Tensor
        Data, shape ``(batch, d)``.
    weights, biases : list of torch.Tensor
        Per layer, the stacked parameters ``(2C, out, in)`` and ``(2C, out)``
        (:meth:`rrnvp.flow.RealNVPFlow.stacked_parameters`).
    divisors : list of torch.Tensor or None
        Per layer, the spectral-normalisation divisors ``(2C,)`` (:func:`spectral_divisors`), or
        ``None`` for an unnormalised layer.
    spec : FlowSpec
        Layout, coupling form and spectral-normalisation settings.

    Returns
    -------
    tuple of torch.Tensor
        ``z`` of shape ``(batch, d)`` and ``log|det df/dx|`` of shape ``(batch,)``.
    """
    layout = spec.layout
    log_det = x.new_zeros(x.shape[0])
    for c, params in enumerate(coupling_params(weights, biases, divisors, spec)):
        x_kept, x_free = x[:, layout.kept(c)], x[:, layout.transformed(c)]
        s, t = conditioner(x_kept, params)
        x = layout.merge(x_kept, _to_latent(x_free, s, t, spec.form), c)
        if spec.form == "scale-shift":
            log_det = log_det + s.sum(dim=1)
        else:
            log_det = log_det - s.sum(dim=1)
    return x, log_det


def flow_inverse(
    z: torch.Tensor,
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    divisors: list[torch.Tensor | None],
    spec: FlowSpec,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x = f^{-1}(z)`` and ``log|det df^{-1}/dz|`` per row: the exact inverse of the forward.

    Same parameters as :func:`flow_forward`, with latent rows ``z`` in place of ``x``.
    """
    layout = spec.layout
    log_det = z.new_zeros(z.shape[0])
    all_params = coupling_params(weights, biases, divisors, spec)
    for c in reversed(range(spec.n_couplings)):
        z_kept, z_free = z[:, layout.kept(c)], z[:, layout.transformed(c)]
        s, t = conditioner(z_kept, all_params[c])
        z = layout.merge(z_kept, _to_data(z_free, s, t, spec.form), c)
        if spec.form == "scale-shift":
            log_det = log_det - s.sum(dim=1)
        else:
            log_det = log_det + s.sum(dim=1)
    return z, log_det


class FlowFunction(torch.autograd.Function):
    """The coupling stack as one autograd node with a hand-written backward.

    ``apply(x, spec, n_layers, sigmas, *weights, *biases, *us, *vs)`` with per-layer stacked
    weights ``(2C, out, in)`` and biases ``(2C, out)``; with spectral normalisation, ``sigmas`` is
    the list of per-layer estimates ``u^T W v`` (shape ``(2C,)``, computed by the caller, e.g. by
    the power iteration) and ``us`` ``(2C, out)`` and ``vs`` ``(2C, in)`` are the vectors they
    were computed with; without it ``sigmas`` is ``None`` and the vectors are omitted.
    Returns ``(z, log_det)``.
    """

    @staticmethod
    def forward(ctx, x, spec: FlowSpec, n_layers: int, sigmas, *tensors):
        weights = list(tensors[:n_layers])
        biases = list(tensors[n_layers : 2 * n_layers])
        sn = sigmas is not None
        divisors, slopes = spectral_divisors(sigmas if sn else [None] * n_layers, spec)
        params = coupling_params(weights, biases, divisors, spec)
        log_det = x.new_zeros(x.shape[0])
        per_coupling: list[tuple] = []
        x = x.clone()  # intermediates kept for backward must not alias the caller's input
        scale_shift = spec.form == "scale-shift"
        # With alternating masks what coupling c transforms is what coupling c + 1 keeps: the two
        # parts are carried separately and merged once at the end. Otherwise (the authors' masks
        # for odd d) they are merged and split again between couplings.
        layout = spec.layout
        x_kept, x_free = x[:, layout.kept(0)], x[:, layout.transformed(0)]
        for c in range(spec.n_couplings):
            if c > 0 and not layout.alternating:
                merged = layout.merge(x_free, x_kept, c - 1)
                x_kept, x_free = merged[:, layout.kept(c)], merged[:, layout.transformed(c)]
            saved: list[torch.Tensor] = []
            s, t = conditioner(x_kept, params[c], saved)
            if scale_shift:
                exp_s = torch.exp(s)
                per_coupling.append((x_free, s, exp_s, saved))
                x_kept, x_free = torch.addcmul(t, x_free, exp_s), x_kept
                log_det = log_det + s.sum(dim=1)
            else:
                # Saved for backward: the output y = (x - t) * exp(-s) and exp(-s).
                exp_neg_s = torch.exp(-s)
                y_free = (x_free - t) * exp_neg_s
                per_coupling.append((y_free, s, exp_neg_s, saved))
                x_kept, x_free = y_free, x_kept
                log_det = log_det - s.sum(dim=1)
        x = layout.merge(x_free, x_kept, spec.n_couplings - 1)
        ctx.spec, ctx.n_layers, ctx.sn = spec, n_layers, sn
        ctx.params, ctx.divisors, ctx.slopes = params, divisors, slopes
        ctx.per_coupling = per_coupling
        # The weights are saved (not only their views in ``params``) so that autograd detects an
        # in-place change between forward and backward.
        ctx.save_for_backward(*weights, *tensors[2 * n_layers :])
        return x, log_det

    @staticmethod
    def backward(ctx, grad_z, grad_log_det):
        spec, n_layers, sn = ctx.spec, ctx.n_layers, ctx.sn
        saved_tensors = ctx.saved_tensors
        weights = saved_tensors[:n_layers]
        first, last = 0, n_layers - 1
        # Every net's slice of every weight gradient is fully written below (the rank-one sigma
        # term covers the whole matrix; without SN the sliced first and last layers are zeroed).
        grad_weights = [torch.empty_like(w) for w in weights]
        grad_biases = [w.new_zeros(w.shape[:2]) for w in weights]
        # Per layer and coupling: the whole (2, out, in) gradient of the coupling's two nets, the
        # part its products reach (first and last layers only) and the bias gradient's used part.
        grad_w_full = [_per_coupling(g, spec) for g in grad_weights]
        grad_w_used = {
            i: _per_coupling(
                grad_weights[i],
                spec,
                free_dim=1 if i == last else None,
                kept_dim=2 if i == first else None,
            )
            for i in {first, last}
        }
        grad_b = [
            _per_coupling(g, spec, free_dim=1 if i == last else None)
            for i, g in enumerate(grad_biases)
        ]
        if sn:
            us = saved_tensors[n_layers : 2 * n_layers]
            vs = saved_tensors[2 * n_layers : 3 * n_layers]
            u_pairs = [_per_coupling(u.unsqueeze(2), spec) for u in us]
            v_pairs = [_per_coupling(v.unsqueeze(1), spec) for v in vs]
            # -r and dr/dsigma shaped (2, 1, 1) per coupling: (-x) / r and x / (-r) are the same
            # float, so the sign is folded into the divisor once per layer.
            neg_r_pairs = [_per_coupling(-r.view(-1, 1, 1), spec) for r in ctx.divisors]
            slope_pairs = [_per_coupling(r.view(-1, 1, 1), spec) for r in ctx.slopes]
        grad_log_det = grad_log_det.unsqueeze(1)
        layout = spec.layout
        last_coupling = spec.n_couplings - 1
        # Gradients of the parts the last coupling keeps and transforms (see forward).
        grad_kept = grad_z[:, layout.kept(last_coupling)]
        grad_free = grad_z[:, layout.transformed(last_coupling)]
        need_input_grad = ctx.needs_input_grad[0]

        scale_shift = spec.form == "scale-shift"
        for c in reversed(range(spec.n_couplings)):
            free_tensor, s, exp_factor, saved = ctx.per_coupling[c]
            params = ctx.params[c]
            input_grad = c > 0 or need_input_grad
            if scale_shift:
                # y_free = x_free * exp(s) + t, log_det += sum(s), s = tanh(pre_s).
                x_free, exp_s = free_tensor, exp_factor
                grad_s = torch.addcmul(grad_log_det, grad_free * x_free, exp_s)
                grad_net = torch.stack((grad_s * (1.0 - s * s), grad_free))
                if input_grad:
                    grad_x_free = grad_free * exp_s
            else:
                # y_free = (x_free - t) * exp(-s), log_det -= sum(s): dy/ds = -y, dy/dt = -exp(-s).
                y_free, exp_neg_s = free_tensor, exp_factor
                grad_x_free = grad_free * exp_neg_s
                # -(grad_log_det + grad_y * y) * (1 - s^2), the sign folded into (s^2 - 1).
                grad_s = torch.addcmul(grad_log_det, grad_free, y_free)
                grad_net = torch.stack(
                    (grad_s * torch.addcmul(s.new_tensor(-1.0), s, s), grad_x_free.neg())
                )
            if input_grad:
                grad_x_kept = grad_kept
            for index in reversed(range(n_layers)):
                is_first, is_last = index == first, index == last
                w = params.weights[index]
                h_in, a = saved[3 * index], saved[3 * index + 1]
                if is_last:
                    grad_b[index][c].copy_(grad_net.sum(dim=1))
                else:
                    torch.sum(grad_net, dim=1, out=grad_b[index][c])
                grad_weight = grad_w_full[index][c]
                if sn:
                    grad_a = grad_net / params.divisors[index]
                    # sigma = u^T W v: dL/dW gets (dL/dr)(dr/dsigma) u v^T, where
                    # dL/dr = -sum(grad_a * a) / r.
                    grad_r = (grad_a * a).sum(dim=(1, 2), keepdim=True) / neg_r_pairs[index][c]
                    coef = grad_r * slope_pairs[index][c]
                    torch.mul(coef * u_pairs[index][c], v_pairs[index][c], out=grad_weight)
                else:
                    grad_a = grad_net
                    if is_first or is_last:
                        grad_weight.zero_()
                if is_first:  # narrow input: CPU bmm is slow with few output columns, so transpose
                    grad_w = torch.bmm(h_in.transpose(1, 2), grad_a).transpose(1, 2)
                    if input_grad:
                        grad_h = torch.bmm(w.transpose(1, 2), grad_a.transpose(1, 2)).transpose(
                            1, 2
                        )
                else:
                    grad_h = torch.bmm(grad_a, w)
                if is_first or is_last:
                    if not is_first:
                        grad_w = torch.bmm(grad_a.transpose(1, 2), h_in)
                    grad_w_used[index][c].add_(grad_w)
                elif sn:
                    grad_weight.baddbmm_(grad_a.transpose(1, 2), h_in)
                else:
                    torch.bmm(grad_a.transpose(1, 2), h_in, out=grad_weight)
                if not is_first:
                    activation = saved[3 * (index - 1) + 2]
                    grad_net = torch.ops.aten.leaky_relu_backward(
                        grad_h, activation, LEAKY_RELU_SLOPE, True
                    )
                elif input_grad:  # s and t read the same input: their input gradients add up
                    grad_x_kept = grad_x_kept + grad_h.sum(dim=0)
            if input_grad and c > 0 and not layout.alternating:
                merged = layout.merge(grad_x_kept, grad_x_free, c)
                grad_kept = merged[:, layout.kept(c - 1)]
                grad_free = merged[:, layout.transformed(c - 1)]
            elif input_grad:  # coupling c - 1 transforms what c keeps and keeps what c transforms
                grad_kept, grad_free = grad_x_free, grad_x_kept

        n_vectors = 2 * n_layers if sn else 0
        grad_x = layout.merge(grad_free, grad_kept, 0) if need_input_grad else None
        return (grad_x, None, None, None, *grad_weights, *grad_biases, *([None] * n_vectors))
