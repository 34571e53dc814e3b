"""The coupling layout: which dimensions each coupling keeps and transforms, both mask schemes."""

from __future__ import annotations

import math

import pytest
import torch

from rrnvp.coupling_layout import MASK_SCHEMES, CouplingLayout
from rrnvp.flow import RealNVPFlow, partition_masks

DIMS = list(range(1, 13))


def columns(part: slice, d: int) -> list[int]:
    return list(range(d))[part]


@pytest.mark.parametrize("masks", MASK_SCHEMES)
@pytest.mark.parametrize("d", DIMS)
def test_each_coupling_splits_the_dimensions_into_kept_and_transformed(d, masks):
    layout = CouplingLayout(d, n_couplings=4, masks=masks)
    for c in range(4):
        kept, transformed = columns(layout.kept(c), d), columns(layout.transformed(c), d)
        assert sorted(kept + transformed) == list(range(d))
        assert layout.widths(c) == (len(kept), len(transformed))
        assert torch.equal(layout.mask(c), torch.tensor([float(i in kept) for i in range(d)]))


@pytest.mark.parametrize("d", DIMS)
def test_partition_transforms_every_dimension_exactly_once_per_coupling_pair(d):
    layout = CouplingLayout(d, n_couplings=6)
    assert layout.alternating
    for c in range(0, 6, 2):
        transformed = columns(layout.transformed(c), d) + columns(layout.transformed(c + 1), d)
        assert sorted(transformed) == list(range(d))
        assert layout.kept(c + 1) == layout.transformed(c)
        assert layout.widths(c) == (math.ceil(d / 2), d // 2)
    first, second = partition_masks(d)
    assert torch.equal(first, layout.mask(0)) and torch.equal(second, layout.mask(1))
    assert torch.equal(first + second, torch.ones(d))


@pytest.mark.parametrize("d", [d for d in DIMS if d % 2 == 1])
def test_authors_masks_for_odd_d_follow_their_formula(d):
    """Their first mask has ones at [d//2:], their second at [:d - d//2]; with six couplings
    ``[first, second] * 3`` is applied from the last to the first, so coupling ``c`` (data ->
    latent) uses their mask ``5 - c``. The two overlap on dimension ``d // 2``."""
    half = d // 2
    first, second = torch.zeros(d), torch.zeros(d)
    first[half:] = 1.0
    second[: d - half] = 1.0
    theirs = [first, second] * 3
    layout = CouplingLayout(d, n_couplings=6, masks="authors")
    for c in range(6):
        assert torch.equal(layout.mask(c), theirs[5 - c]), c
    assert not layout.alternating
    never_transformed = set(range(d))
    for c in range(6):
        never_transformed -= set(columns(layout.transformed(c), d))
    assert never_transformed == {half}


@pytest.mark.parametrize("d", [d for d in DIMS if d % 2 == 0])
def test_for_even_d_both_schemes_agree(d):
    partition = CouplingLayout(d, n_couplings=6, masks="partition")
    authors = CouplingLayout(d, n_couplings=6, masks="authors")
    assert authors.alternating
    for c in range(6):
        assert authors.kept(c) == partition.kept(c)
        assert authors.transformed(c) == partition.transformed(c)
        assert torch.equal(authors.mask(c), partition.mask(c))


@pytest.mark.parametrize("masks", MASK_SCHEMES)
@pytest.mark.parametrize("d", [1, 2, 5, 8])
def test_merge_reassembles_the_rows_a_coupling_split(d, masks):
    layout = CouplingLayout(d, n_couplings=2, masks=masks)
    x = torch.arange(3 * d, dtype=torch.float32).reshape(3, d)
    for c in range(2):
        kept, transformed = x[:, layout.kept(c)], x[:, layout.transformed(c)]
        assert torch.equal(layout.merge(kept, transformed, c), x)


def test_the_documented_example():
    layout = CouplingLayout(5, n_couplings=2, masks="authors")
    assert (layout.kept(0), layout.transformed(0)) == (slice(0, 3), slice(3, 5))
    assert (layout.kept(1), layout.transformed(1)) == (slice(2, 5), slice(0, 2))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0, 2, "partition"), "n_features"),
        ((3, 0, "partition"), "n_couplings"),
        ((3, 2, "overlap"), "masks must be one of"),
    ],
)
def test_invalid_layouts_are_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        CouplingLayout(*arguments)


@pytest.mark.parametrize("masks", MASK_SCHEMES)
def test_the_flow_uses_its_layout(masks):
    flow = RealNVPFlow(7, n_couplings=3, hidden_features=4, masks=masks, dtype=torch.float64)
    assert flow.layout == CouplingLayout(7, 3, masks) and flow.spec.layout is flow.layout
    for c in range(3):
        assert torch.equal(flow.mask(c), flow.layout.mask(c, dtype=torch.float64))
