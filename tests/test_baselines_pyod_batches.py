"""Whole-matrix batching of PyOD's AE and VAE gives PyOD's own results, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pyod.models.auto_encoder import AutoEncoder
from pyod.models.vae import VAE

from baselines.pyod_batches import (
    BatchedAutoEncoder,
    BatchedVAE,
    SequentialBatches,
    ShuffledBatches,
)

CASES = {
    "AE": (
        AutoEncoder,
        BatchedAutoEncoder,
        {"hidden_neuron_list": [32, 4], "batch_size": 64, "epoch_num": 3, "dropout_rate": 0.2},
    ),
    "VAE": (
        VAE,
        BatchedVAE,
        {"encoder_neuron_list": [16], "decoder_neuron_list": [16], "latent_dim": 3,
         "batch_size": 32, "epoch_num": 2},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("preprocessing", [True, False])
def test_batched_detector_equals_pyod_bit_for_bit(name, preprocessing):
    pyod_class, batched_class, params = CASES[name]
    rng = np.random.default_rng(1)
    X_train = rng.normal(size=(203, 5)) * [1, 10, 0.1, 1, 3]  # 203: a partial last batch
    X_test = rng.normal(size=(77, 5))
    results = []
    for cls in (pyod_class, batched_class):
        model = cls(random_state=7, verbose=0, device="cpu", preprocessing=preprocessing, **params)
        model.fit(X_train)
        results.append(
            (
                model.decision_scores_,
                model.decision_function(X_test),
                model.decision_function(X_test, batch_size=10),
                [p.detach().clone() for p in model.model.parameters()],
                torch.rand(3),  # the global RNG ends in the same state
            )
        )
    (a_train, a_test, a_small, a_params, a_rng), (b_train, b_test, b_small, b_params, b_rng) = (
        results
    )
    np.testing.assert_array_equal(a_train, b_train)
    np.testing.assert_array_equal(a_test, b_test)
    np.testing.assert_array_equal(a_small, b_small)
    for a, b in zip(a_params, b_params, strict=True):
        assert torch.equal(a, b)
    assert torch.equal(a_rng, b_rng)


def test_shuffled_batches_match_a_shuffling_data_loader():
    data = torch.arange(23, dtype=torch.float32)[:, None]
    torch.manual_seed(5)
    expected = [
        b.clone() for b in torch.utils.data.DataLoader(data, 4, shuffle=True, drop_last=True)
    ]
    after_loader = torch.rand(1)
    torch.manual_seed(5)
    got = list(ShuffledBatches(data, 4))
    assert len(got) == len(expected) == 5
    assert all(torch.equal(a, b) for a, b in zip(got, expected, strict=True))
    assert torch.equal(torch.rand(1), after_loader)


def test_sequential_batches_keep_the_partial_last_batch():
    data = torch.arange(10, dtype=torch.float32)[:, None]
    batches = list(SequentialBatches(data, 4))
    assert [len(b) for b in batches] == [4, 4, 2] and len(SequentialBatches(data, 4)) == 3
    assert torch.equal(torch.cat(batches), data)
