"""Run specs and their ids: stable across processes, sensitive to every field, experiment-free."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reproduce.spec import ORACLE_CONTAMINATION, RunSpec, run_id

ROOT = Path(__file__).resolve().parents[1]

BASE = dict(
    dataset="mammography",
    method="RobustRealNVP",
    seed=3,
    params={"epochs": 20, "trim_ratio": ORACLE_CONTAMINATION, "lipschitz_k": 1.5},
    data_options={"ratio": 0.1},
    outputs=(),
)


def spec(**changes) -> RunSpec:
    return RunSpec.create(**{**BASE, **changes})


def test_id_is_readable_and_deterministic():
    identifier = run_id(spec(), package="0.1.0")
    assert identifier.startswith("mammography__RobustRealNVP__s3__")
    assert len(identifier.rsplit("__", 1)[1]) == 16
    assert run_id(spec(), package="0.1.0") == identifier


def test_id_ignores_parameter_order():
    reordered = spec(params=dict(reversed(list(BASE["params"].items()))))
    assert reordered == spec()
    assert run_id(reordered, "0.1.0") == run_id(spec(), "0.1.0")


@pytest.mark.parametrize(
    "changes",
    [
        {"dataset": "cardio"},
        {"method": "RealNVP"},
        {"seed": 4},
        {"params": {**BASE["params"], "epochs": 21}},
        {"params": {**BASE["params"], "lipschitz_k": 1.0}},
        {"params": {**BASE["params"], "extra": True}},
        {"data_options": {"ratio": 0.2}},
        {"data_options": {}},
        {"outputs": ("density_grid",)},
    ],
)
def test_id_changes_with_every_field(changes):
    assert run_id(spec(**changes), "0.1.0") != run_id(spec(), "0.1.0")


def test_id_changes_with_package_version():
    assert run_id(spec(), "0.1.0") != run_id(spec(), "0.1.1")


def test_id_is_stable_across_interpreters_and_hash_seeds():
    """A fresh interpreter with another string-hash seed computes the same id."""
    code = (
        "from reproduce.spec import RunSpec, run_id\n"
        f"s = RunSpec.create(**{BASE!r})\n"
        "print(run_id(s, '0.1.0'))\n"
    )
    ids = set()
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        ids.add(result.stdout.strip())
    assert ids == {run_id(spec(), "0.1.0")}


def test_round_trip_through_dict():
    original = spec(params={"hidden": [256, 10], "lr": 3e-4}, outputs=["density_grid"])
    assert RunSpec.from_dict(original.to_dict()) == original
    assert original.params_dict["hidden"] == [256, 10]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"dataset": ""}, "dataset"),
        ({"params": {"lr": float("nan")}}, "finite"),
        ({"params": {"nested": {"a": 1}}}, "params.nested"),
        ({"params": {"none": None}}, "params.none"),
        ({"outputs": ("movie",)}, "unknown outputs"),
    ],
)
def test_invalid_specs_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        spec(**changes)


def test_experiments_share_runs_of_the_same_spec():
    """Table 1 and Figure 4 ask for the same RobustRealNVP runs: identical ids."""
    from reproduce.config import expand, load_experiments

    experiments = {e.name: e for e in load_experiments(["table1", "fig4"])}
    table1 = {
        p.spec.run_id for p in expand(experiments["table1"]) if p.spec.method == "RobustRealNVP"
    }
    fig4 = {p.spec.run_id for p in expand(experiments["fig4"]) if p.spec.method == "RobustRealNVP"}
    assert len(table1) == 16 * 5
    assert table1 == fig4


def test_options_at_their_legacy_value_hash_as_if_absent():
    """Runs stored before an option existed keep their ids when a spec sets it to the value that
    reproduces them; any other value is a different run."""
    from reproduce.spec import HASH_OMITTED_AT_LEGACY_VALUE

    base = RunSpec.create("glass", "RobustRealNVP", 0, params={"epochs": 20})
    for value, same in [("scale-shift", True), ("shift-scale", False)]:
        other = RunSpec.create(
            "glass", "RobustRealNVP", 0, params={"epochs": 20, "coupling_form": value}
        )
        assert (other.run_id == base.run_id) is same, value
        assert other.to_dict()["params"]["coupling_form"] == value  # records keep every option
    both = RunSpec.create(
        "glass", "RobustRealNVP", 0,
        params={"epochs": 20, "coupling_form": "scale-shift", "masks": "partition"},
    )  # fmt: skip
    assert both.run_id == base.run_id
    authors = RunSpec.create("glass", "RobustRealNVP", 0, params={"epochs": 20, "masks": "authors"})
    assert authors.run_id != base.run_id
    cifar = RunSpec.create("bird-u", "IF", 0, data_options={"ratio": 0.1})
    for value, same in [(False, True), (True, False), (0, False)]:  # 0 is not False here
        other = RunSpec.create(
            "bird-u", "IF", 0, data_options={"ratio": 0.1, "scale_features": value}
        )
        assert (other.run_id == cifar.run_id) is same, value
    assert set(HASH_OMITTED_AT_LEGACY_VALUE) == {"params", "data_options"}


def test_baseline_options_at_their_legacy_value_hash_as_if_absent():
    """input_scaling = "none" is what every baseline did before the option; the implementation
    each baseline method ran before the authors' networks is per method (AE: PyOD's, Deep-SVDD:
    the Ruff-style one). Any other value, or a legacy value of another method, is hashed."""
    old = {m: RunSpec.create("glass", m, 0).run_id for m in ("AE", "Deep-SVDD", "OCSVM", "IF")}

    def new(method, **params):
        return RunSpec.create("glass", method, 0, params=params).run_id

    assert new("IF", input_scaling="none") == old["IF"]
    assert new("IF", input_scaling="standard") != old["IF"]
    assert new("OCSVM", input_scaling="standard") != old["OCSVM"]
    assert new("AE", implementation="pyod", input_scaling="none") == old["AE"]
    assert new("AE", implementation="authors", input_scaling="none") != old["AE"]
    assert new("Deep-SVDD", implementation="ruff", input_scaling="none") == old["Deep-SVDD"]
    assert new("Deep-SVDD", implementation="pyod") != old["Deep-SVDD"]
    assert new("AE", implementation="ruff") != old["AE"]
    record = RunSpec.create("glass", "AE", 0, params={"implementation": "pyod"}).to_dict()
    assert record["params"] == {"implementation": "pyod"}  # records keep every option


def test_the_earlier_baselines_reproduce_the_ids_of_table1_runs_computed_before():
    """Table 1's AE and Deep-SVDD runs were PyOD's AutoEncoder and the Ruff-style Deep SVDD, its
    OCSVM ran on unscaled inputs: the specs that ask for those by name find the runs computed
    then (ids of results/table1.csv before issue 16); the new defaults are new runs; the other
    baselines keep their ids."""
    from reproduce.config import expand, load_experiments

    before = {
        "AE": ("glass__AE__s0__08a66f7b98931ebf", {"implementation": "pyod"}),
        "Deep-SVDD": ("glass__Deep-SVDD__s0__049a3eed1bf79507", {"implementation": "ruff"}),
        "OCSVM": ("glass__OCSVM__s0__5b160fc4f55a19d4", {"input_scaling": "none"}),
        "IF": ("glass__IF__s0__106c576bfa3b4be3", {}),
        "VAE": ("glass__VAE__s0__b43c4e92afd1f44c", {}),
    }
    table1 = next(e for e in load_experiments(["table1"]) if e.name == "table1")
    points = expand(table1, datasets=["glass"], seeds=[0], methods=list(before))
    assert len(points) == len(before)
    for point in points:
        spec = point.spec
        old_id, legacy = before[spec.method]
        assert (spec.run_id == old_id) is (not legacy), spec.method
        old = RunSpec.create(spec.dataset, spec.method, 0, {**spec.params_dict, **legacy})
        assert old.run_id == old_id, spec.method


def test_the_default_switch_to_the_scripts_keeps_every_computed_run_id():
    """On 2026-12-02 AE's and Deep-SVDD's default became ``implementation = "authors-script"``.
    Table 1's runs are now those computed before by table1_baselines' ``authors_script`` variant
    (its ids then, the ``...6161a9ed...`` and ``...9f70ba34...`` below), and the runs of the
    earlier default ``"authors"`` (results/table1.csv of that date) keep their ids, found by the
    ``authors_rebuilt`` variant: the value is hashed as before."""
    from reproduce.config import expand, load_experiments

    script = {
        "AE": "glass__AE__s0__6161a9ed073b0079",
        "Deep-SVDD": "glass__Deep-SVDD__s0__9f70ba34ed7a77f8",
    }
    rebuilt = {
        "AE": "glass__AE__s0__f0b7143a1d368105",
        "Deep-SVDD": "glass__Deep-SVDD__s0__2599cd0b5deac6e1",
    }
    experiments = {e.name: e for e in load_experiments(["table1", "protocols"])}
    where = {"datasets": ["glass"], "seeds": [0], "methods": list(script)}
    table1 = {p.spec.method: p.spec.run_id for p in expand(experiments["table1"], **where)}
    assert table1 == script
    fidelity = expand(experiments["table1_baselines"], **where)
    for variant, expected in (("project", script), ("authors_rebuilt", rebuilt)):
        assert {p.spec.method: p.spec.run_id for p in fidelity if p.sweep_value == variant} == (
            expected
        )
    for method in script:
        params = {"implementation": "authors", "input_scaling": "none"}
        assert RunSpec.create("glass", method, 0, params=params).run_id == rebuilt[method]
