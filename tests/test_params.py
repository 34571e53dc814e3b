"""Tests of the shared parameter declarations (``rrnvp.params``) and of their use by the flows and
the baselines: each estimator's declaration agrees with its ``__init__`` signature."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import rrnvp
from baselines import ALTERNATIVES, BASELINES
from baselines.adapter import COMMON_PARAMS, INPUT_SCALING
from rrnvp.params import (
    BOOL,
    Param,
    constraints_of,
    integer,
    integer_list,
    none_or,
    one_of,
    real,
    validate_params,
)

FLOW_CLASSES = (rrnvp.FlowDetector, rrnvp.RealNVP, rrnvp.TrimRealNVP, rrnvp.RobustRealNVP)
BASELINE_CLASSES = (*BASELINES.values(), *ALTERNATIVES.values())


def init_defaults(cls: type) -> dict[str, object]:
    """Keyword parameters of ``cls.__init__`` and their defaults, in signature order."""
    return {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
    }


# ------------------------------------------------------------------------------ constraints
@pytest.mark.parametrize(
    ("constraint", "accepted", "refused", "description"),
    [
        (integer(ge=1), [1, 7, np.int64(3)], [0, -1, 1.0, True, "1", None], "an integer >= 1"),
        (integer(ge=0), [0, 2], [-1, 0.5, False], "an integer >= 0"),
        (
            real(gt=0),
            [1e-9, 3, 2.5],
            [0, -1.0, np.nan, np.inf, True, "1"],
            "a finite real number > 0",
        ),
        (real(ge=0), [0, 0.0, 4.5], [-1e-9, np.nan, np.inf], "a finite real number >= 0"),
        (real(ge=0, lt=0.5), [0, 0.49], [0.5, -0.01, np.nan, True], "a real number in [0, 0.5)"),
        (real(gt=0, le=0.5), [0.5, 0.1], [0, 0.51, np.nan], "a real number in (0, 0.5]"),
        (real(ge=0, lt=1), [0, 0.99], [1, 1.0], "a real number in [0, 1)"),
        (BOOL, [True, False, np.bool_(True)], [0, 1, "True", None], "a bool"),
        (one_of("a", "b"), ["a", np.str_("b")], ["c", None, 1, ["a"]], "one of ['a', 'b']"),
        (none_or(integer(ge=1)), [None, 2], [0, 1.5], "None or an integer >= 1"),
        (
            integer_list(ge=1),
            [[1], (128, 64, 32), [np.int64(3), 2]],
            [[], (), [0], [1, 2.0], [True], 3, "12", None, np.array([1, 2])],
            "a non-empty list of integers >= 1",
        ),
    ],
)
def test_constraints_accept_refuse_and_describe(constraint, accepted, refused, description):
    assert constraint.description == description
    assert all(constraint.accepts(value) for value in accepted)
    assert not any(constraint.accepts(value) for value in refused)


def test_real_takes_one_bound_of_each_side():
    with pytest.raises(ValueError, match="at most one lower bound"):
        real(gt=0, ge=0)
    with pytest.raises(TypeError, match="strings"):
        one_of("a", 1)


def test_validate_params_names_the_parameter_what_it_must_be_and_the_value():
    constraints = {"epochs": integer(ge=1), "seed": None, "rate": real(gt=0)}
    validate_params(constraints, {"epochs": 3, "seed": object(), "rate": 0.1}, caller="Toy")
    message = "Toy: rate must be a finite real number > 0, got -0.5"
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_params(constraints, {"epochs": 3, "seed": None, "rate": -0.5}, caller="Toy")


def test_a_declaration_needs_a_doc_and_an_accepted_default():
    with pytest.raises(ValueError, match="needs a doc"):
        Param(1, integer(ge=1), " ")
    with pytest.raises(ValueError, match="not an integer >= 1"):
        Param(0, integer(ge=1), "Epochs.")
    assert constraints_of({"n": Param(1, None, "Unchecked.")}) == {"n": None}


# ---------------------------------------------------------------- declarations vs signatures
@pytest.mark.parametrize("cls", FLOW_CLASSES, ids=lambda c: c.__name__)
def test_flow_constraints_agree_with_the_signature(cls):
    defaults = init_defaults(cls)
    assert list(cls._constraints) == list(defaults)
    for name, default in defaults.items():
        constraint = cls._constraints[name]
        assert constraint is None or constraint.accepts(default), (name, default)
    cls()._validate_params()  # the defaults pass as a whole


def test_every_flow_parameter_is_documented():
    documented = re.findall(r"^    (\w+) : ", rrnvp.FlowDetector.__doc__, flags=re.MULTILINE)
    assert set(init_defaults(rrnvp.FlowDetector)) <= set(documented)


@pytest.mark.parametrize("cls", BASELINE_CLASSES, ids=lambda c: c.__name__)
def test_baseline_declarations_agree_with_the_signature(cls):
    declared = cls.spec.all_params()
    assert init_defaults(cls) == {name: param.default for name, param in declared.items()}
    assert list(declared)[: len(cls.spec.params)] == list(cls.spec.params)
    assert set(COMMON_PARAMS) <= set(declared)
    assert ("device" in declared) == cls.spec.has_device
    assert dict(cls._constraints) == constraints_of(declared)
    assert cls.spec.params["input_scaling"].constraint is INPUT_SCALING
    assert dict(cls.spec.defaults) == {n: p.default for n, p in cls.spec.params.items()}
    assert dict(cls.spec.param_docs) == {n: p.doc for n, p in cls.spec.params.items()}
    cls()._validate_params()


def test_a_bad_flow_parameter_is_named_with_what_it_must_be():
    message = "RobustRealNVP: trim_ratio must be a real number in [0, 0.5), got 0.5"
    with pytest.raises(ValueError, match=re.escape(message)):
        rrnvp.RobustRealNVP(trim_ratio=0.5)._validate_params()
    with pytest.raises(ValueError, match=re.escape("max_steps must be None or an integer >= 1")):
        rrnvp.FlowDetector(max_steps=0)._validate_params()


def test_a_bad_baseline_parameter_is_named_with_what_it_must_be():
    message = "ae: dropout_rate must be a real number in [0, 1), got 1.0"
    with pytest.raises(ValueError, match=re.escape(message)):
        BASELINES["ae"](dropout_rate=1.0)._validate_params()
    message = "lof: n_threads must be None or an integer >= 1, got 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        BASELINES["lof"](n_threads=0)._validate_params()
