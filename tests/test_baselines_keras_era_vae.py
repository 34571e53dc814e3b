"""Tests of PyOD 0.8.6's Keras VAE rebuilt in torch (``baselines.keras_era_vae.KerasEraVAE``, the
baseline ``vae_pyod08``, Table 2's VAE): the network against PyOD 0.8.6's ``_build_model``, the
loss against a hand computation, Keras' hold-out, seeding, the score, parameter checks, and the
method ``VAE``'s two implementations with the run ids they keep.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from baselines import ALTERNATIVES, BASELINES, make_baseline
from baselines.keras_era_vae import KerasEraVAE, KerasEraVAENetwork
from rrnvp.runtime import ThreadBudget

D = 6


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks run fastest on one thread (and the CI machine is shared)."""
    with ThreadBudget(1):
        yield


def model(**overrides) -> KerasEraVAE:
    return KerasEraVAE(**{"epochs": 2, "random_state": 0, **overrides})


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.normal(size=(120, D)) * np.arange(1, D + 1) + 3.0


def network(d: int = D, seed: int = 0, **overrides) -> KerasEraVAENetwork:
    settings = {
        "encoder_neurons": [128, 64, 32],
        "decoder_neurons": [32, 64, 128],
        "latent_dim": 2,
        "hidden_activation": "relu",
        "output_activation": "sigmoid",
        "dropout_rate": 0.2,
        "l2_regularizer": 0.1,
    }
    settings.update(overrides)
    return KerasEraVAENetwork(d, **settings, generator=torch.Generator().manual_seed(seed))


def widths(layer: torch.nn.Linear) -> tuple[int, int]:
    return layer.in_features, layer.out_features


# ------------------------------------------------------------------------------ network
def test_the_layers_are_pyod_08s_defaults():
    """PyOD 0.8.6: Dense(d) input layer, Dense(128, 64, 32), z_mean / z_log Dense(2); decoder
    Dense(2) latent input layer, Dense(32, 64, 128), Dense(d) output."""
    net = network()
    assert widths(net.encoder_input) == (D, D)
    assert [widths(layer) for layer in net.encoder_hidden] == [(D, 128), (128, 64), (64, 32)]
    assert widths(net.z_mean) == widths(net.z_log) == (32, 2)
    assert widths(net.decoder_input) == (2, 2)
    assert [widths(layer) for layer in net.decoder_hidden] == [(2, 32), (32, 64), (64, 128)]
    assert widths(net.decoder_output) == (128, D)
    defaults = KerasEraVAE(random_state=0)
    assert (defaults.encoder_neurons, defaults.decoder_neurons) == ((128, 64, 32), (32, 64, 128))
    assert (defaults.latent_dim, defaults.epochs, defaults.batch_size) == (2, 100, 32)


def test_weights_are_glorot_uniform_with_zero_biases_and_seeded():
    before = torch.random.get_rng_state()
    first, again, other = network(seed=1), network(seed=1), network(seed=2)
    assert torch.equal(before, torch.random.get_rng_state()), "the global RNG was drawn from"
    for name, param in first.named_parameters():
        assert torch.equal(param, dict(again.named_parameters())[name]), name
        if name.endswith("bias"):
            assert not param.any(), name
        else:
            bound = math.sqrt(6.0 / sum(param.shape))
            assert param.abs().max() <= bound, name
            if param.numel() >= 64:  # uniform over the whole range
                assert param.abs().max() > 0.9 * bound, name
    assert not torch.equal(first.encoder_input.weight, other.encoder_input.weight)


def _by_hand(net: KerasEraVAENetwork, x: torch.Tensor, generator: torch.Generator, training: bool):
    """The forward pass written out from PyOD 0.8.6's ``_build_model``, drawing the dropout masks
    (encoder hidden layers, then the latent noise, then the decoder hidden layers) in the order
    of the layers; returns the output, z_mean, z_log and each layer's activity loss."""
    rate = net.dropout_rate

    def dropout(h):
        if not training:
            return h
        return h * (torch.rand(h.shape, generator=generator) >= rate) / (1.0 - rate)

    h = torch.relu(net.encoder_input(x))  # no regulariser, no dropout
    activity = []
    for layer in net.encoder_hidden:
        h = torch.relu(layer(h))
        activity.append(net.l2_regularizer * (h**2).sum() / len(x))  # before the dropout
        h = dropout(h)
    mean, log_var = net.z_mean(h), net.z_log(h)  # no activation
    z = mean + torch.exp(log_var / 2) * torch.randn(mean.shape, generator=generator)
    g = torch.relu(net.decoder_input(z))  # no dropout
    for layer in net.decoder_hidden:
        g = dropout(torch.relu(layer(g)))
    return torch.sigmoid(net.decoder_output(g)), mean, log_var, activity


@pytest.mark.parametrize("training", [True, False])
def test_forward_pass_activations_dropout_and_activity_losses(training):
    net = network()
    net.train(training)
    x = torch.randn(9, D, generator=torch.Generator().manual_seed(5))
    net.generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        out, mean, log_var, activity = net(x)
        expected = _by_hand(net, x, torch.Generator().manual_seed(7), training)
    for got, want in zip((out, mean, log_var), expected[:3]):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
    assert len(activity) == 3  # the encoder's hidden layers only
    torch.testing.assert_close(torch.stack(activity), torch.stack(expected[3]))
    assert out.min() > 0 and out.max() < 1  # the sigmoid output
    # Training draws 128 + 64 + 32 encoder masks per row, the noise, then 32 + 64 + 128 decoder
    # masks per row; evaluation draws the noise only.
    draws = torch.Generator().manual_seed(7)
    if training:
        torch.rand(9 * 224, generator=draws)
    torch.randn(9, 2, generator=draws)
    if training:
        torch.rand(9 * 224, generator=draws)
    assert torch.equal(net.generator.get_state(), draws.get_state())


def test_the_loss_of_a_batch_by_hand():
    """mean over rows of (d * MSE_row + gamma * |KL_row - capacity|) + l2 * sum(h^2) / batch per
    regularised layer, on a tiny network (d = 2, encoder [3, 2], latent 1, decoder [3]) in
    float64 by hand."""
    vae = KerasEraVAE(
        encoder_neurons=[3, 2],
        decoder_neurons=[3],
        latent_dim=1,
        dropout_rate=0.0,
        l2_regularizer=0.3,
        gamma=2.0,
        capacity=0.25,
        random_state=0,
    )
    net = KerasEraVAENetwork(2, [3, 2], [3], 1, "relu", "sigmoid", 0.0, 0.3, torch.Generator())
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
    net.generator = torch.Generator().manual_seed(3)
    loss = vae._batch_loss(net, x)

    W = {name: p.detach().double().numpy() for name, p in net.named_parameters()}
    eps = torch.randn(3, 1, generator=torch.Generator().manual_seed(3)).double().numpy()
    xs = x.double().numpy()

    def dense(name, h):
        return h @ W[f"{name}.weight"].T + W[f"{name}.bias"]

    def relu(v):
        return np.maximum(v, 0.0)

    h0 = relu(dense("encoder_input", xs))
    h1 = relu(dense("encoder_hidden.0", h0))
    h2 = relu(dense("encoder_hidden.1", h1))
    mean, log_var = dense("z_mean", h2), dense("z_log", h2)
    z = mean + np.exp(0.5 * log_var) * eps
    g = relu(dense("decoder_hidden.0", relu(dense("decoder_input", z))))
    out = 1.0 / (1.0 + np.exp(-dense("decoder_output", g)))
    reconstruction = 2 * ((out - xs) ** 2).mean(axis=1)
    kl = -0.5 * (1 + log_var - mean**2 - np.exp(log_var)).sum(axis=1)
    activity = 0.3 * (h1**2).sum() / 3 + 0.3 * (h2**2).sum() / 3
    expected = (reconstruction + 2.0 * np.abs(kl - 0.25)).mean() + activity
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # |KL - C|: below the capacity the term grows again
    kl_values = torch.tensor([0.0, 0.25, 1.0])
    torch.testing.assert_close(vae._kl_term(kl_values), torch.tensor([0.5, 0.0, 1.5]))


# ------------------------------------------------------------------------------ training
def test_the_last_tenth_of_the_shuffled_rows_is_never_trained_on(X, monkeypatch):
    """Keras' validation_split: the first floor(n * 0.9) shuffled rows train, the rest (6 of 55,
    the tail of the shuffle that follows the weight draws) are held out."""
    seen: list[torch.Tensor] = []
    forward = KerasEraVAENetwork.forward

    def spy(self, x):
        if self.training:
            seen.append(x.detach().clone())
        return forward(self, x)

    monkeypatch.setattr(KerasEraVAENetwork, "forward", spy)
    data = X[:55]
    vae = model(encoder_neurons=[8], decoder_neurons=[8], epochs=3, batch_size=16).fit(data)
    held_out = vae.validation_indices_
    generator = torch.Generator().manual_seed(0)
    KerasEraVAENetwork(D, [8], [8], 2, "relu", "sigmoid", 0.2, 0.1, generator)
    assert np.array_equal(held_out, torch.randperm(55, generator=generator)[49:].numpy())
    Z = torch.as_tensor((data - data.mean(axis=0)) / data.std(axis=0), dtype=torch.float32)
    rows = {tuple(row.tolist()): i for i, row in enumerate(Z)}
    assert len(seen) == 3 * math.ceil(49 / 16)  # the last, smaller batch of each epoch kept
    assert [len(batch) for batch in seen[:4]] == [16, 16, 16, 1]
    trained = [rows[tuple(row.tolist())] for batch in seen for row in batch]
    assert sorted(trained) == sorted(np.setdiff1d(np.arange(55), held_out).tolist() * 3)
    assert not set(trained) & set(held_out.tolist())


def test_without_validation_size_every_row_trains_and_a_split_must_leave_both_parts(X):
    assert len(model(validation_size=0.0, epochs=1).fit(X[:20]).validation_indices_) == 0
    assert len(model(epochs=1).fit(X[:20]).validation_indices_) == 2
    with pytest.raises(ValueError, match="validation_split"):
        model(validation_size=0.6).fit(X[:2])  # floor(2 * 0.4) = 0 rows left to train


def test_standardises_with_the_training_statistics_and_constant_features_divide_by_one(X):
    data = np.c_[X, np.full(len(X), 4.0)]
    vae = model(epochs=1).fit(data)
    np.testing.assert_array_equal(vae.mean_, data.mean(axis=0))
    np.testing.assert_array_equal(vae.scale_[:-1], data.std(axis=0)[:-1])
    assert vae.scale_[-1] == 1.0
    raw = model(epochs=1, preprocessing=False).fit(data)
    assert not raw.mean_.any() and (raw.scale_ == 1).all()


# ------------------------------------------------------------------------------ seeding, score
def test_same_seed_same_scores_other_seed_other_scores(X):
    first = model(random_state=3).fit(X)
    scores = first.decision_function(X[:40])
    np.testing.assert_array_equal(scores, first.decision_function(X[:40]))  # same draws again
    np.testing.assert_array_equal(scores, model(random_state=3).fit(X).decision_function(X[:40]))
    assert not np.array_equal(scores, model(random_state=4).fit(X).decision_function(X[:40]))
    np.testing.assert_array_equal(
        first.history_["loss"], model(random_state=3).fit(X).history_["loss"]
    )


def test_score_is_the_distance_to_the_reconstruction_of_one_draw(X):
    vae = model().fit(X)
    scores = vae.decision_function(X[:30])
    Z = (X[:30] - vae.mean_) / vae.scale_
    net = vae.network_
    net.generator = torch.Generator()
    net.generator.set_state(vae.score_generator_state_)
    with torch.no_grad():
        reconstruction = net(torch.as_tensor(Z, dtype=torch.float32))[0].double().numpy()
    net.generator = None
    np.testing.assert_allclose(scores, np.linalg.norm(Z - reconstruction, axis=1), rtol=1e-12)
    # higher = farther: a point far out in standardised units scores above every training row
    far = vae.mean_ + 20 * vae.scale_
    assert vae.decision_function(far[None])[0] > vae.decision_function(X).max()


def test_a_rows_draw_depends_on_its_position(X):
    vae = model().fit(X)
    scores = vae.decision_function(X[:20])
    assert not np.array_equal(vae.decision_function(X[:20][::-1])[::-1], scores)


def test_encoder_widths_above_the_number_of_features_are_accepted(X):
    """PyOD 0.8 refused encoder widths whose smallest exceeds d (here 32 > 6)."""
    assert np.isfinite(model(epochs=1).fit(X).decision_function(X)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_the_draws_are_the_cpus(X):
    cpu = model().fit(X).decision_function(X)
    cuda = model(device=torch.device("cuda")).fit(X).decision_function(X)
    np.testing.assert_allclose(cuda, cpu, rtol=1e-3, atol=1e-4)


# ------------------------------------------------------------------------------ checks
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"encoder_neurons": []}, "encoder_neurons must be a non-empty list of integers >= 1"),
        ({"decoder_neurons": [32, 0]}, "decoder_neurons must be a non-empty list"),
        ({"latent_dim": 0}, "latent_dim must be an integer >= 1"),
        ({"hidden_activation": "elu"}, "hidden_activation must be one of"),
        ({"output_activation": "softmax"}, "output_activation must be one of"),
        ({"loss": "binary_crossentropy"}, r"loss must be one of \['mse'\]"),
        ({"optimizer": "sgd"}, r"optimizer must be one of \['adam'\]"),
        ({"learning_rate": 0.0}, "learning_rate must be"),
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"batch_size": 1.5}, "batch_size must be"),
        ({"dropout_rate": 1.0}, r"dropout_rate must be a real number in \[0, 1\)"),
        ({"l2_regularizer": -0.1}, "l2_regularizer must be"),
        ({"validation_size": 1.0}, "validation_size must be"),
        ({"preprocessing": 1}, "preprocessing must be a bool"),
        ({"gamma": -1.0}, "gamma must be"),
        ({"capacity": float("nan")}, "capacity must be"),
        ({"random_state": -1}, "random_state must be an integer >= 0"),
    ],
)
def test_bad_parameters_are_named_in_fit(params, message, X):
    vae = model(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=f"KerasEraVAE: {message}"):
        vae.fit(X)


def test_scoring_needs_a_fit_and_the_same_features(X):
    with pytest.raises(ValueError, match="fit the model before scoring"):
        model().decision_function(X)
    vae = model(epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"expected \(n, 6\)"):
        vae.decision_function(X[:, :3])


# ------------------------------------------------------------------------------ registry
def test_the_baseline_has_every_pyod_086_default():
    detector = make_baseline("vae_pyod08")
    assert "vae_pyod08" in ALTERNATIVES and "vae_pyod08" not in BASELINES
    params = detector.get_params()
    assert {name: params[name] for name in detector.spec.params} == {
        "encoder_neurons": (128, 64, 32),
        "decoder_neurons": (32, 64, 128),
        "latent_dim": 2,
        "hidden_activation": "relu",
        "output_activation": "sigmoid",
        "loss": "mse",
        "optimizer": "adam",
        "epochs": 100,
        "batch_size": 32,
        "dropout_rate": 0.2,
        "l2_regularizer": 0.1,
        "validation_size": 0.1,
        "preprocessing": True,
        "gamma": 1.0,
        "capacity": 0.0,
        "input_scaling": "none",
    }
    for name, doc in detector.spec.param_docs.items():
        if name != "input_scaling":
            assert "PyOD 0.8.6 default, what the authors' CIFAR-10 script ran" in doc, name


def test_the_detector_passes_its_settings_and_seed_to_the_model(X):
    detector = make_baseline(
        "vae_pyod08", encoder_neurons=[16, 8], decoder_neurons=[8], epochs=1, random_state=5
    ).fit(X)
    inner = detector.model_
    assert isinstance(inner, KerasEraVAE) and inner.random_state == detector.seed_
    assert [layer.out_features for layer in inner.network_.encoder_hidden] == [16, 8]
    np.testing.assert_array_equal(
        detector.decision_function(X), inner.decision_function(X)
    )  # input_scaling "none": the model standardises by itself
    with pytest.raises(ValueError, match="vae_pyod08: encoder_neurons must be"):
        make_baseline("vae_pyod08", encoder_neurons=[0]).fit(X)


def test_the_vae_method_has_two_implementations_and_keeps_its_run_ids():
    """``implementation = "pyod-0.8"`` builds the new detector; VAE records no implementation by
    default, so its runs keep their ids, and "pyod" (the default) hashes as if absent."""
    from reproduce.config import expand, load_experiments
    from reproduce.registry import get_method
    from reproduce.spec import RunSpec

    entry = get_method("VAE")
    assert dict(entry.defaults) == {"input_scaling": "none"}
    where = {"random_state": 0, "n_threads": 1, "device": "cpu"}
    assert type(entry.factory(entry.defaults, **where)) is BASELINES["vae"]
    assert type(entry.factory({"implementation": "pyod"}, **where)) is BASELINES["vae"]
    built = entry.factory({**entry.defaults, "implementation": "pyod-0.8"}, **where)
    assert type(built) is ALTERNATIVES["vae_pyod08"]
    with pytest.raises(ValueError, match=r"valid: \['pyod', 'pyod-0.8'\]"):
        entry.factory({"implementation": "keras"}, **where)

    table1 = next(e for e in load_experiments(["table1"]) if e.name == "table1")
    (point,) = expand(table1, datasets=["glass"], seeds=[0], methods=["VAE"])
    assert point.spec.run_id == "glass__VAE__s0__b43c4e92afd1f44c"  # computed before the change
    params = dict(entry.defaults)
    assert RunSpec.create("glass", "VAE", 0, {**params, "implementation": "pyod"}).run_id == (
        point.spec.run_id
    )
    other = RunSpec.create("glass", "VAE", 0, {**params, "implementation": "pyod-0.8"})
    assert other.run_id != point.spec.run_id

    experiments = {e.name: e for e in load_experiments(["table2"])}
    assert experiments["table2"].method_params("VAE") == {
        "implementation": "pyod-0.8",
        "input_scaling": "none",
    }
    # table2_vae: project = Table 2's runs; pyod36 = the runs Table 2's VAE had before (its
    # specs without an implementation).
    comparison = experiments["table2_vae"]
    assert comparison.report == "baseline_fidelity" and comparison.methods == ("VAE",)
    table2 = {p.spec.run_id for p in expand(experiments["table2"], methods=["VAE"])}
    points = expand(comparison)
    for point in points:
        if point.sweep_value == "project":
            assert point.spec.run_id in table2
        else:
            assert point.sweep_value == "pyod36"
            spec = point.spec
            before = RunSpec.create(
                spec.dataset, "VAE", spec.seed, dict(entry.defaults), spec.data_options_dict
            )
            assert spec.run_id == before.run_id and spec.run_id not in table2
