"""Experiment configs: the shipped files parse, bad ones fail with messages naming the key."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from reproduce.cli import comma_list, seed_list
from reproduce.config import (
    PAPER_CONFIGS,
    ConfigError,
    expand,
    load_experiments,
    parse_config,
    select_experiments,
)
from reproduce.spec import ORACLE_CONTAMINATION

VALID = """
[experiments.demo]
title = "Demo"
report = "auc_table"
datasets = ["glass", "pima"]
seeds = [0, 1]
methods = ["RobustRealNVP", "IF"]

[experiments.demo.params.RobustRealNVP]
epochs = 3
"""


def test_every_shipped_config_parses():
    experiments = load_experiments(["paper", "quick"])
    names = [e.name for e in experiments]
    assert names[: len(PAPER_CONFIGS)] == list(PAPER_CONFIGS)
    assert {"quick-odds", "quick-moons"} <= set(names)


def test_experiment_is_frozen():
    (experiment,) = parse_config(VALID)
    with pytest.raises(dataclasses.FrozenInstanceError):
        experiment.seeds = (9,)
    with pytest.raises(TypeError):
        experiment.params["RobustRealNVP"]["epochs"] = 4


def test_expand_merges_defaults_overrides_and_seeds():
    (experiment,) = parse_config(VALID)
    points = expand(experiment)
    assert len(points) == 2 * 2 * 2
    robust = next(p.spec for p in points if p.spec.method == "RobustRealNVP")
    params = robust.params_dict
    assert params["epochs"] == 3  # the experiment's override
    assert params["trim_ratio"] == ORACLE_CONTAMINATION  # the registry's protocol default
    assert params["lipschitz_k"] == 1.5
    only = expand(experiment, datasets=["pima"], seeds=[7], methods=["IF"])
    assert [(p.spec.dataset, p.spec.method, p.spec.seed) for p in only] == [("pima", "IF", 7)]


def test_sweeps_expand_over_data_options_and_params():
    fig5, fig6 = load_experiments(["fig5", "fig6"])
    assert fig5.sweep.section == "data"
    assert fig5.data_options(0.3)["ratio"] == 0.3
    assert fig6.method_params("RobustRealNVP", 0.15)["trim_ratio"] == 0.15
    assert fig6.data_options(0.15)["ratio"] == 0.1
    assert fig6.method_params("RobustRealNVP", 0.15)["epochs"] == 200


def test_table2_and_fig5_share_the_ratio_01_runs():
    table2, fig5 = (
        dataclasses.replace(e, dataset_kind=None, dataset_pattern=None, datasets=("airplane-u",))
        for e in load_experiments(["table2", "fig5"])
    )
    ids_t2 = {p.spec.run_id for p in expand(table2, methods=["RobustRealNVP", "RealNVP"])}
    ids_f5 = {p.spec.run_id for p in expand(fig5) if p.sweep_value == 0.1}
    assert len(ids_t2) == 2 * 5
    assert ids_t2 == ids_f5


@pytest.mark.parametrize(
    "text, message",
    [
        ("[experiments.x\n", "invalid TOML"),
        ("title = 'x'\n", "unknown key"),
        ("[experiments]\n", "at least one"),
        (
            VALID.replace('title = "Demo"', 'title = "Demo"\nseed = [0]'),
            r"unknown key\(s\) \['seed'\]",
        ),
        (VALID.replace('title = "Demo"\n', ""), "missing required key 'title'"),
        (VALID.replace('"auc_table"', '"pie_chart"'), "report: must be one of"),
        (VALID.replace('"IF"]', '"Magic"]'), "unknown method 'Magic'"),
        (VALID.replace("[0, 1]", "[0, -1]"), "non-negative"),
        (VALID.replace("[0, 1]", "[0, 0]"), "more than once"),
        (VALID.replace("[0, 1]", '"0-4"'), "list of integers"),
        (
            VALID.replace(
                'datasets = ["glass", "pima"]', 'dataset_kind = "odds"\ndatasets = ["glass"]'
            ),
            "exactly one of",
        ),
        (VALID.replace("params.RobustRealNVP", "params.RealNVP"), "does not run"),
        (VALID.replace("epochs = 3", "epochs = {a = 1}"), "epochs"),
        (VALID.replace('report = "auc_table"', 'report = "sweep"'), "needs a \\[sweep\\] table"),
        (VALID.replace('report = "auc_table"', 'report = "density"'), "density_grid"),
        (
            VALID + "\n[experiments.demo.sweep]\nsection = 'x'\nkey = 'k'\nvalues = [1]\n",
            "section: must be one of",
        ),
        (
            VALID + "\n[experiments.demo.sweep]\nsection = 'data'\nkey = 'k'\nvalues = [1, 1]\n",
            "more than once",
        ),
    ],
)
def test_bad_configs_name_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text, "bad.toml")


def test_error_names_file_and_experiment():
    with pytest.raises(ConfigError, match=r"bad\.toml: experiments\.demo"):
        parse_config(VALID.replace("[0, 1]", "[]"), "bad.toml")


def test_unknown_config_and_experiment_names():
    with pytest.raises(ConfigError, match="unknown config 'tabel1'"):
        load_experiments(["tabel1"])
    experiments = load_experiments(["table1", "fig4"])
    with pytest.raises(ConfigError, match="unknown experiment"):
        select_experiments(experiments, ["fig9"])
    assert [e.name for e in select_experiments(experiments, ["fig4"])] == ["fig4"]


def test_duplicate_experiment_names_across_files(tmp_path):
    path = tmp_path / "copy.toml"
    path.write_text(VALID.replace("demo", "table1"))
    with pytest.raises(ConfigError, match="defined in both"):
        load_experiments(["table1", str(path)])


def test_seed_and_list_arguments():
    assert seed_list("0-4") == [0, 1, 2, 3, 4]
    assert seed_list("0,2,5-6,2") == [0, 2, 5, 6]
    for bad in ("a", "4-1", "-1", "1,,2"):
        with pytest.raises(argparse.ArgumentTypeError):
            seed_list(bad)
    assert comma_list("table1, fig4") == ["table1", "fig4"]
    with pytest.raises(argparse.ArgumentTypeError):
        comma_list("table1,,fig4")
