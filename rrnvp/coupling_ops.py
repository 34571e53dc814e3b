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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

LEAKY_RELU_SLOPE = 0.01


@dataclass(frozen=True)
class FlowSpec:
    """Static description of the coupling stack.

    Coupling ``c`` keeps (conditions on) the first ``ceil(d/2)`` dimensions when ``c`` is even and
    the remaining ones when ``c`` is odd, and transforms the others.
    """

    n_features: int
    n_couplings: int
    lipschitz_k: float
    clip: bool  # True: r = max(sigma / k, 1); False: r = sigma / k

    def kept(self, coupling: int) -> slice:
        """Columns kept (conditioning) by ``coupling``."""
        split = math.ceil(self.n_features / 2)
        return slice(0, split) if coupling % 2 == 0 else slice(split, self.n_features)

    def free(self, coupling: int) -> slice:
        """Columns transformed by ``coupling``."""
        split = math.ceil(self.n_features / 2)
        return slice(split, self.n_features) if coupling % 2 == 0 else slice(0, split)


def spectral_divisors(
    sigmas: list[torch.Tensor | None], spec: FlowSpec
) -> tuple[list[torch.Tensor | None], list[torch.Tensor | None]]:
    """Per layer, the divisor ``r`` of every net (shape ``(2C,)``) and ``dr/dsigma``.

    ``sigmas`` holds each layer's spectral-norm estimates ``u^T W v`` (``None`` without spectral
    normalisation, for which both returned entries are ``None`` too).
    """
    divisors: list[torch.Tensor | None] = []
    slopes: list[torch.Tensor | None] = []
    for sigma in sigmas:
        if sigma is None:
            divisors.append(None)
            slopes.append(None)
            continue
        ratio = sigma / spec.lipschitz_k
        if spec.clip:
            divisors.append(ratio.clamp(min=1.0))
            slopes.append((ratio >= 1.0).to(ratio.dtype) / spec.lipschitz_k)
        else:
            divisors.append(ratio)
            slopes.append(torch.full_like(ratio, 1.0 / spec.lipschitz_k))
    return divisors, slopes


def _nets(coupling: int) -> slice:
    return slice(2 * coupling, 2 * coupling + 2)


def _layer_view(weight: torch.Tensor, index: int, n_layers: int, coupling: int, spec: FlowSpec):
    """Coupling ``coupling``'s s and t weights of layer ``index``, restricted to what is used."""
    weight = weight[_nets(coupling)]
    if index == 0:
        weight = weight[:, :, spec.kept(coupling)]
    if index == n_layers - 1:
        weight = weight[:, spec.free(coupling), :]
    return weight


def conditioner(
    x_kept: torch.Tensor,
    coupling: int,
    weights: list[torch.Tensor],
    biases: list[torch.Tensor],
    divisors: list[torch.Tensor | None],
    spec: FlowSpec,
    saved: list[torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``s`` (after tanh) and ``t`` of ``coupling`` for its transformed columns.

    When ``saved`` is a list, what the backward pass needs is appended to it: for every layer its
    input and its product ``a = h W^T`` before scaling, and for hidden layers the activation.
    """
    n_layers = len(weights)
    nets = _nets(coupling)
    h = x_kept.unsqueeze(0).expand(2, *x_kept.shape)  # s and t read the same input
    for index, (weight, bias, divisor) in enumerate(zip(weights, biases, divisors)):
        w = _layer_view(weight, index, n_layers, coupling, spec)
        b = bias[nets, spec.free(coupling)] if index == n_layers - 1 else bias[nets]
        a = torch.bmm(h, w.transpose(1, 2))
        if saved is not None:
            saved.extend((h, a))
        if divisor is None:
            z = a + b.unsqueeze(1)
        else:
            z = torch.addcdiv(b.unsqueeze(1), a, divisor[nets].view(2, 1, 1))
        if index < n_layers - 1:
            # In place: z is not needed again (the backward uses the output, whose sign is z's).
            h = torch.nn.functional.leaky_relu(z, LEAKY_RELU_SLOPE, inplace=True)
            if saved is not None:
                saved.append(h)
        else:
            h = z
    return torch.tanh(h[0]), h[1]


def _merge(kept_part: torch.Tensor, free_part: torch.Tensor, kept: slice) -> torch.Tensor:
    if kept.start == 0:
        return torch.cat((kept_part, free_part), dim=1)
    return torch.cat((free_part, kept_part), dim=1)


def flow_forward(x, weights, biases, divisors, spec: FlowSpec):
    """``z = f(x)`` and ``log|det df/dx|`` per row (plain operations; autograd works through)."""
    log_det = x.new_zeros(x.shape[0])
    for c in range(spec.n_couplings):
        kept, free = spec.kept(c), spec.free(c)
        x_kept, x_free = x[:, kept], x[:, free]
        s, t = conditioner(x_kept, c, weights, biases, divisors, spec)
        x = _merge(x_kept, torch.addcmul(t, x_free, torch.exp(s)), kept)
        log_det = log_det + s.sum(dim=1)
    return x, log_det


def flow_inverse(z, weights, biases, divisors, spec: FlowSpec):
    """``x = f^{-1}(z)`` and ``log|det df^{-1}/dz|`` per row: the exact inverse of the forward."""
    log_det = z.new_zeros(z.shape[0])
    for c in reversed(range(spec.n_couplings)):
        kept, free = spec.kept(c), spec.free(c)
        z_kept, z_free = z[:, kept], z[:, free]
        s, t = conditioner(z_kept, c, weights, biases, divisors, spec)
        z = _merge(z_kept, (z_free - t) * torch.exp(-s), kept)
        log_det = log_det - s.sum(dim=1)
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
        log_det = x.new_zeros(x.shape[0])
        per_coupling: list[tuple] = []
        x = x.clone()  # intermediates kept for backward must not alias the caller's input
        for c in range(spec.n_couplings):
            kept, free = spec.kept(c), spec.free(c)
            x_kept, x_free = x[:, kept], x[:, free]
            saved: list[torch.Tensor] = []
            s, t = conditioner(x_kept, c, weights, biases, divisors, spec, saved)
            exp_s = torch.exp(s)
            per_coupling.append((x_free, s, exp_s, saved))
            x = _merge(x_kept, torch.addcmul(t, x_free, exp_s), kept)
            log_det = log_det + s.sum(dim=1)
        ctx.spec, ctx.n_layers, ctx.sn = spec, n_layers, sn
        ctx.divisors, ctx.slopes = divisors, slopes
        ctx.per_coupling = per_coupling
        ctx.save_for_backward(*weights, *tensors[2 * n_layers :])
        return x, log_det

    @staticmethod
    def backward(ctx, grad_z, grad_log_det):
        spec, n_layers, sn = ctx.spec, ctx.n_layers, ctx.sn
        saved_tensors = ctx.saved_tensors
        weights = saved_tensors[:n_layers]
        us = saved_tensors[n_layers : 2 * n_layers] if sn else None
        vs = saved_tensors[2 * n_layers : 3 * n_layers] if sn else None
        # Every net's slice of every weight gradient is fully written below (the rank-one sigma
        # term covers the whole matrix; without SN the sliced first and last layers are zeroed).
        grad_weights = [torch.empty_like(w) for w in weights]
        grad_biases = [w.new_zeros(w.shape[:2]) for w in weights]
        grad_log_det = grad_log_det.unsqueeze(1)
        grad = grad_z

        for c in reversed(range(spec.n_couplings)):
            x_free, s, exp_s, saved = ctx.per_coupling[c]
            kept, free, nets = spec.kept(c), spec.free(c), _nets(c)
            grad_free = grad[:, free]
            # Output stage: y_free = x_free * exp(s) + t, log_det += sum(s), s = tanh(pre_s).
            grad_s = torch.addcmul(grad_log_det, grad_free * x_free, exp_s)
            grad_net = torch.stack((grad_s * (1.0 - s * s), grad_free))
            grad_x_free = grad_free * exp_s
            grad_x_kept = grad[:, kept]
            for index in reversed(range(n_layers)):
                first, last = index == 0, index == n_layers - 1
                w = _layer_view(weights[index], index, n_layers, c, spec)
                h_in, a = saved[3 * index], saved[3 * index + 1]
                bias_grad = grad_biases[index][nets]
                if last:
                    bias_grad[:, free] = grad_net.sum(dim=1)
                else:
                    torch.sum(grad_net, dim=1, out=bias_grad)
                grad_weight = grad_weights[index][nets]
                if sn:
                    divisor = ctx.divisors[index][nets]
                    grad_a = grad_net / divisor.view(2, 1, 1)
                    # sigma = u^T W v: dL/dW gets (dL/dr)(dr/dsigma) u v^T, where
                    # dL/dr = -sum(grad_a * a) / r.
                    grad_r = -(grad_a * a).sum(dim=(1, 2)) / divisor
                    coef = (grad_r * ctx.slopes[index][nets]).unsqueeze(1)
                    torch.mul(
                        (coef * us[index][nets]).unsqueeze(2),
                        vs[index][nets].unsqueeze(1),
                        out=grad_weight,
                    )
                else:
                    grad_a = grad_net
                    if first or last:
                        grad_weight.zero_()
                if first:  # narrow input: CPU bmm is slow with few output columns, so transpose
                    grad_w = torch.bmm(h_in.transpose(1, 2), grad_a).transpose(1, 2)
                    grad_h = torch.bmm(w.transpose(1, 2), grad_a.transpose(1, 2)).transpose(1, 2)
                else:
                    grad_h = torch.bmm(grad_a, w)
                if first or last:
                    if not first:
                        grad_w = torch.bmm(grad_a.transpose(1, 2), h_in)
                    _layer_view(grad_weights[index], index, n_layers, c, spec).add_(grad_w)
                elif sn:
                    grad_weight.baddbmm_(grad_a.transpose(1, 2), h_in)
                else:
                    torch.bmm(grad_a.transpose(1, 2), h_in, out=grad_weight)
                if not first:
                    activation = saved[3 * (index - 1) + 2]
                    grad_net = torch.ops.aten.leaky_relu_backward(
                        grad_h, activation, LEAKY_RELU_SLOPE, True
                    )
                else:  # s and t read the same input: their input gradients add up
                    grad_x_kept = grad_x_kept + grad_h.sum(dim=0)
            grad = _merge(grad_x_kept, grad_x_free, kept)

        n_vectors = 2 * n_layers if sn else 0
        return (grad, None, None, None, *grad_weights, *grad_biases, *([None] * n_vectors))
