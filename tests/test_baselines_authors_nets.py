"""Tests of the authors' ODDS networks for AE and Deep-SVDD as rebuilt from a description
(``baselines.authors_nets.AuthorsAutoEncoder`` / ``AuthorsDeepSVDD``, the baselines ``ae_rebuilt``
/ ``deep_svdd_rebuilt``): structure against the spec, the losses and scores they compute,
seeding, and that fitting sees only the training data.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from baselines import make_baseline
from baselines.authors_nets import (
    LEAKY_SLOPE,
    AuthorsAutoEncoder,
    AuthorsDeepSVDD,
    SeededDropout,
)
from tests.tiny_networks import D, settings, unit_data

pytestmark = pytest.mark.usefixtures("one_thread")


def autoencoder(**overrides) -> AuthorsAutoEncoder:
    return AuthorsAutoEncoder(**settings(**overrides))


def deep_svdd(**overrides) -> AuthorsDeepSVDD:
    return AuthorsDeepSVDD(**settings(**{"pretrain_epochs": 3, **overrides}))


@pytest.fixture(scope="module")
def X():
    return unit_data()


def layer_kinds(network: nn.Sequential) -> list[str]:
    """The layer sequence as names, e.g. ``Linear(6->16)``, ``LeakyReLU(0.1)``, ``Dropout(0.5)``."""
    kinds = []
    for layer in network:
        if isinstance(layer, nn.Linear):
            kinds.append(f"Linear({layer.in_features}->{layer.out_features})")
        elif isinstance(layer, nn.LeakyReLU):
            kinds.append(f"LeakyReLU({layer.negative_slope:g})")
        elif isinstance(layer, SeededDropout):
            kinds.append(f"Dropout({layer.p:g})")
        else:
            kinds.append(type(layer).__name__)
    return kinds


def hidden(n_in: int, n_out: int) -> list[str]:
    return [f"Linear({n_in}->{n_out})", f"LeakyReLU({LEAKY_SLOPE:g})", "Dropout(0.5)"]


# ------------------------------------------------------------------------------ architecture
def test_autoencoder_is_the_authors_network(X):
    fitted = autoencoder().fit(X)
    encoder, decoder = fitted.network_
    assert layer_kinds(encoder) == hidden(D, 16) + hidden(16, 16) + ["Linear(16->4)"]
    assert layer_kinds(decoder) == hidden(4, 16) + hidden(16, 16) + [f"Linear(16->{D})", "Sigmoid"]
    linears = [m for m in fitted.network_.modules() if isinstance(m, nn.Linear)]
    assert all(layer.bias is not None for layer in linears)
    batch_norm = nn.modules.batchnorm._BatchNorm
    assert not any(isinstance(m, batch_norm) for m in fitted.network_.modules())


def test_default_autoencoder_sizes_are_the_authors():
    detector = make_baseline("ae_rebuilt", epochs=1, device="cpu", random_state=0)
    detector.fit(np.random.default_rng(0).uniform(size=(20, 3)))
    encoder, decoder = detector.model_.network_
    assert layer_kinds(encoder) == hidden(3, 256) + hidden(256, 256) + ["Linear(256->10)"]
    assert layer_kinds(decoder)[-2:] == ["Linear(256->3)", "Sigmoid"]


def test_deep_svdd_is_the_authors_network(X):
    fitted = deep_svdd().fit(X)
    leaky = f"LeakyReLU({LEAKY_SLOPE:g})"
    assert layer_kinds(fitted.encoder_) == hidden(D, 16) + hidden(16, 16) + ["Linear(16->4)", leaky]
    linears = [m for m in fitted.encoder_.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 3 and all(layer.bias is None for layer in linears)


def test_deep_svdd_pretrains_with_the_bias_free_authors_decoder(X, monkeypatch):
    seen = {}
    original = AuthorsDeepSVDD._train

    def recording(self, network, *args, **kwargs):
        seen.setdefault("networks", []).append(network)
        return original(self, network, *args, **kwargs)

    monkeypatch.setattr(AuthorsDeepSVDD, "_train", recording)
    fitted = deep_svdd().fit(X)
    pretrained, trained = seen["networks"]
    encoder, decoder = pretrained
    assert encoder is fitted.encoder_ and trained is fitted.encoder_
    assert layer_kinds(decoder) == hidden(4, 16) + hidden(16, 16) + [f"Linear(16->{D})", "Sigmoid"]
    assert all(m.bias is None for m in decoder.modules() if isinstance(m, nn.Linear))


def test_default_deep_svdd_sizes_are_the_authors():
    params = make_baseline("deep_svdd_rebuilt").get_params()
    assert (params["hidden_features"], params["latent_features"]) == (128, 10)
    assert (params["pretrain_epochs"], params["epochs"], params["dropout_rate"]) == (50, 100, 0.5)


# ------------------------------------------------------------------------------ losses, scores
def test_autoencoder_trains_on_mse_and_scores_the_squared_error(X):
    # A learning rate too small to move the weights: the first epoch's loss is the final
    # network's MSE (one batch, no dropout).
    fitted = autoencoder(learning_rate=1e-12, batch_size=len(X), epochs=1, dropout_rate=0.0).fit(X)
    data = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        reconstruction = fitted.network_(data)
    assert fitted.history_["loss"][0] == pytest.approx(
        float(((reconstruction - data) ** 2).mean()), rel=1e-5
    )
    expected = ((reconstruction - data) ** 2).sum(dim=1).double().numpy()
    np.testing.assert_allclose(fitted.decision_function(X), expected, rtol=1e-6)


def test_autoencoder_loss_decreases_and_every_epoch_is_recorded(X):
    fitted = autoencoder(epochs=30).fit(X)
    assert len(fitted.history_["loss"]) == 30  # no early stop: the last epoch's model is kept
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_deep_svdd_centre_is_the_mean_embedding_after_pretraining(X, monkeypatch):
    seen = {}
    original = AuthorsDeepSVDD._train

    def recording(self, network, loss_of_batch, data, *args, **kwargs):
        if isinstance(network[0], nn.Linear):  # the encoder alone: the one-class phase
            with torch.no_grad():
                network.eval()
                seen["mean"] = network(data).mean(dim=0).clone()
                seen["initial_loss"] = float(loss_of_batch(data))
        return original(self, network, loss_of_batch, data, *args, **kwargs)

    monkeypatch.setattr(AuthorsDeepSVDD, "_train", recording)
    fitted = deep_svdd(dropout_rate=0.0, batch_size=len(X)).fit(X)
    torch.testing.assert_close(fitted.center_, seen["mean"])
    # sqrt(mean((z - c)^2)) over the batch and the representation's dimensions
    assert fitted.history_["loss"][0] == pytest.approx(seen["initial_loss"], rel=1e-6)
    assert len(fitted.history_["pretrain_loss"]) == 3 and len(fitted.history_["loss"]) == 3


def test_deep_svdd_objective_is_the_root_mean_squared_deviation(X):
    fitted = deep_svdd(learning_rate=1e-12, batch_size=len(X), dropout_rate=0.0).fit(X)
    data = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        z = fitted.encoder_(data)
    rms = float(torch.sqrt(((z - fitted.center_) ** 2).mean()))
    assert fitted.history_["loss"][-1] == pytest.approx(rms, rel=1e-5)


def test_deep_svdd_scores_the_squared_distance_to_the_centre(X):
    fitted = deep_svdd().fit(X)
    with torch.no_grad():
        z = fitted.encoder_(torch.as_tensor(X[:10], dtype=torch.float32))
    expected = ((z - fitted.center_) ** 2).sum(dim=1).double().numpy()
    np.testing.assert_allclose(fitted.decision_function(X[:10]), expected, rtol=1e-6)


def test_no_pretraining_when_zero_epochs(X):
    fitted = deep_svdd(pretrain_epochs=0).fit(X)
    assert fitted.history_["pretrain_loss"] == []


# ------------------------------------------------------------------------------ dropout, seeds
def test_seeded_dropout_drops_at_rate_p_rescales_and_is_off_in_eval():
    layer = SeededDropout(0.5)
    x = torch.ones(200, 50)
    layer.generator = torch.Generator().manual_seed(3)
    out = layer(x)
    assert set(torch.unique(out).tolist()) == {0.0, 2.0}  # kept values scaled by 1 / (1 - p)
    assert (out == 0).float().mean().item() == pytest.approx(0.5, abs=0.03)
    layer.generator = torch.Generator().manual_seed(3)
    torch.testing.assert_close(layer(x), out)  # the mask is the generator's
    layer.eval()
    assert layer(x) is x


@pytest.mark.parametrize("build", [autoencoder, deep_svdd])
def test_seeded_by_own_generators_only(build, X):
    torch.manual_seed(1)
    first = build().fit(X).decision_function(X)
    torch.manual_seed(2)
    state = torch.random.get_rng_state()
    second = build().fit(X).decision_function(X)
    np.testing.assert_array_equal(first, second)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG was not drawn from
    assert not np.array_equal(first, build(random_state=1).fit(X).decision_function(X))


@pytest.mark.parametrize("build", [autoencoder, deep_svdd])
def test_dropout_is_trained_with_and_released_after_fit(build, X):
    fitted = build().fit(X)
    network = fitted.network_ if hasattr(fitted, "network_") else fitted.encoder_
    dropouts = [m for m in network.modules() if isinstance(m, SeededDropout)]
    assert dropouts and all(m.generator is None and not m.training for m in dropouts)
    without = build(dropout_rate=0.0).fit(X).decision_function(X)
    assert not np.allclose(fitted.decision_function(X), without)  # dropout changed training


# ------------------------------------------------------------------------------ data use
@pytest.mark.parametrize("build", [autoencoder, deep_svdd])
def test_scoring_uses_no_other_rows_and_leaves_the_model_unchanged(build, X):
    fitted = build().fit(X[:150])
    network = fitted.network_ if hasattr(fitted, "network_") else fitted.encoder_
    before = {k: v.clone() for k, v in network.state_dict().items()}
    test = X[150:] + 0.3
    scores = fitted.decision_function(test)
    for key, value in network.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)
    np.testing.assert_allclose(fitted.decision_function(test[:7]), scores[:7], rtol=1e-5)


@pytest.mark.parametrize("name", ["ae", "deep_svdd"])
def test_same_seed_and_training_rows_give_the_same_model_whatever_was_scored_before(name, X):
    """Two fits on the same rows with the same seed are identical (parameters and scores), and
    scoring another matrix first changes nothing."""
    params = {"epochs": 2, "hidden_features": 8, "device": "cpu", "random_state": 0}
    if name == "deep_svdd":
        params["pretrain_epochs"] = 2
    a = make_baseline(name, **params).fit(X[:150])
    b = make_baseline(name, **params).fit(X[:150])
    b.decision_function(X[150:] * 10 + 5)  # another test set, scored first by b only
    np.testing.assert_array_equal(a.decision_scores_, b.decision_scores_)
    np.testing.assert_array_equal(a.decision_function(X[150:]), b.decision_function(X[150:]))
    model_a, model_b = a.model_, b.model_
    network_a = model_a.network_ if hasattr(model_a, "network_") else model_a.encoder_
    network_b = model_b.network_ if hasattr(model_b, "network_") else model_b.encoder_
    state_b = network_b.state_dict()
    assert state_b, "the fitted network has parameters"
    for key, value in network_a.state_dict().items():
        torch.testing.assert_close(value, state_b[key], rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name", ["ae", "deep_svdd"])
def test_runs_on_cuda_deterministically(name, X):
    params = {"epochs": 2, "device": "cuda", "random_state": 0}
    if name == "deep_svdd":
        params["pretrain_epochs"] = 2
    first = make_baseline(name, **params).fit(X)
    assert first.device_.type == "cuda"
    again = make_baseline(name, **params).fit(X)
    np.testing.assert_allclose(first.decision_function(X), again.decision_function(X), rtol=1e-5)
