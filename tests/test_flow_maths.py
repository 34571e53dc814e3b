"""Property tests of the flow's mathematics: invertibility, log-determinants, normalisation."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rrnvp.flow import RealNVPFlow

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def make_flow(
    d: int,
    seed: int,
    *,
    spectral_norm: bool = False,
    n_couplings: int = 4,
    sn_mode: str = "clip",
    hidden: int = 16,
    form: str = "shift-scale",
    masks: str = "partition",
) -> RealNVPFlow:
    flow = RealNVPFlow(
        d,
        n_couplings=n_couplings,
        hidden_features=hidden,
        spectral_norm=spectral_norm,
        sn_mode=sn_mode,
        coupling_form=form,
        masks=masks,
        generator=torch.Generator().manual_seed(seed),
        dtype=torch.float64,
    )
    # Make the couplings far from identity so that the checks below are not trivially met.
    with torch.no_grad():
        for p in flow.parameters():
            p.mul_(3.0)
    return flow.eval()


flow_cases = st.tuples(
    st.integers(min_value=1, max_value=7),  # d, odd and even, including d = 1
    st.integers(min_value=1, max_value=9),  # batch
    st.integers(min_value=1, max_value=5),  # couplings (odd counts end on either mask)
    st.booleans(),  # spectral norm
    st.integers(min_value=0, max_value=2**31 - 1),
    st.sampled_from(["shift-scale", "scale-shift"]),  # coupling form
    st.sampled_from(["partition", "authors"]),  # masks
)


@settings(max_examples=80, deadline=None)
@given(flow_cases)
def test_inverse_of_forward_is_identity(case):
    d, batch, n_couplings, sn, seed, form, masks = case
    flow = make_flow(d, seed, spectral_norm=sn, n_couplings=n_couplings, form=form, masks=masks)
    x = torch.randn(batch, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    z, _ = flow(x)
    x_back, _ = flow.inverse(z)
    torch.testing.assert_close(x_back, x, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(flow_cases)
def test_log_det_equals_slogdet_of_autograd_jacobian(case):
    d, batch, n_couplings, sn, seed, form, masks = case
    flow = make_flow(d, seed, spectral_norm=sn, n_couplings=n_couplings, form=form, masks=masks)
    x = torch.randn(
        batch, d, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64
    )
    _, log_det = flow(x)
    for i in range(batch):
        jac = torch.autograd.functional.jacobian(lambda row: flow(row.unsqueeze(0))[0][0], x[i])
        sign, logabs = torch.linalg.slogdet(jac)
        assert sign > 0, "an affine coupling flow is orientation preserving"
        torch.testing.assert_close(log_det[i], logabs, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(flow_cases)
def test_inverse_log_det_is_negative_of_forward(case):
    d, batch, n_couplings, sn, seed, form, masks = case
    flow = make_flow(d, seed, spectral_norm=sn, n_couplings=n_couplings, form=form, masks=masks)
    x = torch.randn(
        batch, d, generator=torch.Generator().manual_seed(seed + 2), dtype=torch.float64
    )
    z, log_det_forward = flow(x)
    _, log_det_inverse = flow.inverse(z)
    torch.testing.assert_close(log_det_inverse, -log_det_forward, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
@pytest.mark.parametrize("d", [2, 3, 5])
def test_every_dimension_is_transformed(d, form):
    """No dimension passes through all couplings untouched (the authors' odd-d flaw)."""
    flow = make_flow(d, 0, n_couplings=2, form=form)
    x = torch.randn(64, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    z, _ = flow(x)
    changed = (z - x).abs().amax(dim=0)
    assert torch.all(changed > 1e-6), changed


@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
@pytest.mark.parametrize("d", [1, 2, 3, 5, 9])
def test_authors_masks_never_transform_the_middle_dimension_for_odd_d(d, form):
    """The authors' masks overlap on dimension floor(d/2) for odd d; for even d they partition."""
    flow = make_flow(d, 0, n_couplings=6, form=form, masks="authors")
    x = torch.randn(64, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    z, _ = flow(x)
    changed = (z - x).abs().amax(dim=0) > 1e-6
    expected = torch.ones(d, dtype=torch.bool)
    if d % 2 == 1:
        expected[d // 2] = False
    assert torch.equal(changed, expected), changed


@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
def test_a_coupling_of_one_form_inverts_the_same_coupling_of_the_other(form):
    """With the same parameters, one form's data -> latent coupling is the other's generative one:
    ``(x - t) e^-s`` undoes ``x e^s + t``. Deeper stacks of the two forms are different maps."""
    other = "scale-shift" if form == "shift-scale" else "shift-scale"
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    one, one_other = (
        make_flow(4, 2, n_couplings=1, form=form),
        make_flow(4, 2, n_couplings=1, form=other),
    )
    z, log_det = one(x)
    x_back, log_det_back = one_other(z)
    torch.testing.assert_close(x_back, x)
    torch.testing.assert_close(log_det_back, -log_det)
    deep, deep_other = (
        make_flow(4, 2, n_couplings=3, form=form),
        make_flow(4, 2, n_couplings=3, form=other),
    )
    assert not torch.allclose(deep(x)[0], deep_other(x)[0])


@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
def test_d1_flow_is_an_affine_map(form):
    """For d = 1 the conditioner sees nothing: the flow is affine, so its density is Gaussian."""
    flow = make_flow(1, 3, n_couplings=4, form=form)
    x = torch.linspace(-3, 3, 7, dtype=torch.float64).unsqueeze(1)
    z, log_det = flow(x)
    slopes = torch.diff(z[:, 0]) / torch.diff(x[:, 0])
    torch.testing.assert_close(slopes, slopes[:1].expand_as(slopes))
    torch.testing.assert_close(log_det, log_det[:1].expand_as(log_det))
    assert not torch.allclose(z, x), "the single dimension must still be transformed"


@pytest.mark.parametrize("form", ["shift-scale", "scale-shift"])
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_density_integrates_to_one_on_a_2d_grid(spectral_norm, form):
    flow = RealNVPFlow(
        2,
        n_couplings=4,
        hidden_features=16,
        spectral_norm=spectral_norm,
        coupling_form=form,
        generator=torch.Generator().manual_seed(0),
        dtype=torch.float64,
    ).eval()
    edge, n = 12.0, 600
    axis = torch.linspace(-edge, edge, n, dtype=torch.float64)
    grid = torch.cartesian_prod(axis, axis)
    with torch.no_grad():
        density = flow.log_prob(grid).exp()
    cell = (axis[1] - axis[0]) ** 2
    total = float(density.sum() * cell)
    assert total == pytest.approx(1.0, abs=5e-3)


def test_samples_follow_the_model_density():
    """Samples drawn with the inverse follow the density ``log_prob`` gives: the share of samples
    in each of three boxes matches the box's density integrated on a grid (within four binomial
    standard errors)."""
    flow = make_flow(2, 5, n_couplings=4)
    samples = flow.sample(20000, generator=torch.Generator().manual_seed(0))
    for (x0, x1), (y0, y1) in [
        ((-11, 2), (-49, 0)),
        ((-20, -2), (-90, -12)),
        ((-33, -11), (-148, -49)),
    ]:
        inside = (samples[:, 0] > x0) & (samples[:, 0] < x1)
        inside &= (samples[:, 1] > y0) & (samples[:, 1] < y1)
        grid = torch.cartesian_prod(
            torch.linspace(x0, x1, 401, dtype=torch.float64),
            torch.linspace(y0, y1, 401, dtype=torch.float64),
        )
        with torch.no_grad():
            mass = float(flow.log_prob(grid).exp().mean()) * (x1 - x0) * (y1 - y0)
        share = float(inside.double().mean())
        assert mass > 0.05, "each box holds enough mass for the comparison to mean something"
        binomial_se = math.sqrt(mass * (1 - mass) / len(samples))
        assert abs(share - mass) < 4 * binomial_se, ((x0, x1, y0, y1), share, mass)
