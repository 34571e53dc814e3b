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


def test_the_old_form_reproduces_the_ids_of_the_committed_table1_flows():
    """The committed Table 1 flow runs were computed with x * exp(s) + t: the spec that asks for
    that form by name finds them; the new default is a new run."""
    import pandas as pd

    from reproduce.config import expand, load_experiments

    committed = pd.read_csv(ROOT / "results" / "table1_protocols.csv")
    table1 = next(e for e in load_experiments(["table1"]) if e.name == "table1")
    points = [p for p in expand(table1) if p.spec.method == "RobustRealNVP"]
    new_ids = {p.spec.run_id for p in points}
    old_ids = {
        RunSpec.create(
            p.spec.dataset, p.spec.method, p.spec.seed,
            params={**p.spec.params_dict, "coupling_form": "scale-shift"},
            data_options=p.spec.data_options_dict,
        ).run_id
        for p in points
    }  # fmt: skip
    stored = set(committed.loc[committed["sweep_value"] == "scale_shift", "run_id"])
    assert old_ids <= stored and not new_ids & stored
