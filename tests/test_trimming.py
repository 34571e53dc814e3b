"""Trimmed likelihood (Algorithm 1): kept count, equality at eps = 0, zero gradient when trimmed."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rrnvp.trimming import n_kept, trim_ratio_at_epoch, trimmed_mean


@pytest.mark.parametrize(
    ("batch", "eps", "kept"),
    [
        (10, 0.1, 9),  # (1 - 0.1) * 10 is 8.999999999999998 in floating point
        (7, 0.3, 4),
        (3, 0.49, 1),
        (100, 0.05, 95),
        (1, 0.49, 1),  # at least one sample is kept
        (300, 0.2, 240),
        (128, 0.1, 115),
        (64, 0.0, 64),
        (20, 0.35, 13),
    ],
)
def test_kept_count_by_hand(batch, eps, kept):
    assert n_kept(batch, eps) == kept


@settings(max_examples=200, deadline=None)
@given(batch=st.integers(1, 300), micros=st.integers(0, 490_000))
def test_kept_count_is_floor_of_one_minus_eps_times_batch_in_exact_arithmetic(batch, micros):
    """For a ratio written with up to six decimals, the count is the exact rational floor."""
    eps = micros / 1e6
    exact = (1 - Fraction(micros, 10**6)) * batch
    assert n_kept(batch, eps) == max(1, math.floor(exact))


@settings(max_examples=50, deadline=None)
@given(batch=st.integers(1, 64), seed=st.integers(0, 2**31 - 1))
def test_zero_trim_equals_mean_nll(batch, seed):
    nll = torch.randn(batch, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    torch.testing.assert_close(trimmed_mean(nll, 0.0), nll.mean(), rtol=0, atol=0)


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(2, 64), eps=st.floats(0.01, 0.49), seed=st.integers(0, 2**31 - 1))
def test_trimmed_samples_get_exactly_zero_gradient(batch, eps, seed):
    nll = torch.randn(batch, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    nll.requires_grad_(True)
    loss = trimmed_mean(nll, eps)
    loss.backward()
    k = n_kept(batch, eps)
    order = torch.argsort(nll.detach())
    kept, dropped = order[:k], order[k:]
    assert torch.all(nll.grad[dropped] == 0.0)
    torch.testing.assert_close(nll.grad[kept], torch.full((k,), 1.0 / k, dtype=torch.float64))
    torch.testing.assert_close(loss, nll.detach()[kept].mean())


def test_highest_nll_samples_are_the_ones_dropped():
    nll = torch.tensor([0.5, 9.0, 1.0, 7.0, 2.0, 3.0, 0.1, 4.0, 5.0, 6.0])
    assert float(trimmed_mean(nll, 0.2)) == pytest.approx(
        float(torch.tensor([0.5, 1.0, 2.0, 3.0, 0.1, 4.0, 5.0, 6.0]).mean())
    )


def test_warmup_ramps_linearly():
    assert [trim_ratio_at_epoch(e, 0.1, 1) for e in range(3)] == [0.0, 0.1, 0.1]
    assert trim_ratio_at_epoch(0, 0.1, 0) == 0.1
    assert trim_ratio_at_epoch(10, 0.2, 20) == pytest.approx(0.1)
    assert trim_ratio_at_epoch(25, 0.2, 20) == pytest.approx(0.2)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_invalid_ratio_is_rejected(bad):
    with pytest.raises(ValueError, match="trim_ratio"):
        n_kept(10, bad)
