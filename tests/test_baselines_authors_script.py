"""Tests of the ``authors-script`` variants of the AE and Deep-SVDD baselines, the defaults
(``baselines.authors_nets.AuthorsScriptAutoEncoder`` / ``AuthorsScriptDeepSVDD``, the baselines
``ae`` / ``deep_svdd``): the networks against the authors' ``models/AE_Coteaching.py`` and
``models/SVDD.py``, the two-pass AE loss, the one Adam of Deep SVDD's two phases, seeding, the
registry defaults and how ``reproduce`` reaches them (and still reaches the earlier rebuild).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from baselines import ALTERNATIVES, BASELINES, make_baseline
from baselines.authors_nets import (
    LEAKY_SLOPE,
    AuthorsAutoEncoder,
    AuthorsDeepSVDD,
    AuthorsScriptAutoEncoder,
    AuthorsScriptDeepSVDD,
    SeededDropout,
)
from tests.tiny_networks import D, H, K, N, settings, unit_data

pytestmark = pytest.mark.usefixtures("one_thread")


def script_ae(**overrides) -> AuthorsScriptAutoEncoder:
    return AuthorsScriptAutoEncoder(**settings(**overrides))


def script_svdd(**overrides) -> AuthorsScriptDeepSVDD:
    return AuthorsScriptDeepSVDD(**settings(**{"pretrain_epochs": 3, **overrides}))


@pytest.fixture(scope="module")
def X():
    return unit_data()


def listing(network: nn.Sequential) -> list[tuple]:
    """The module sequence as the authors' code writes it: ``("Linear", in, out, bias)``,
    ``("LeakyReLU", slope)``, ``("Dropout", p)``, ``("Sigmoid",)``."""
    out: list[tuple] = []
    for layer in network:
        if isinstance(layer, nn.Linear):
            out.append(("Linear", layer.in_features, layer.out_features, layer.bias is not None))
        elif isinstance(layer, nn.LeakyReLU):
            out.append(("LeakyReLU", layer.negative_slope))
        elif isinstance(layer, SeededDropout):
            out.append(("Dropout", layer.p))
        elif isinstance(layer, nn.Sigmoid):
            out.append(("Sigmoid",))
        else:
            raise AssertionError(f"unexpected layer {layer!r}")
    return out


def record_training(monkeypatch, cls: type) -> list[dict]:
    """Record each phase's network, loss function and optimiser argument of ``cls._train``."""
    calls: list[dict] = []
    original = cls._train

    def recording(self, network, loss_of_batch, *args, **kwargs):
        calls.append(
            {
                "network": network,
                "loss_of_batch": loss_of_batch,
                "optimizer": kwargs.get("optimizer"),
                "initial_weights": [
                    m.weight.detach().clone() for m in network.modules() if isinstance(m, nn.Linear)
                ],
            }
        )
        return original(self, network, loss_of_batch, *args, **kwargs)

    monkeypatch.setattr(cls, "_train", recording)
    return calls


LRELU = ("LeakyReLU", LEAKY_SLOPE)
DROP = ("Dropout", 0.5)


# ------------------------------------------------------------------------------ architecture
def test_autoencoder_is_the_scripts_network(X):
    """models/AE_Coteaching.py, class AE: encoder1 and decoder1 (the only ones forward uses)."""
    fitted = script_ae().fit(X)
    encoder, decoder = fitted.network_
    assert listing(encoder) == [
        ("Linear", D, H, True), LRELU, DROP,
        ("Linear", H, H, True), LRELU, DROP,
        ("Linear", H, K, True),
    ]  # fmt: skip
    assert listing(decoder) == [
        LRELU, DROP,
        ("Linear", K, H, True), LRELU, DROP,
        ("Linear", H, H, True), LRELU,
        ("Linear", H, D, True), ("Sigmoid",),
    ]  # fmt: skip


def test_deep_svdd_is_the_scripts_network(X, monkeypatch):
    """models/SVDD.py, class SVDD: the bias-free encoder and decoder."""
    calls = record_training(monkeypatch, AuthorsScriptDeepSVDD)
    fitted = script_svdd().fit(X)
    encoder, decoder = calls[0]["network"]
    assert encoder is fitted.encoder_ and calls[1]["network"] is fitted.encoder_
    assert listing(encoder) == [
        ("Linear", D, H, False), LRELU, DROP,
        ("Linear", H, H, False), LRELU, DROP,
        ("Linear", H, K, False), LRELU,
    ]  # fmt: skip
    assert listing(decoder) == [
        DROP,
        ("Linear", K, H, False), LRELU, DROP,
        ("Linear", H, H, False), LRELU,
        ("Linear", H, D, False), ("Sigmoid",),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("script", "described"),
    [(script_ae, AuthorsAutoEncoder), (script_svdd, AuthorsDeepSVDD)],
)
def test_both_variants_start_from_the_same_weights(script, described, X, monkeypatch):
    """The weights are drawn layer by layer in the same order: only the layout around them and
    the training differ."""
    script_calls = record_training(monkeypatch, type(script()))
    script().fit(X)
    described_calls = record_training(monkeypatch, described)
    kwargs = settings(pretrain_epochs=3) if described is AuthorsDeepSVDD else settings()
    described(**kwargs).fit(X)
    first, second = script_calls[0]["initial_weights"], described_calls[0]["initial_weights"]
    assert len(first) == len(second) == 6
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_default_sizes_are_run_shs():
    ae = make_baseline("ae").get_params()
    assert (ae["hidden_features"], ae["latent_features"], ae["epochs"]) == (256, 10, 200)
    assert (ae["learning_rate"], ae["batch_size"], ae["weight_decay"]) == (3e-4, 128, 0.0)
    assert ae["dropout_rate"] == 0.5
    svdd = make_baseline("deep_svdd").get_params()
    assert (svdd["hidden_features"], svdd["latent_features"]) == (128, 10)
    assert (svdd["pretrain_epochs"], svdd["epochs"]) == (50, 100)
    assert (svdd["learning_rate"], svdd["batch_size"], svdd["weight_decay"]) == (3e-4, 128, 0.0)
    assert svdd["dropout_rate"] == 0.5


@pytest.mark.parametrize(
    ("name", "sources"),
    [
        ("ae", ("run.sh", "train_ae.py", "models/AE_Coteaching.py")),
        ("deep_svdd", ("run.sh", "trainSVDD.py", "models/SVDD.py")),
    ],
)
def test_every_parameter_cites_the_authors_file_it_comes_from(name, sources):
    spec = BASELINES[name].spec
    for parameter, doc in spec.param_docs.items():
        cited = (*sources, "data_process.py") if parameter == "input_scaling" else sources
        assert "authors'" in doc and any(source in doc for source in cited), (parameter, doc)


# ------------------------------------------------------------------------------ AE: two passes
def test_autoencoder_loss_is_the_sum_of_two_passes(X, monkeypatch):
    """Without dropout both passes are the same: the loss is exactly twice one pass's MSE."""
    calls = record_training(monkeypatch, AuthorsScriptAutoEncoder)
    fitted = script_ae(dropout_rate=0.0, epochs=1).fit(X)
    data = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        loss = calls[0]["loss_of_batch"](data)
        one_pass = nn.MSELoss()(fitted.network_(data), data)
    assert torch.equal(loss, 2 * one_pass)


def test_autoencoder_passes_draw_their_own_dropout_masks(X, monkeypatch):
    """One step (one batch, one epoch): two forward passes, each with its own masks."""
    masks: list[torch.Tensor] = []
    original = AuthorsScriptAutoEncoder._train

    def recording(self, network, *args, **kwargs):
        first_dropout = next(m for m in network.modules() if isinstance(m, SeededDropout))
        first_dropout.register_forward_hook(lambda m, i, out: masks.append(out == 0))
        return original(self, network, *args, **kwargs)

    monkeypatch.setattr(AuthorsScriptAutoEncoder, "_train", recording)
    script_ae(batch_size=N, epochs=1).fit(X)
    assert len(masks) == 2  # the two passes of the one step
    assert masks[0].float().mean().item() == pytest.approx(0.5, abs=0.05)
    assert not torch.equal(masks[0], masks[1])


def test_autoencoder_score_is_the_scripts_sum_of_two_passes_bit_for_bit(X):
    """train_ae.py scores ``loss(xhat1, x) + loss(xhat2, x)`` summed over the features, its two
    evaluation passes identical: twice one pass, exactly."""
    fitted = script_ae().fit(X)
    data = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        errors = nn.MSELoss(reduction="none")
        first, second = fitted.network_(data), fitted.network_(data)
        script = (errors(first, data) + errors(second, data)).sum(dim=1).double().numpy()
        one_pass = ((first - data) ** 2).sum(dim=1).double().numpy()
    scores = fitted.decision_function(X)
    np.testing.assert_array_equal(scores, script)
    np.testing.assert_array_equal(scores, 2 * one_pass)
    assert scores.dtype == np.float64


# ------------------------------------------------------------------------------ Deep SVDD: Adam
def test_deep_svdd_trains_both_phases_with_one_adam(X, monkeypatch):
    """trainSVDD.py creates one Adam and carries it from pre-training into the one-class phase;
    the decoder gets no gradient there, so only the encoder's parameters step on."""
    calls = record_training(monkeypatch, AuthorsScriptDeepSVDD)
    fitted = script_svdd(learning_rate=2e-3, weight_decay=1e-5).fit(X)
    pretraining, training = calls
    optimizer = pretraining["optimizer"]
    assert isinstance(optimizer, torch.optim.Adam) and training["optimizer"] is optimizer
    assert optimizer.defaults["lr"] == 2e-3 and optimizer.defaults["weight_decay"] == 1e-5
    encoder, decoder = pretraining["network"]
    parameters = [*encoder.parameters(), *decoder.parameters()]
    assert [id(p) for g in optimizer.param_groups for p in g["params"]] == list(map(id, parameters))
    steps_per_epoch = math.ceil(N / 32)
    for parameter in encoder.parameters():
        assert int(optimizer.state[parameter]["step"]) == 2 * 3 * steps_per_epoch
    for parameter in decoder.parameters():
        assert int(optimizer.state[parameter]["step"]) == 3 * steps_per_epoch
    assert len(fitted.history_["pretrain_loss"]) == 3 and len(fitted.history_["loss"]) == 3


def test_the_described_deep_svdd_keeps_a_fresh_adam_per_phase(X, monkeypatch):
    calls = record_training(monkeypatch, AuthorsDeepSVDD)
    AuthorsDeepSVDD(**settings(pretrain_epochs=1, epochs=1)).fit(X)
    assert [call["optimizer"] for call in calls] == [None, None]


def test_deep_svdd_without_pretraining_still_trains_the_one_class_phase(X):
    fitted = script_svdd(pretrain_epochs=0).fit(X)
    assert fitted.history_["pretrain_loss"] == [] and len(fitted.history_["loss"]) == 3
    assert np.all(np.isfinite(fitted.decision_function(X)))


def test_deep_svdd_scores_the_squared_distance_to_the_centre(X):
    fitted = script_svdd().fit(X)
    with torch.no_grad():
        z = fitted.encoder_(torch.as_tensor(X, dtype=torch.float32))
    expected = ((z - fitted.center_) ** 2).sum(dim=1).double().numpy()
    np.testing.assert_array_equal(fitted.decision_function(X), expected)


# ------------------------------------------------------------------------------ seeds
@pytest.mark.parametrize("build", [script_ae, script_svdd])
def test_same_seed_same_scores_other_seed_other_scores(build, X):
    torch.manual_seed(1)
    state = torch.random.get_rng_state()
    first = build().fit(X).decision_function(X)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global RNG was not drawn from
    torch.manual_seed(2)
    np.testing.assert_array_equal(build().fit(X).decision_function(X), first)
    assert not np.array_equal(build(random_state=1).fit(X).decision_function(X), first)


@pytest.mark.parametrize("build", [script_ae, script_svdd])
def test_dropout_generators_are_released_after_fit(build, X):
    fitted = build().fit(X)
    network = fitted.network_ if hasattr(fitted, "network_") else fitted.encoder_
    dropouts = [m for m in network.modules() if isinstance(m, SeededDropout)]
    assert dropouts and all(m.generator is None and not m.training for m in dropouts)


# ------------------------------------------------------------------------------ reproduce
@pytest.mark.parametrize(
    ("method", "name", "script", "rebuilt_name", "rebuilt"),
    [
        ("AE", "ae", AuthorsScriptAutoEncoder, "ae_rebuilt", AuthorsAutoEncoder),
        ("Deep-SVDD", "deep_svdd", AuthorsScriptDeepSVDD, "deep_svdd_rebuilt", AuthorsDeepSVDD),
    ],
)
def test_reproduce_default_is_the_script_and_authors_the_rebuild(
    method, name, script, rebuilt_name, rebuilt
):
    """The method's default (``implementation = "authors-script"``, recorded in every run spec)
    builds the script-exact network; ``"authors"`` still builds the earlier rebuild, whose
    committed runs keep their ids."""
    from reproduce.registry import BASELINE_METHODS, get_method

    where = {"random_state": 0, "n_threads": 1, "device": "cpu"}
    factory, defaults = BASELINE_METHODS[method]
    entry = get_method(method)
    assert defaults["implementation"] == entry.defaults["implementation"] == "authors-script"
    for params in (dict(entry.defaults), {}):  # the recorded default, and none named
        detector = entry.factory(params, **where)
        assert type(detector) is BASELINES[name]
        assert detector.spec.model_class is script
    detector = entry.factory({**entry.defaults, "implementation": "authors"}, **where)
    assert type(detector) is ALTERNATIVES[rebuilt_name]
    assert detector.spec.model_class is rebuilt  # `is`: the script's class derives from it
    assert factory.baseline_name("authors-script") == name
    assert factory.baseline_name("authors") == rebuilt_name
    with pytest.raises(ValueError, match=r"unknown implementation 'script'.*'authors-script'"):
        factory.baseline_name("script")
