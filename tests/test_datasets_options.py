"""Data options (what defines the data, in the run id) apart from the compute context (where and
how it is computed, never in the run id): the typed options of each kind, configs' ``[data]``
tables, the runner's context and a plug-in kind end to end."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

import datasets
from datasets.adbench import AdbenchOptions
from datasets.cifar10 import Cifar10Options
from datasets.odds import OddsOptions
from datasets.synthetic import TwoMoonsOptions
from reproduce.backends import SequentialBackend
from reproduce.config import CONFIG_DIR, ConfigError, expand, load_experiments, parse_config
from reproduce.runner import make_jobs, run_grid
from reproduce.spec import RunSpec
from reproduce.store import RunStore
from tests import plugin_kind


@pytest.fixture
def plugin(toys):  # toys: the "Toy" method
    plugin_kind.register()
    plugin_kind.CALLS.clear()
    yield plugin_kind
    plugin_kind.unregister()


# ---------------------------------------------------------------------- the options objects
def test_every_built_in_kind_has_a_frozen_options_class_without_execution_settings() -> None:
    expected = {"odds": OddsOptions, "cifar10": Cifar10Options, "synthetic": TwoMoonsOptions}
    for name, options in expected.items():
        assert datasets.get_kind(name).options is options
        assert not set(options.names()) & set(datasets.EXECUTION_SETTINGS)
        with pytest.raises(dataclasses.FrozenInstanceError):
            options().__setattr__(options.names()[0], 1)
    assert set(datasets.EXECUTION_SETTINGS) == {
        "device",
        "batch_size",
        "num_threads",
        "progress",
        "cache_dir",
        "weights_path",
    }


def test_file_kinds_options_are_the_keywords_of_split_and_preprocess() -> None:
    # The ODDS and ADBench split loaders pass options.as_dict() to it as keywords.
    parameters = inspect.signature(datasets.split_and_preprocess).parameters
    keywords = [n for n, p in parameters.items() if p.kind is p.KEYWORD_ONLY]
    assert list(OddsOptions.names()) == keywords[:-1]
    assert list(AdbenchOptions.names()) == keywords


def test_options_take_the_project_protocol_by_default() -> None:
    assert OddsOptions() == OddsOptions.from_mapping({})
    assert OddsOptions().as_dict() == {
        "train_fraction": 0.6,
        "stratify": True,
        "scaler": "minmax",
        "protocol": "inductive",
        "drop_constant": True,
    }
    cifar = Cifar10Options.from_mapping({"ratio": 1, "scale_features": True}, kind="cifar10")
    assert cifar.ratio == 1.0 and isinstance(cifar.ratio, float)
    assert (cifar.features, cifar.test_protocol, cifar.pca_components) == (
        "efficientnet_lite0",
        "balanced",
        128,
    )


def test_unknown_keys_are_named_with_the_valid_options() -> None:
    with pytest.raises(TypeError) as info:
        Cifar10Options.from_mapping(
            {"ratio": 0.2, "contamination": 0.1, "colour": 1}, kind="cifar10"
        )
    assert str(info.value) == (
        "unknown option(s) colour, contamination; valid options for cifar10 datasets: features, "
        "image_source, pca_components, ratio, scale_features, test_protocol"
    )


@pytest.mark.parametrize("key", ["device", "batch_size", "num_threads", "progress", "cache_dir"])
def test_execution_settings_are_refused_as_options_pointing_to_the_context(key: str) -> None:
    with pytest.raises(TypeError, match=f"{key}: execution setting.*datasets.ComputeContext"):
        Cifar10Options.from_mapping({key: 1}, kind="cifar10")
    with pytest.raises(TypeError, match=f"load_split\\('glass'\\): {key}: execution setting"):
        datasets.load_split("glass", **{key: 1})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ratio": -0.1}, "ratio must be >= 0"),
        ({"test_protocol": "80/20"}, "unknown test_protocol"),
        ({"scale_features": 1}, "scale_features must be True or False"),
        ({"image_source": "png"}, "unknown image_source"),
        ({"pca_components": 0}, "pca_components must be a positive integer"),
    ],
)
def test_bad_option_values_are_refused_before_any_data_is_read(
    options, message, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("RRNVP_OFFLINE", "1")  # an empty data folder and no downloads
    with pytest.raises(ValueError, match=message):
        datasets.load_split("bird-u", data_dir=tmp_path, **options)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"num_threads": 0}, "num_threads"),
        ({"progress": "no"}, "progress"),
        ({"device": ""}, "device"),
    ],
)
def test_the_context_validates_its_settings(context, message) -> None:
    with pytest.raises(ValueError, match=message):
        datasets.ComputeContext(**context)


# ---------------------------------------------------------------------- configs
CONFIG = """
[experiments.demo]
title = "Demo"
report = "auc_table"
dataset_kind = "cifar10"
seeds = [0]
methods = ["RobustRealNVP"]

[experiments.demo.data]
ratio = 0.1
"""


def test_unknown_data_keys_are_rejected_naming_the_key_and_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(CONFIG + "colour = 'red'\n", "bad.toml")
    assert str(info.value) == (
        "bad.toml: experiments.demo.data: unknown option(s) colour; valid options for cifar10 "
        "datasets: features, image_source, pca_components, ratio, scale_features, test_protocol"
    )


@pytest.mark.parametrize(
    ("setting", "where"),
    [
        ("device = 'cuda'", "the runner's --device"),
        ("num_threads = 4", "the runner's per-run thread budget"),
        ("progress = false", "the runner's --no-progress"),
        ("batch_size = 256", "datasets.ComputeContext"),
        ("cache_dir = '/tmp/x'", "datasets.ComputeContext"),
    ],
)
def test_execution_settings_under_data_are_rejected_pointing_where_they_belong(
    setting: str, where: str
) -> None:
    with pytest.raises(ConfigError, match="experiments.demo.data: .*execution setting") as info:
        parse_config(CONFIG + setting + "\n", "bad.toml")
    assert where in str(info.value)


def test_sweeps_and_variants_over_data_are_checked_too() -> None:
    sweep = CONFIG.replace('"auc_table"', '"sweep"') + (
        "\n[experiments.demo.sweep]\nsection = 'data'\nkey = 'device'\nvalues = ['cpu', 'cuda']\n"
    )
    with pytest.raises(ConfigError, match="experiments.demo.sweep .value 'cpu'.: device"):
        parse_config(sweep, "bad.toml")
    variants = CONFIG.replace('"auc_table"', '"protocol_comparison"') + (
        "\n[experiments.demo.variants.base]\n"
        "[experiments.demo.variants.fast]\ndata = { batch_size = 512 }\n"
    )
    with pytest.raises(ConfigError, match="experiments.demo.variants.fast.data: batch_size"):
        parse_config(variants, "bad.toml")
    with pytest.raises(ConfigError, match="ratio must be >= 0"):
        parse_config(CONFIG.replace("ratio = 0.1", "ratio = -1"), "bad.toml")


def test_unknown_datasets_and_kinds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="demo.datasets: unknown dataset 'glas'.*'glass'"):
        parse_config(CONFIG.replace('dataset_kind = "cifar10"', 'datasets = ["glas"]'), "x")
    with pytest.raises(ConfigError, match="demo.dataset_kind: unknown dataset kind 'images'"):
        parse_config(CONFIG.replace('"cifar10"', '"images"'), "x")


def test_every_shipped_config_holds_only_options() -> None:
    """All shipped configs parse (so their [data] tables are options of their kinds)."""
    for path in sorted(CONFIG_DIR.glob("*.toml")):
        for experiment in load_experiments([str(path)]):
            for point in expand(experiment):
                assert not set(point.spec.data_options_dict) & set(datasets.EXECUTION_SETTINGS)


# ---------------------------------------------------------------------- run ids and the runner
def test_run_ids_are_unaffected_by_execution_settings() -> None:
    (experiment,) = load_experiments(["fig5"])
    specs = [p.spec for p in expand(experiment, datasets=["bird-u"], seeds=[0])]
    plain = make_jobs(specs)
    elsewhere = make_jobs(specs, device="cuda:3", n_threads=4, progress=False, data_dir="/d")
    assert [job.run_id for job in plain] == [job.run_id for job in elsewhere]
    assert [job.run_id for job in plain] == [spec.run_id for spec in specs]
    assert {f.name for f in dataclasses.fields(RunSpec)}.isdisjoint(datasets.EXECUTION_SETTINGS)
    # ... while the settings reach the split's compute context and the detector.
    job = elsewhere[0]
    assert job.context == datasets.ComputeContext(device="cuda:3", num_threads=4, progress=False)
    assert (job.device, job.n_threads, job.data_dir) == ("cuda:3", 4, "/d")


def test_a_plugin_kind_runs_end_to_end_through_the_runner(plugin, tmp_path) -> None:
    text = """
[experiments.stripes]
title = "A plug-in kind"
report = "auc_table"
dataset_kind = "stripes"
seeds = [0, 1]
methods = ["Toy"]

[experiments.stripes.data]
n_rows = 40
"""
    (experiment,) = parse_config(text, "plugin.toml")
    points = expand(experiment)
    assert [p.spec.dataset for p in points] == ["stripes-a"] * 2 + ["stripes-b"] * 2
    store = RunStore(tmp_path)
    summary = run_grid([p.spec for p in points], store, SequentialBackend(), progress=False)
    assert (summary.done, summary.failed) == (4, 0)
    record = store.read(points[0].spec.run_id)
    assert record.data["n_train"] + record.data["n_test"] == 40
    options = {call[1] for call in plugin.CALLS}
    assert options == {plugin.StripesOptions(n_rows=40)}
    assert {call[2] for call in plugin.CALLS} == {
        datasets.ComputeContext(device="cpu", num_threads=1, progress=False)
    }
    # What a worker receives loads the split without the plug-in's registration.
    (job,) = make_jobs([points[0].spec])
    loader = pickle.loads(pickle.dumps(job.loader))
    plugin.unregister()
    assert "stripes" not in datasets.list_kinds()
    assert loader(0, None, n_rows=40).X_train.shape == (20, 2)
    with pytest.raises(TypeError, match="unknown option\\(s\\) rows; valid options for stripes"):
        loader(0, None, rows=40)
