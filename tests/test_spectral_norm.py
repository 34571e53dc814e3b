"""The k-Lipschitz spectral normalisation bound, both forms."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rrnvp.flow import RealNVPFlow
from rrnvp.linear import StackedLinear


def converge(layer: StackedLinear) -> None:
    """Put the power-iteration vectors at their fixed point (the top singular pair), then iterate.

    Plain power iteration converges arbitrarily slowly when the top two singular values are close
    (random matrices often have such pairs), so the fixed point is set from an SVD; the iterations
    afterwards check that it is one.
    """
    with torch.no_grad():
        left, _, right_h = torch.linalg.svd(layer.weight)
        layer._u.copy_(left[..., :, 0])
        layer._v.copy_(right_h[..., 0, :])
    layer.power_iteration(20)


def effective_operator_norms(layer: StackedLinear) -> torch.Tensor:
    layer.eval()
    with torch.no_grad():
        weight = layer.effective_weight()
    return torch.linalg.matrix_norm(weight, ord=2)


@settings(max_examples=40, deadline=None)
@given(
    n_in=st.integers(1, 40),
    n_out=st.integers(1, 40),
    k=st.floats(0.1, 5.0),
    scale=st.floats(0.01, 50.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_clip_form_bounds_operator_norm_by_k(n_in, n_out, k, scale, seed):
    layer = StackedLinear(
        2,
        n_in,
        n_out,
        spectral_norm=True,
        lipschitz_k=k,
        sn_mode="clip",
        generator=torch.Generator().manual_seed(seed),
        dtype=torch.float64,
    )
    with torch.no_grad():
        layer.weight.mul_(scale)
    converge(layer)
    true_norms = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)
    norms = effective_operator_norms(layer)
    assert torch.all(norms <= k * (1 + 1e-4)), (norms, k)
    # Clip form only shrinks: a layer already within the bound is left unchanged.
    expected = torch.minimum(true_norms, torch.full_like(true_norms, k))
    torch.testing.assert_close(norms, expected, rtol=1e-4, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(k=st.floats(0.1, 5.0), scale=st.floats(0.01, 50.0), seed=st.integers(0, 2**31 - 1))
def test_divide_form_sets_operator_norm_to_k(k, scale, seed):
    layer = StackedLinear(
        2,
        12,
        9,
        spectral_norm=True,
        lipschitz_k=k,
        sn_mode="divide",
        generator=torch.Generator().manual_seed(seed),
        dtype=torch.float64,
    )
    with torch.no_grad():
        layer.weight.mul_(scale)
    converge(layer)
    torch.testing.assert_close(
        effective_operator_norms(layer), torch.full((2,), k, dtype=torch.float64), rtol=1e-4, atol=0
    )


def _small_flow(coupling_form: str, masks: str, **options) -> RealNVPFlow:
    """5-d, 4 couplings of 32 hidden units, float64."""
    return RealNVPFlow(
        5,
        n_couplings=4,
        hidden_features=32,
        coupling_form=coupling_form,
        masks=masks,
        dtype=torch.float64,
        **options,
    )


def _trained_flow(coupling_form: str, masks: str, sn_mode: str, k: float) -> RealNVPFlow:
    """A small flow trained with large steps, so that training pushes raw norms above ``k``."""
    flow = _small_flow(
        coupling_form,
        masks,
        spectral_norm=True,
        lipschitz_k=k,
        sn_mode=sn_mode,
        generator=torch.Generator().manual_seed(0),
    )
    optimizer = torch.optim.Adam(flow.parameters(), lr=5e-2)
    data = 4 * torch.randn(256, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    flow.train()
    for _ in range(30):
        loss = -flow.log_prob(data).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return flow


@pytest.mark.parametrize(
    ("coupling_form", "masks", "sn_mode"),
    [
        ("shift-scale", "partition", "clip"),
        ("scale-shift", "partition", "clip"),
        ("shift-scale", "authors", "clip"),
        ("shift-scale", "partition", "divide"),
    ],
)
def test_a_trained_flow_computes_with_weights_whose_norms_are_at_most_k(
    coupling_form, masks, sn_mode
):
    """What the flow computes (both its no-grad and its autograd path) equals an unnormalised
    flow whose weights were scaled here, from an SVD, to operator norm ``min(sigma, k)`` (clip)
    or ``k`` (divide): every Linear layer of s and t acts with a norm of at most ``k``."""
    k = 1.5
    flow = _trained_flow(coupling_form, masks, sn_mode, k)
    layers = [m for m in flow.modules() if isinstance(m, StackedLinear)]
    assert len(layers) == 3 and all(m.n_nets == 2 * 4 for m in layers)  # s and t of 4 couplings
    raw = torch.cat([torch.linalg.matrix_norm(m.weight.detach(), ord=2) for m in layers])
    assert raw.max() > 1.5 * k, "training should have pushed some raw weight norm above k"
    for layer in layers:
        converge(layer)  # the flow's own estimate is then the true top singular value
    reference = _small_flow(coupling_form, masks, spectral_norm=False)
    with torch.no_grad():
        for ours, theirs in zip(layers, reference.layers, strict=True):
            sigma = torch.linalg.matrix_norm(ours.weight, ord=2)
            target = torch.clamp(sigma, max=k) if sn_mode == "clip" else torch.full_like(sigma, k)
            theirs.weight.copy_(ours.weight * (target / sigma)[:, None, None])
            theirs.bias.copy_(ours.bias)
            assert torch.all(torch.linalg.matrix_norm(theirs.weight, ord=2) <= k * (1 + 1e-9))
    x = 3 * torch.randn(64, 5, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    flow.eval()
    expected = reference(x)
    with torch.no_grad():
        fast = flow(x)
    with_grad = flow(x.clone().requires_grad_(True))
    for got in (fast, with_grad):
        torch.testing.assert_close(got[0], expected[0], rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(got[1], expected[1], rtol=1e-9, atol=1e-9)


def test_power_iteration_converges_to_the_top_singular_value():
    generator = torch.Generator().manual_seed(0)
    layer = StackedLinear(3, 30, 20, spectral_norm=True, generator=generator, dtype=torch.float64)
    with torch.no_grad():  # give every matrix a clear spectral gap
        left, values, right_h = torch.linalg.svd(layer.weight, full_matrices=False)
        values[:, 0] = 2.0 * values[:, 1]
        layer.weight.copy_(left @ torch.diag_embed(values) @ right_h)
    layer.power_iteration(200)
    torch.testing.assert_close(layer.sigma(), values[:, 0], rtol=1e-10, atol=0)


def test_power_iteration_runs_only_in_training_mode():
    layer = StackedLinear(2, 6, 4, spectral_norm=True, generator=torch.Generator().manual_seed(0))
    u_before = layer._u.clone()
    layer.eval()
    layer(torch.randn(3, 6))
    assert torch.equal(layer._u, u_before)
    layer.train()
    layer(torch.randn(3, 6))
    assert not torch.equal(layer._u, u_before)


def test_gradient_flows_through_sigma():
    """sigma = u^T W v is part of the graph (as in Miyato et al.), u and v are not."""
    layer = StackedLinear(
        1, 3, 3, spectral_norm=True, lipschitz_k=0.1, generator=torch.Generator().manual_seed(0)
    )
    layer.train()
    out = layer(torch.eye(3)).sum()
    out.backward()
    weight = layer.weight.detach()[0]
    u, v = layer._u[0], layer._v[0]
    sigma = u @ weight @ v
    # Analytic gradient of sum((W / (sigma / k)) x + b) over x = I, i.e. of sum(W) * k / sigma.
    k = 0.1
    expected = k / sigma * torch.ones(3, 3) - (k * weight.sum() / sigma**2) * torch.outer(u, v)
    torch.testing.assert_close(layer.weight.grad[0], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("bad_k", [0.0, -1.0])
def test_nonpositive_k_is_rejected(bad_k):
    with pytest.raises(ValueError, match="lipschitz_k"):
        StackedLinear(1, 2, 2, spectral_norm=True, lipschitz_k=bad_k)


@pytest.mark.parametrize("n_iterations", [1, 3])
def test_power_iteration_returns_sigma_of_the_updated_vectors(n_iterations):
    layer = StackedLinear(
        3, 7, 5, spectral_norm=True, generator=torch.Generator().manual_seed(4), dtype=torch.float64
    )
    u_before = layer._u.clone()
    sigma = layer.power_iteration(n_iterations)
    assert not torch.equal(layer._u, u_before)
    expected = torch.einsum("no,noi,ni->n", layer._u, layer.weight.detach(), layer._v)
    torch.testing.assert_close(sigma, expected)
    torch.testing.assert_close(sigma, layer.sigma().detach())


def test_zero_power_iterations_leave_the_vectors_and_give_the_current_sigma():
    layer = StackedLinear(
        2, 6, 4, spectral_norm=True, generator=torch.Generator().manual_seed(5), dtype=torch.float64
    )
    u_before, v_before = layer._u.clone(), layer._v.clone()
    sigma = layer.power_iteration(0)
    assert torch.equal(layer._u, u_before) and torch.equal(layer._v, v_before)
    torch.testing.assert_close(sigma, layer.sigma().detach())


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_the_flow_exposes_its_stacked_parameters_and_singular_vectors(spectral_norm):
    flow = RealNVPFlow(
        5, n_couplings=3, hidden_features=8, spectral_norm=spectral_norm, lipschitz_k=0.5
    )
    weights, biases = flow.stacked_parameters()
    assert [w.shape for w in weights] == [(6, 8, 5), (6, 8, 8), (6, 5, 8)]
    assert [b.shape for b in biases] == [(6, 8), (6, 8), (6, 5)]
    assert {id(p) for p in flow.parameters()} == {id(t) for t in [*weights, *biases]}
    us, vs = flow.singular_vectors()
    sigmas = flow.power_iteration()
    if not spectral_norm:
        assert us == [] and vs == [] and sigmas == [None] * 3
        return
    assert all(u is layer._u and v is layer._v for u, v, layer in zip(us, vs, flow.layers))
    for u, v, w, sigma in zip(us, vs, weights, sigmas):  # sigma of the updated vectors
        torch.testing.assert_close(sigma, torch.einsum("no,noi,ni->n", u, w.detach(), v))
