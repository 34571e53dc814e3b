"""The optimised flow equals a plain autograd transcription of the authors' formulation.

The reference below is deliberately naive: full-width masked inputs, ``nn.functional.linear`` on
``W / max(sigma / k, 1)`` (or ``W / (sigma / k)``), outputs multiplied by ``1 - m``, autograd for
every gradient, masks built from their definition rather than taken from the flow. It shares
parameters and power-iteration vectors with the optimised flow. Both coupling forms, both mask
schemes.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from rrnvp.flow import RealNVPFlow


def reference_masks(d: int, scheme: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The two masks (1 = kept), as the authors' code builds them (``int(d / 2)`` = floor).

    Returns ``(mask of even couplings, mask of odd couplings)`` in the data -> latent order: the
    first coupling applied to data keeps the first half. ``"partition"`` moves the authors'
    ``floor`` to ``ceil`` in the second mask so that the two are complementary.
    """
    half = d // 2
    first_mask, second_mask = torch.zeros(d), torch.zeros(d)
    first_mask[(half if scheme == "authors" else d - half) :] = 1.0  # authors: ones at [d//2:]
    second_mask[: d - half] = 1.0  # ones at [:d - d//2]
    return second_mask, first_mask


def reference_log_prob(
    flow: RealNVPFlow, x: torch.Tensor, k: float, clip: bool, form: str, scheme: str
) -> torch.Tensor:
    """log p(x) by the textbook formula, power-iterating exactly like the optimised flow."""
    if flow.training:
        for layer in flow.layers:
            if layer.spectral_norm:
                with torch.no_grad():  # one power iteration per training forward
                    v = F.normalize(torch.einsum("no,noi->ni", layer._u, layer.weight), dim=-1)
                    u = F.normalize(torch.einsum("noi,ni->no", layer.weight, v), dim=-1)
                    layer._u.copy_(u)
                    layer._v.copy_(v)
    log_det = torch.zeros(x.shape[0], dtype=x.dtype)
    even_mask, odd_mask = reference_masks(x.shape[1], scheme)
    for c in range(flow.n_couplings):
        m = (even_mask if c % 2 == 0 else odd_mask).to(x.dtype)
        outputs = []
        for net in (2 * c, 2 * c + 1):  # s, then t: two separate MLPs on the masked input
            h = x * m
            for index, layer in enumerate(flow.layers):
                weight = layer.weight[net]
                if layer.spectral_norm:
                    u, v = layer._u[net], layer._v[net]
                    ratio = (u @ weight @ v) / k
                    weight = weight / (ratio.clamp(min=1.0) if clip else ratio)
                h = F.linear(h, weight, layer.bias[net])
                if index < len(flow.layers) - 1:
                    h = F.leaky_relu(h, 0.01)
            outputs.append(h)
        s = torch.tanh(outputs[0]) * (1 - m)
        t = outputs[1] * (1 - m)
        if form == "shift-scale":  # the authors' f(x): data -> latent
            x = (1 - m) * (x - t) * torch.exp(-s) + m * x
            log_det = log_det - s.sum(dim=1)
        else:
            x = m * x + (1 - m) * (x * torch.exp(s) + t)
            log_det = log_det + s.sum(dim=1)
    return flow.prior_log_prob(x) + log_det


def paired_flows(d, sn, clip, seed, n_couplings=4, form="shift-scale", scheme="partition"):
    kwargs = dict(
        n_couplings=n_couplings,
        hidden_features=24,
        spectral_norm=sn,
        lipschitz_k=0.8,
        sn_mode="clip" if clip else "divide",
        coupling_form=form,
        masks=scheme,
        dtype=torch.float32,
    )
    fast = RealNVPFlow(d, generator=torch.Generator().manual_seed(seed), **kwargs).train()
    slow = RealNVPFlow(d, generator=torch.Generator().manual_seed(seed), **kwargs).train()
    with torch.no_grad():  # some layers above the bound, some below
        for p_fast, p_slow in zip(fast.parameters(), slow.parameters()):
            p_fast.mul_(2.0)
            p_slow.copy_(p_fast)
    return fast, slow


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 9),
    batch=st.integers(1, 40),
    sn=st.booleans(),
    clip=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
    n_couplings=st.integers(1, 5),
    form=st.sampled_from(["shift-scale", "scale-shift"]),
    scheme=st.sampled_from(["partition", "authors"]),
)
def test_optimised_flow_matches_reference_log_density_and_gradients(
    d, batch, sn, clip, seed, n_couplings, form, scheme
):
    fast, slow = paired_flows(d, sn, clip, seed, n_couplings, form, scheme)
    x = torch.randn(batch, d, generator=torch.Generator().manual_seed(seed + 1))
    for _step in range(2):  # the second step uses power-iterated u, v from the first
        log_p_fast = fast.log_prob(x)
        log_p_slow = reference_log_prob(slow, x, 0.8, clip, form, scheme)
        torch.testing.assert_close(log_p_fast, log_p_slow, rtol=1e-5, atol=1e-5)
        weights = torch.linspace(0.5, 1.5, batch)  # a non-uniform loss, like trimming's
        fast.zero_grad()
        slow.zero_grad()
        (log_p_fast * weights).sum().backward()
        (log_p_slow * weights).sum().backward()
        for (name, p_fast), p_slow in zip(fast.named_parameters(), slow.parameters()):
            scale = p_slow.grad.abs().max().clamp(min=1e-6)
            torch.testing.assert_close(
                p_fast.grad / scale, p_slow.grad / scale, rtol=1e-5, atol=1e-5, msg=name
            )


@pytest.mark.parametrize("scheme", ["partition", "authors"])
@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
@pytest.mark.parametrize("n_couplings", [1, 3, 4])
@pytest.mark.parametrize("sn", [False, True])
def test_input_gradient_matches_reference(sn, n_couplings, form, scheme):
    fast, slow = paired_flows(5, sn, True, 0, n_couplings, form, scheme)
    x = torch.randn(16, 5, generator=torch.Generator().manual_seed(2), requires_grad=True)
    x_ref = x.detach().clone().requires_grad_(True)
    fast.log_prob(x).sum().backward()
    reference_log_prob(slow, x_ref, 0.8, True, form, scheme).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("scheme", ["partition", "authors"])
@pytest.mark.parametrize("d", [4, 6, 7, 9])
def test_six_couplings_use_the_authors_masks_in_their_order(d, scheme):
    """With the authors' 6 couplings, coupling c (data -> latent) uses their mask 5 - c.

    Their list is ``[first, second] * 3`` applied from the last to the first in ``f(x)``; the
    flow's masks must be those, in that order (for ``"authors"``; ``"partition"`` differs from
    them only for odd d).
    """
    flow = RealNVPFlow(d, n_couplings=6, hidden_features=8, masks=scheme)
    half = d // 2
    first_mask, second_mask = torch.zeros(d), torch.zeros(d)
    first_mask[half:] = 1.0
    second_mask[: d - half] = 1.0
    theirs = [first_mask, second_mask] * 3
    ours = [flow.mask(c) for c in range(6)]
    same = all(torch.equal(ours[c], theirs[5 - c]) for c in range(6))
    assert same == (scheme == "authors" or d % 2 == 0)
