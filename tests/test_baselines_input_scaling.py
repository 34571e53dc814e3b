"""Per-method input scaling (``input_scaling``): fitted on the training data only, applied to every
matrix scored, recorded in run specs, safe on constant columns."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import OneClassSVM

from baselines import ALTERNATIVES, BASELINES, make_baseline
from baselines.adapter import fit_input_scaler

RNG = np.random.default_rng(0)
X_TRAIN = RNG.normal([0.3, 5.0, -2.0], [0.1, 2.0, 0.5], size=(300, 3))
X_TEST = RNG.normal([0.3, 5.0, -2.0], [0.1, 2.0, 0.5], size=(100, 3))


def reference_ocsvm(X_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """The OCSVM the detector wraps, fitted on ``X_train`` as given: -score_samples(X_test)."""
    return -OneClassSVM(kernel="rbf", nu=0.5, gamma="auto").fit(X_train).score_samples(X_test)


def test_ocsvm_standardises_with_the_training_statistics_only():
    detector = make_baseline("ocsvm").fit(X_TRAIN)
    assert detector.input_scaling == "standard"
    np.testing.assert_allclose(detector.input_scaler_.mean_, X_TRAIN.mean(axis=0))
    np.testing.assert_allclose(detector.input_scaler_.scale_, X_TRAIN.std(axis=0))
    mean, std = X_TRAIN.mean(axis=0), X_TRAIN.std(axis=0)
    expected = reference_ocsvm((X_TRAIN - mean) / std, (X_TEST - mean) / std)
    np.testing.assert_allclose(detector.decision_function(X_TEST), expected, rtol=1e-10)
    # A shifted test set is scored with the training statistics, not re-standardised: its points
    # move away from the training data and score higher.
    shifted = X_TEST + 3.0 * X_TRAIN.std(axis=0)
    scores = detector.decision_function(shifted)
    np.testing.assert_allclose(
        scores, reference_ocsvm((X_TRAIN - mean) / std, (shifted - mean) / std), rtol=1e-10
    )
    assert scores.mean() > detector.decision_function(X_TEST).mean()
    np.testing.assert_array_equal(detector.decision_scores_, detector.decision_function(X_TRAIN))


def test_standard_scaling_makes_the_scores_invariant_to_affine_maps_of_the_features():
    """Features multiplied and shifted (as by another min-max fit) give the same scores when the
    inputs are standardised, and different ones when they are not (RBF with gamma = 1/d)."""
    a, b = np.array([10.0, 0.1, 3.0]), np.array([-4.0, 2.0, 0.5])
    for scaling, same in [("standard", True), ("minmax", True), ("none", False)]:
        plain = make_baseline("ocsvm", input_scaling=scaling).fit(X_TRAIN)
        mapped = make_baseline("ocsvm", input_scaling=scaling).fit(a * X_TRAIN + b)
        close = np.allclose(
            plain.decision_function(X_TEST), mapped.decision_function(a * X_TEST + b), rtol=1e-6
        )
        assert close is same, scaling


def test_minmax_scaling_uses_the_training_range():
    detector = make_baseline("lof", input_scaling="minmax").fit(X_TRAIN)
    np.testing.assert_allclose(detector.input_scaler_.data_min_, X_TRAIN.min(axis=0))
    np.testing.assert_allclose(detector.input_scaler_.data_max_, X_TRAIN.max(axis=0))
    scaled = (X_TEST - X_TRAIN.min(axis=0)) / (X_TRAIN.max(axis=0) - X_TRAIN.min(axis=0))
    reference = make_baseline("lof", input_scaling="none").fit(
        (X_TRAIN - X_TRAIN.min(axis=0)) / (X_TRAIN.max(axis=0) - X_TRAIN.min(axis=0))
    )
    np.testing.assert_allclose(
        detector.decision_function(X_TEST), reference.decision_function(scaled), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("lof", {}, "none"),
        ("iforest", {}, "none"),
        ("ae", {"epochs": 1, "hidden_features": 4, "device": "cpu"}, "none"),
        ("ocsvm", {"input_scaling": "none"}, "none"),
        ("ocsvm", {}, "standard"),
        ("iforest", {"input_scaling": "minmax"}, "minmax"),
    ],
)
def test_the_wrapped_model_is_fitted_on_the_scaled_training_data(
    name, params, expected, monkeypatch
):
    detector = make_baseline(name, random_state=0, **params)
    model_class = detector.spec.model_class
    original, seen = model_class.fit, {}

    def recording_fit(model, X, *args, **kwargs):
        seen["X"] = np.array(X, copy=True)
        return original(model, X, *args, **kwargs)

    monkeypatch.setattr(model_class, "fit", recording_fit)
    detector.fit(X_TRAIN)
    assert detector.input_scaling == expected
    if expected == "none":
        assert detector.input_scaler_ is None
        np.testing.assert_array_equal(seen["X"], X_TRAIN)  # handed over unchanged
    elif expected == "standard":
        mean, std = X_TRAIN.mean(axis=0), X_TRAIN.std(axis=0)
        np.testing.assert_allclose(seen["X"], (X_TRAIN - mean) / std, rtol=1e-12, atol=1e-12)
    else:
        low, high = X_TRAIN.min(axis=0), X_TRAIN.max(axis=0)
        np.testing.assert_allclose(seen["X"], (X_TRAIN - low) / (high - low), atol=1e-12)


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
def test_constant_columns_are_centred_not_divided_by_zero(scaling):
    X = np.column_stack([X_TRAIN[:, :2], np.full(len(X_TRAIN), 7.0)])
    test = np.column_stack([X_TEST[:, :2], np.full(len(X_TEST), 9.0)])  # differs from training
    detector = make_baseline("ocsvm", input_scaling=scaling).fit(X)
    assert detector.input_scaler_.scale_[2] == 1.0
    assert np.all(np.isfinite(detector.decision_scores_))
    assert np.all(np.isfinite(detector.decision_function(test)))
    # (9 - 7) / 1: the training constant is subtracted, the scale of 1 kept
    np.testing.assert_allclose(detector.input_scaler_.transform(test)[:, 2], 2.0)


def test_unknown_input_scaling_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match=r"input_scaling must be one of \['none', 'standard'"):
        make_baseline("ocsvm", input_scaling="zscore").fit(X_TRAIN)
    with pytest.raises(ValueError, match="input_scaling"):
        fit_input_scaler("robust", X_TRAIN)


def test_statistics_that_overflow_are_refused_clearly():
    X = np.array([[1e308, 0.0], [-1e308, 1.0], [1e308, 2.0]])
    with pytest.raises(ValueError, match="overflow float64"):
        make_baseline("iforest", input_scaling="standard").fit(X)


def test_test_values_too_large_after_scaling_are_refused_not_scored_nan():
    detector = make_baseline("ocsvm").fit(X_TRAIN)
    with pytest.raises(ValueError, match="rescale the data"):
        detector.decision_function(np.full((2, 3), 1e300))


@pytest.mark.parametrize("name", list(BASELINES) + list(ALTERNATIVES))
def test_every_baselines_input_scaling_doc_states_its_actual_default_and_why(name):
    """The documentation names the default the detector really uses (it cannot drift from it),
    followed by the reason in parentheses."""
    spec = make_baseline(name).spec
    default = spec.defaults["input_scaling"]
    doc = spec.param_docs["input_scaling"]
    assert doc.startswith(f"Per-method input scaling fitted on the training data: {default} ("), doc
    assert len(doc) > 80, "the reason is given"
    assert make_baseline(name).get_params()["input_scaling"] == default


def test_runner_defaults_are_the_detectors_defaults_and_reach_the_detector():
    from reproduce.registry import BASELINE_METHODS, get_method

    for method, (factory, defaults) in BASELINE_METHODS.items():
        assert dict(get_method(method).defaults) == dict(defaults)
        name = factory.baseline_name(defaults.get("implementation"))
        assert defaults["input_scaling"] == make_baseline(name).input_scaling, method
        built = factory(defaults, random_state=0, n_threads=1, device="cpu")
        assert built.input_scaling == defaults["input_scaling"]


@pytest.mark.usefixtures("toys")
def test_every_run_record_carries_the_input_scaling_and_implementation(tmp_path):
    from reproduce.backends import SequentialBackend
    from reproduce.registry import get_method
    from reproduce.runner import run_grid
    from reproduce.spec import RunSpec
    from reproduce.store import RunStore

    store = RunStore(tmp_path)
    specs = [
        RunSpec.create("toy-a", "OCSVM", 0, get_method("OCSVM").defaults),
        RunSpec.create("toy-a", "AE", 0, {**get_method("AE").defaults, "epochs": 1}),
    ]
    summary = run_grid(specs, store, SequentialBackend(), progress=False)
    assert summary.done == 2, summary.failed_runs
    ocsvm, ae = (store.read(spec.run_id) for spec in specs)
    assert ocsvm.spec.params_dict["input_scaling"] == "standard"
    assert ocsvm.resolved_params["input_scaling"] == "standard"
    assert ocsvm.spec.to_dict()["params"] == {"input_scaling": "standard"}
    assert ae.resolved_params == {
        "implementation": "authors-script",
        "input_scaling": "none",
        "epochs": 1,
    }


def test_the_implementation_parameter_picks_the_detector():
    from reproduce.registry import BaselineFactory, get_method

    where = {"random_state": 0, "n_threads": 1, "device": "cpu"}
    ae, svdd = get_method("AE").factory, get_method("Deep-SVDD").factory
    values = ("authors-script", "authors", "pyod")
    built = {value: type(ae({"implementation": value}, **where)) for value in values}
    assert built == {
        "authors-script": BASELINES["ae"],
        "authors": ALTERNATIVES["ae_rebuilt"],
        "pyod": ALTERNATIVES["ae_pyod"],
    }
    values = ("authors-script", "authors", "ruff")
    built = {value: type(svdd({"implementation": value}, **where)) for value in values}
    assert built == {
        "authors-script": BASELINES["deep_svdd"],
        "authors": ALTERNATIVES["deep_svdd_rebuilt"],
        "ruff": ALTERNATIVES["deep_svdd_ruff"],
    }
    valid = r"\['authors-script', 'authors', 'pyod'\]"
    with pytest.raises(ValueError, match=rf"unknown implementation 'keras'.*{valid}"):
        ae({"implementation": "keras"}, **where)
    with pytest.raises(ValueError, match="unknown implementation 'authors_script' of baseline"):
        svdd({"implementation": "authors_script"}, **where)
    with pytest.raises(ValueError, match="one implementation"):
        BaselineFactory("vae")({"implementation": "pyod"}, **where)
    # the parameter never reaches the detector
    detector = ae({"implementation": "pyod", "epochs": 3}, **where)
    assert "implementation" not in detector.get_params() and detector.epochs == 3
