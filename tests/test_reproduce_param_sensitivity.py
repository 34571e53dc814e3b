"""The parameter-sensitivity diagnostic: variant ``{}`` is the runner's run; overrides change it."""

from __future__ import annotations

import json

import pytest

from reproduce.backends import SequentialBackend
from reproduce.config import expand, load_experiments
from reproduce.param_sensitivity import build_estimator, main, parse_variant
from reproduce.runner import run_grid
from reproduce.store import RunStore


def test_parse_variant_reads_json_values_and_text():
    assert parse_variant("lipschitz_k=3, spectral_norm=false,trim_ratio=0.05") == {
        "lipschitz_k": 3,
        "spectral_norm": False,
        "trim_ratio": 0.05,
    }
    assert parse_variant("coupling_form=scale-shift") == {"coupling_form": "scale-shift"}
    assert parse_variant('masks="partition"') == {"masks": "partition"}


@pytest.mark.parametrize("bad", ["epochs", "=3", "epochs=", "epochs=1,epochs=2", "a=1,,b=2"])
def test_parse_variant_refuses_malformed_items(bad):
    with pytest.raises(ValueError, match="variant"):
        parse_variant(bad)


def test_build_estimator_sets_overrides_and_names_unknown_parameters():
    params = {"epochs": 20, "batch_size": 128}
    estimator = build_estimator("RealNVP", params, {"epochs": 3}, random_state=0)
    assert estimator.get_params()["epochs"] == 3
    assert estimator.get_params()["batch_size"] == 128
    with pytest.raises(ValueError, match="RealNVP has no parameter 'epoch'.*epochs"):
        build_estimator("RealNVP", params, {"epoch": 3}, random_state=0)


def test_unchanged_refit_reproduces_the_runners_record_and_a_variant_moves(tmp_path, capsys):
    (experiment,) = [e for e in load_experiments(["quick"]) if e.name == "quick-moons"]
    specs = [p.spec for p in expand(experiment, methods=["RobustRealNVP"])]
    store = RunStore(tmp_path / "store")
    assert run_grid(specs, store, SequentialBackend(), progress=False).done == 1
    stored = store.read(specs[0].run_id).metrics["roc_auc"]
    args = ["--config", "quick", "--experiment", "quick-moons", "--methods", "RobustRealNVP"]
    args += ["--store", str(tmp_path / "store"), "--variant", "spectral_norm=false,max_steps=50"]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["variant"] for r in rows] == [{}, {"spectral_norm": False, "max_steps": 50}]
    assert all(r["stored_roc_auc"] == stored for r in rows)
    assert rows[0]["roc_auc"] == stored  # bit for bit the runner's run
    assert rows[1]["steps"] == 50 < rows[0]["steps"]
    assert rows[1]["roc_auc"] != stored
    for row in rows:
        assert row["nll_train_normal"] is not None and row["nll_test_anomalous"] is not None


def test_bad_arguments_are_refused(capsys):
    base = ["--config", "quick", "--experiment", "quick-moons", "--methods", "RealNVP"]
    with pytest.raises(SystemExit):
        main([*base, "--variant", "epochs"])
    assert "write name=value" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--variant", "no_such_parameter=1"])
    assert "RealNVP has no parameter 'no_such_parameter'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--datasets", "nope"])
    assert "no run of quick-moons matches the selection" in capsys.readouterr().err
