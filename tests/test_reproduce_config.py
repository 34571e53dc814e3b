"""Experiment configs: the shipped files parse, bad ones fail with messages naming the key."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from reproduce.cli import comma_list, seed_list
from reproduce.config import (
    CONFIG_DIR,
    PAPER_CONFIGS,
    ConfigError,
    expand,
    load_experiments,
    parse_config,
    select_experiments,
)
from reproduce.registry import get_method
from reproduce.spec import ORACLE_CONTAMINATION, ORACLE_DATASET_CONTAMINATION, RunSpec

ROOT = Path(__file__).resolve().parents[1]

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
    for path in sorted(CONFIG_DIR.glob("*.toml")):
        assert load_experiments([path.stem]), f"{path.name} holds no experiment"
    experiments = load_experiments(["paper", "quick"])
    names = [e.name for e in experiments]
    files = list(dict.fromkeys(e.source.stem for e in experiments))
    assert files[: len(PAPER_CONFIGS)] == list(PAPER_CONFIGS)
    assert {"table1", "fig4", "table1_protocols", "quick-odds", "quick-moons"} <= set(names)


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
    experiments = {e.name: e for e in load_experiments(["table2", "fig5"])}
    table2, fig5 = (
        dataclasses.replace(
            experiments[name], dataset_kind=None, dataset_pattern=None, datasets=("airplane-u",)
        )
        for name in ("table2", "fig5")
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


# ---------------------------------------------------------------------- protocol variants
VARIANTS = """
[experiments.cmp]
title = "Protocols"
report = "protocol_comparison"
datasets = ["glass", "pima"]
seeds = [0, 1]
methods = ["RobustRealNVP", "RealNVP", "IF"]

[experiments.cmp.data]
train_fraction = 0.6

[experiments.cmp.params.RealNVP]
epochs = 3

[experiments.cmp.variants.project]
label = "project protocol"

[experiments.cmp.variants.other]
label = "other protocol"
data = { protocol = "transductive", train_fraction = 0.5 }

[experiments.cmp.variants.other.params.RobustRealNVP]
trim_ratio = "dataset_contamination"

[experiments.cmp.variants.other.params.RealNVP]
masks = "authors"

[experiments.cmp.variants.bare]
"""
NO_VARIANTS = VARIANTS.split("[experiments.cmp.variants.project]")[0]


def test_variants_expand_like_a_sweep_axis_in_toml_order():
    (experiment,) = parse_config(VARIANTS, "v.toml")
    assert [(v.name, v.label) for v in experiment.variants] == [
        ("project", "project protocol"),
        ("other", "other protocol"),
        ("bare", "bare"),  # the label defaults to the name
    ]
    points = expand(experiment)
    assert len(points) == 3 * 2 * 3 * 2
    assert list(dict.fromkeys(p.sweep_value for p in points)) == ["project", "other", "bare"]
    other = {p.spec.method: p.spec for p in points if p.sweep_value == "other"}
    # data: merged over the experiment's data
    assert other["IF"].data_options_dict == {"protocol": "transductive", "train_fraction": 0.5}
    # params: merged over registry defaults and the experiment's params
    assert other["RealNVP"].params_dict["masks"] == "authors"
    assert other["RealNVP"].params_dict["epochs"] == 3
    assert other["RobustRealNVP"].params_dict["trim_ratio"] == ORACLE_DATASET_CONTAMINATION
    assert other["RobustRealNVP"].params_dict["lipschitz_k"] == 1.5
    assert other["IF"].params_dict == {"input_scaling": "none"}  # the registry default
    assert [experiment.is_base_variant(v.name) for v in experiment.variants] == [
        True,
        False,
        True,
    ]


def test_a_variant_without_overrides_has_the_runs_of_the_experiment_without_variants():
    (experiment,) = parse_config(VARIANTS, "v.toml")
    plain = dataclasses.replace(experiment, variants=None, report="auc_table")
    plain_ids = [p.spec.run_id for p in expand(plain)]
    for name in ("project", "bare"):
        assert [p.spec.run_id for p in expand(experiment) if p.sweep_value == name] == plain_ids
    other = {p.spec.run_id for p in expand(experiment) if p.sweep_value == "other"}
    assert not other & set(plain_ids)


def test_a_variant_repeating_the_defaults_is_the_base_variant():
    text = VARIANTS.replace('masks = "authors"', 'masks = "partition"').replace(
        'data = { protocol = "transductive", train_fraction = 0.5 }', ""
    )
    text = text.replace('trim_ratio = "dataset_contamination"', 'trim_ratio = "contamination"')
    (experiment,) = parse_config(text, "v.toml")
    assert experiment.is_base_variant("other")
    ids = {name: [p.spec.run_id for p in expand(experiment) if p.sweep_value == name]
           for name in ("project", "other")}  # fmt: skip
    assert ids["project"] == ids["other"]
    with pytest.raises(KeyError, match="no variant 'nope'"):
        experiment.variant("nope")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            VARIANTS.replace(
                "[experiments.cmp.variants.bare]", "[experiments.cmp.variants.bare]\nlable = 'x'"
            ),
            r"experiments\.cmp\.variants\.bare: unknown key\(s\) \['lable'\]",
        ),
        (
            VARIANTS.replace("params.RealNVP]\nmasks", "params.LOF]\nmasks"),
            r"variants\.other\.params\.LOF: sets parameters of a method the experiment does not",
        ),
        (
            VARIANTS.replace('"protocol_comparison"', '"auc_table"'),
            r"only report = 'protocol_comparison' or 'baseline_fidelity' uses variants",
        ),
        (
            VARIANTS + "\n[experiments.cmp.sweep]\nsection = 'data'\nkey = 'k'\nvalues = [1]\n",
            "both 'sweep' and 'variants'",
        ),
        (
            NO_VARIANTS,
            r"report = 'protocol_comparison' needs a \[variants\] table",
        ),
        (
            VARIANTS.replace('label = "other protocol"', 'label = "project protocol"'),
            "also the label",
        ),
        (VARIANTS.replace('label = "other protocol"', "label = 3"), "non-empty string"),
        (VARIANTS.replace("masks = ", "masks = {a = 1}\nx = "), "masks"),
        (
            NO_VARIANTS.replace("seeds = ", "variants = 3\nseeds = "),
            "variants: must be a non-empty table",
        ),
        (
            NO_VARIANTS.replace("seeds = ", "variants = { a = 3 }\nseeds = "),
            r"variants\.a: must be a table",
        ),
    ],
)
def test_bad_variants_name_file_and_key(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_config(text, "bad.toml")
    assert str(info.value).startswith("bad.toml: experiments.cmp")


def test_the_shipped_protocol_comparison():
    experiments = {e.name: e for e in load_experiments(["table1", "fig4", "protocols"])}
    experiment = experiments["table1_protocols"]
    assert experiment.report == "protocol_comparison"
    assert experiment.methods == ("RobustRealNVP", "TrimRealNVP", "RealNVP")
    assert experiment.seeds == (0, 1, 2, 3, 4) and experiment.paper_auc == "table1_odds_auc.csv"
    assert [v.name for v in experiment.variants] == ["project", "authors", "scale_shift"]
    assert [experiment.is_base_variant(v.name) for v in experiment.variants] == [
        True,
        False,
        False,
    ]
    glass = ["glass"]
    points = expand(experiment, datasets=glass)
    project = {p.spec.run_id for p in points if p.sweep_value == "project"}
    shared = {p.spec.run_id for name in ("table1", "fig4") for p in expand(experiments[name])}
    assert len(project) == 3 * 5 and project <= shared  # the project runs are table1's / fig4's

    authors = {p.spec.method: p.spec for p in points if p.sweep_value == "authors"}
    for spec in authors.values():
        assert spec.data_options_dict == {
            "protocol": "transductive",
            "stratify": False,
            "drop_constant": False,
        }
        assert spec.params_dict["masks"] == "authors"
        assert spec.params_dict["coupling_form"] == "shift-scale"
    for method in ("RobustRealNVP", "TrimRealNVP"):
        assert authors[method].params_dict["trim_ratio"] == ORACLE_DATASET_CONTAMINATION
    assert "trim_ratio" not in authors["RealNVP"].params_dict

    # scale_shift: the suite's earlier form, hashed as the runs computed before the option existed
    legacy = {p.spec.method: p.spec for p in points if p.sweep_value == "scale_shift"}
    for method, spec in legacy.items():
        assert spec.params_dict["coupling_form"] == "scale-shift"
        before = {k: v for k, v in spec.params_dict.items() if k not in ("coupling_form", "masks")}
        old = RunSpec.create(spec.dataset, method, spec.seed, before, spec.data_options_dict)
        assert spec.run_id == old.run_id


def test_flow_defaults_record_the_coupling_form_and_masks():
    for method in ("RobustRealNVP", "TrimRealNVP", "RealNVP"):
        defaults = get_method(method).defaults
        assert defaults["coupling_form"] == "shift-scale" and defaults["masks"] == "partition"


FIDELITY = VARIANTS.replace('report = "protocol_comparison"', 'report = "baseline_fidelity"')
FIDELITY = FIDELITY.replace(
    'methods = ["RobustRealNVP", "RealNVP", "IF"]',
    'methods = ["RobustRealNVP", "RealNVP", "IF"]\n'
    'reference_auc = "ref.csv"\nreference_variant = "other"',
)


def test_baseline_fidelity_names_its_reference_and_its_variant():
    (experiment,) = parse_config(FIDELITY, "fidelity.toml")
    assert experiment.report == "baseline_fidelity"
    assert (experiment.reference_auc, experiment.reference_variant) == ("ref.csv", "other")
    assert experiment.is_base_variant("project") and not experiment.is_base_variant("other")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (FIDELITY.replace('reference_variant = "other"\n', ""), "give both 'reference_auc'"),
        (
            FIDELITY.replace('reference_variant = "other"', 'reference_variant = "pyod"'),
            r"reference_variant: 'pyod' is not a variant: \['project', 'other', 'bare'\]",
        ),
        (
            VARIANTS.replace(
                "seeds = ", 'reference_auc = "r.csv"\nreference_variant = "o"\nseeds = '
            ),
            "only report = 'baseline_fidelity' uses reference_auc",
        ),
        (
            FIDELITY.replace(
                'label = "project protocol"', 'label = "p"\ndata = { scaler = "zscore" }'
            ).replace("[experiments.cmp.variants.bare]", ""),
            "needs a variant without overrides",
        ),
    ],
)
def test_bad_baseline_fidelity_configs_name_file_and_key(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        parse_config(text, "bad.toml")
    assert str(info.value).startswith("bad.toml: experiments.cmp")


def test_the_shipped_baseline_fidelity_experiment():
    """Its project variant is table1's baseline runs; its PyOD variant standardises the inputs of
    IF, LOF and OCSVM only (OCSVM's default already: the same runs); its authors_rebuilt variant
    runs AE and Deep-SVDD as the earlier rebuild (implementation = "authors", not table1's), the
    others as table1."""
    experiments = {e.name: e for e in load_experiments(["table1", "protocols"])}
    experiment = experiments["table1_baselines"]
    assert experiment.methods == ("AE", "VAE", "SO-GAAL", "Deep-SVDD", "OCSVM", "LOF", "IF")
    assert experiment.reference_variant == "pyod"
    assert (ROOT / "results" / "paper" / experiment.reference_auc).is_file()
    table1 = {p.spec.run_id for p in expand(experiments["table1"])}
    points = expand(experiment)
    assert {p.spec.run_id for p in points if p.sweep_value == "project"} <= table1
    pyod = {(p.spec.method, p.spec.run_id in table1) for p in points if p.sweep_value == "pyod"}
    assert pyod == {
        ("AE", True), ("VAE", True), ("SO-GAAL", True), ("Deep-SVDD", True),
        ("OCSVM", True), ("LOF", False), ("IF", False),
    }  # fmt: skip
    for point in points:
        if point.sweep_value == "pyod" and point.spec.method in ("IF", "LOF", "OCSVM"):
            assert point.spec.params_dict["input_scaling"] == "standard"
    assert [v.name for v in experiment.variants] == ["project", "pyod", "authors_rebuilt"]
    rebuilt = {
        (p.spec.method, p.spec.run_id in table1)
        for p in points
        if p.sweep_value == "authors_rebuilt"
    }
    assert rebuilt == {
        ("AE", False), ("VAE", True), ("SO-GAAL", True), ("Deep-SVDD", False),
        ("OCSVM", True), ("LOF", True), ("IF", True),
    }  # fmt: skip
    for point in points:
        if point.sweep_value == "authors_rebuilt" and point.spec.method in ("AE", "Deep-SVDD"):
            assert point.spec.params_dict == {"implementation": "authors", "input_scaling": "none"}


def test_baseline_methods_record_their_implementation_and_input_scaling():
    (table1,) = [e for e in load_experiments(["table1"]) if e.name == "table1"]
    params = {p.spec.method: p.spec.params_dict for p in expand(table1, datasets=["glass"])}
    assert params["AE"] == {"implementation": "authors-script", "input_scaling": "none"}
    assert params["Deep-SVDD"] == {"implementation": "authors-script", "input_scaling": "none"}
    assert params["OCSVM"] == {"input_scaling": "standard"}
    for method in ("VAE", "SO-GAAL", "LOF", "IF"):
        assert params[method] == {"input_scaling": "none"}
    (table2,) = [e for e in load_experiments(["table2"]) if e.name == "table2"]
    # On CIFAR-10 the authors ran PyOD's OCSVM() on their min-max features (trainOCSVMCIFAR.py).
    assert table2.method_params("OCSVM") == {"input_scaling": "none"}
    # Deep-SVDD: the authors' run_cifar.sh (trainSVDDCIFAR.py --hidden_dim 256 --max_epochs 200);
    # no CIFAR-10 AE script, so AE keeps the ODDS script's settings.
    assert table2.method_params("Deep-SVDD") == {
        "implementation": "authors-script",
        "input_scaling": "none",
        "hidden_features": 256,
        "epochs": 200,
    }
    assert table2.method_params("AE") == params["AE"]
