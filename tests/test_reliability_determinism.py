"""Determinism: the same spec gives identical AUCs; the run id follows the spec and nothing else.

The runner tests cover the toy detectors; here every registered method of the paper (three flows,
seven baselines, with tiny training) is run twice, once in this process and once on two loky
worker processes, and the run id is checked on random specs (hypothesis): invariant to how a
spec is written, different after any single change.
"""

from __future__ import annotations

import logging
import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reproduce.backends import LokyBackend, SequentialBackend
from reproduce.runner import run_grid
from reproduce.spec import ORACLE_CONTAMINATION, RunSpec, canonical_json, run_id
from reproduce.store import RunStore

pytestmark = pytest.mark.usefixtures("toys")

logger = logging.getLogger(__name__)

_FLOW = {"epochs": 2, "n_couplings": 2, "hidden_features": 8, "batch_size": 64}
TINY_METHODS = {
    "RobustRealNVP": {**_FLOW, "trim_ratio": ORACLE_CONTAMINATION, "spectral_norm": True},
    "TrimRealNVP": {**_FLOW, "trim_ratio": ORACLE_CONTAMINATION},
    "RealNVP": _FLOW,
    "AE": {"epochs": 2, "hidden_features": 8},
    "VAE": {"epochs": 2, "hidden_features": 8},
    "SO-GAAL": {"stop_epochs": 2},
    "Deep-SVDD": {"epochs": 2, "pretrain_epochs": 2, "hidden_features": 8},
    "OCSVM": {},
    "LOF": {"n_neighbors": 10},
    "IF": {"n_estimators": 20},
}
RUN_ID_EXAMPLES = 150


def test_every_method_gives_identical_aucs_in_two_runs_in_different_processes(tmp_path):
    specs = [RunSpec.create("toy-b", method, 3, p) for method, p in TINY_METHODS.items()]
    here, workers = RunStore(tmp_path / "in-process"), RunStore(tmp_path / "loky")
    first = run_grid(specs, here, SequentialBackend(), progress=False)
    second = run_grid(specs, workers, LokyBackend(2), progress=False)
    assert (first.done, second.done) == (len(specs), len(specs)), (
        first.failed_runs,
        second.failed_runs,
    )
    for spec in specs:
        a, b = here.read(spec.run_id), workers.read(spec.run_id)
        assert a.environment["pid"] != b.environment["pid"]
        assert a.metrics == b.metrics, spec.method  # bit-identical AUC and AP
        assert 0.0 <= a.metrics["roc_auc"] <= 1.0 and math.isfinite(a.metrics["roc_auc"])
    # The execution settings (backend, workers, process) are not part of the run id.
    assert {p.name for p in here.root.glob("*.json")} == {
        p.name for p in workers.root.glob("*.json")
    }


# --------------------------------------------------------------------------- run ids
_KEYS = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
_SCALARS = (
    st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.text(string.printable, max_size=6)
)
_VALUES = _SCALARS | st.lists(st.integers(0, 512) | st.floats(0, 1), max_size=3)


@st.composite
def specs(draw) -> RunSpec:
    return RunSpec.create(
        dataset=draw(st.sampled_from(["glass", "pima", "toy-a", "two-moons-uniform"])),
        method=draw(st.sampled_from(sorted(TINY_METHODS))),
        seed=draw(st.integers(0, 2**31)),
        params=draw(st.dictionaries(_KEYS, _VALUES, max_size=6)),
        data_options=draw(st.dictionaries(_KEYS, _SCALARS, max_size=2)),
        outputs=draw(st.sampled_from([(), ("density_grid",)])),
    )


def _json(value) -> str:
    return canonical_json(list(value) if isinstance(value, tuple) else value)


@st.composite
def changed(draw, spec: RunSpec) -> RunSpec:
    """``spec`` with exactly one thing changed (a field, or one parameter added/removed/set)."""
    fields = spec.to_dict()
    what = draw(st.sampled_from(["dataset", "method", "seed", "param", "data", "outputs"]))
    if what == "dataset":
        fields["dataset"] = fields["dataset"] + draw(st.sampled_from(["-2", "x", "_"]))
    elif what == "method":
        fields["method"] = draw(st.sampled_from(sorted(set(TINY_METHODS) - {spec.method})))
    elif what == "seed":
        fields["seed"] = spec.seed + draw(st.integers(1, 1000))
    elif what == "outputs":
        fields["outputs"] = [] if spec.outputs else ["density_grid"]
    else:
        section = fields["params" if what == "param" else "data_options"]
        key = draw(_KEYS)
        if key in section and draw(st.booleans()):
            del section[key]
        else:
            old = _json(section[key]) if key in section else None
            section[key] = draw(_VALUES.filter(lambda v: _json(v) != old))
    return RunSpec.from_dict(fields)


def test_run_id_does_not_depend_on_how_the_spec_is_written(record_property):
    tried = 0

    @settings(max_examples=RUN_ID_EXAMPLES, deadline=None)
    @given(spec=specs(), data=st.data())
    def same_id(spec: RunSpec, data) -> None:
        nonlocal tried
        tried += 1
        params = spec.params_dict
        order = data.draw(st.permutations(list(params)))
        rewritten = RunSpec.create(
            dataset=spec.dataset,
            method=spec.method,
            seed=spec.seed,
            params={key: params[key] for key in order},
            data_options=dict(reversed(list(spec.data_options_dict.items()))),
            outputs=list(spec.outputs) * 2,  # duplicates and list vs tuple do not matter
        )
        assert rewritten.run_id == spec.run_id
        assert RunSpec.from_dict(spec.to_dict()).run_id == spec.run_id
        assert run_id(spec, "0.0.test") == run_id(rewritten, "0.0.test") != spec.run_id

    same_id()
    record_property("examples", tried)
    logger.info("run id invariance: %d examples", tried)
    assert tried >= RUN_ID_EXAMPLES


def test_run_id_changes_when_anything_in_the_spec_changes(record_property):
    tried = 0

    @settings(max_examples=RUN_ID_EXAMPLES, deadline=None)
    @given(data=st.data())
    def new_id(data) -> None:
        nonlocal tried
        tried += 1
        spec = data.draw(specs())
        other = data.draw(changed(spec))
        assert canonical_json(other.to_dict()) != canonical_json(spec.to_dict())
        assert other.run_id != spec.run_id

    new_id()
    record_property("examples", tried)
    logger.info("run id sensitivity: %d examples", tried)
    assert tried >= RUN_ID_EXAMPLES
