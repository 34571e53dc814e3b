"""Tests of the in-house Deep SVDD (autoencoder pre-training + one-class objective)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.deep_svdd import DeepSVDDModel

pytestmark = pytest.mark.usefixtures("one_thread")


def model(**overrides) -> DeepSVDDModel:
    params = {
        "hidden_features": 16,
        "latent_features": 4,
        "epochs": 5,
        "pretrain_epochs": 5,
        "learning_rate": 1e-3,
        "batch_size": 32,
        "weight_decay": 1e-6,
        "preprocessing": False,
        "device": torch.device("cpu"),
        "random_state": 0,
    }
    return DeepSVDDModel(**{**params, **overrides})


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return 0.5 + 0.1 * rng.normal(size=(200, 6))


def test_network_is_bias_free_and_representation_signed(X):
    fitted = model().fit(X)
    assert all(
        getattr(layer, "bias", None) is None
        for layer in fitted.encoder_
        if isinstance(layer, torch.nn.Linear)
    )
    assert not isinstance(fitted.encoder_[-1], torch.nn.ReLU | torch.nn.LeakyReLU)
    assert fitted.encoder_[-1].out_features == 4


def test_centre_avoids_near_zero_coordinates(X):
    fitted = model().fit(X)
    assert fitted.center_.shape == (4,)
    assert torch.all(fitted.center_.abs() >= 0.1)


def test_both_phases_train_and_reduce_their_losses(X):
    fitted = model(epochs=20, pretrain_epochs=20).fit(X)
    assert len(fitted.history_["pretrain_loss"]) == 20
    assert len(fitted.history_["loss"]) == 20
    assert fitted.history_["pretrain_loss"][-1] < fitted.history_["pretrain_loss"][0]
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_no_pretraining_when_zero_epochs(X):
    fitted = model(pretrain_epochs=0).fit(X)
    assert fitted.history_["pretrain_loss"] == []


def test_score_is_squared_distance_of_the_representation_to_the_centre(X):
    fitted = model().fit(X)
    with torch.no_grad():
        z = fitted.encoder_(torch.as_tensor(X[:10], dtype=torch.float32))
    expected = ((z - fitted.center_) ** 2).sum(dim=1).double().numpy()
    np.testing.assert_allclose(fitted.decision_function(X[:10]), expected, rtol=1e-6)


def test_seeded_by_its_own_generator_only(X):
    torch.manual_seed(1)
    first = model().fit(X).decision_function(X)
    torch.manual_seed(2)
    state = torch.random.get_rng_state()
    second = model().fit(X).decision_function(X)
    np.testing.assert_array_equal(first, second)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG was not drawn from
    other = model(random_state=1).fit(X).decision_function(X)
    assert not np.array_equal(first, other)


def test_standardisation_uses_training_statistics_and_survives_constant_features():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(3.0, 2.0, 100), np.full(100, 7.0)])
    fitted = model(preprocessing=True).fit(X)
    np.testing.assert_allclose(fitted.mean_, X.mean(axis=0))
    assert fitted.scale_[1] == 1.0
    assert np.all(np.isfinite(fitted.decision_function(X + 1.0)))
