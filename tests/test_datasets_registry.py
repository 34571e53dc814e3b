"""The dataset registry: names, kinds, aliases, plug-in entries and option checking."""

from __future__ import annotations

import numpy as np
import pytest

import datasets
from datasets.registry import Dataset, RegisteredDataset, register
from rrnvp.registry import DuplicateNameError, UnknownNameError
from tests import plugin_kind


def test_kinds_partition_the_registry_in_registration_order() -> None:
    assert datasets.list_kinds()[:3] == ["odds", "cifar10", "synthetic"]
    by_kind = [datasets.list_datasets(kind) for kind in datasets.list_kinds()]
    assert sum(by_kind, []) == datasets.list_datasets(), "kind by kind, in registration order"
    assert len(datasets.list_datasets("odds")) == 16
    assert datasets.list_datasets("synthetic") == ["two-moons-uniform", "two-moons-clustered"]
    assert len(datasets.list_datasets("cifar10")) == 20
    assert datasets.kind_of("mammo") is datasets.get_kind("odds")


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(UnknownNameError, match="known dataset kinds: odds, cifar10, synthetic"):
        datasets.list_datasets("images")


def test_names_and_aliases_resolve() -> None:
    assert datasets.get_entry("mammo").name == "mammography"
    assert "mammo" not in datasets.list_datasets(), "aliases are not listed as datasets"
    with pytest.raises(ValueError, match="did you mean 'vowels'"):
        datasets.get_entry("vowel")
    with pytest.raises(ValueError, match="unknown dataset 'zzz'; known datasets: vowels"):
        datasets.load_dataset("zzz")


def test_duplicates_are_errors_naming_them() -> None:
    with pytest.raises(DuplicateNameError, match="dataset kind 'odds' is already registered"):
        datasets.register_kind(datasets.get_kind("odds"))
    with pytest.raises(DuplicateNameError, match="dataset 'glass' is already registered"):
        register(datasets.get_entry("glass"))
    copy = RegisteredDataset(name="my-mammo", kind="odds", load=print, load_split=print)
    with pytest.raises(DuplicateNameError, match="'mammo' is already registered.*'mammography'"):
        register(RegisteredDataset(**{**copy.__dict__, "aliases": ("mammo",)}))
    assert "my-mammo" not in datasets.list_datasets()


@pytest.fixture
def plugin():
    """The stripes kind of tests/plugin_kind.py, registered the way a plug-in module does."""
    plugin_kind.register()
    plugin_kind.CALLS.clear()
    yield plugin_kind
    plugin_kind.unregister()


def test_a_plugin_module_can_register_a_kind_and_its_entries(plugin) -> None:
    assert datasets.list_kinds()[-1] == "stripes", "listed after the built-in kinds"
    assert datasets.list_datasets("stripes") == ["stripes-a", "stripes-b"]
    assert "stripes-a" not in datasets.list_datasets("odds")
    split = datasets.load_split("zebra", seed=1, train_fraction=0.6)
    assert split.X_train.shape == (36, 2) and split.seed == 1
    ((name, options, context),) = plugin.CALLS
    assert name == "stripes-b"
    assert options == plugin.StripesOptions(n_rows=60, train_fraction=0.6)
    assert context == datasets.ComputeContext()
    X, y = datasets.load_dataset("stripes-a")
    assert X.shape == (60, 2)
    with pytest.raises(DuplicateNameError, match="already registered"):
        register(datasets.get_entry("stripes-a"))
    plugin.unregister()
    assert "stripes" not in datasets.list_kinds() and "zebra" not in datasets.list_datasets()


def test_registering_an_entry_of_an_unregistered_kind_fails() -> None:
    entry = RegisteredDataset(name="x", kind="video", load=print, load_split=print)
    with pytest.raises(UnknownNameError, match="unknown dataset kind 'video'; known dataset kinds"):
        register(entry)
    assert "x" not in datasets.list_datasets()


def test_unknown_options_are_all_named_before_any_data_is_read(
    plugin, tmp_path, monkeypatch
) -> None:
    with pytest.raises(
        TypeError,
        match="load_split\\('stripes-a'\\): unknown option\\(s\\) colour, size; valid options "
        "for stripes datasets: n_rows, train_fraction",
    ):
        datasets.load_split("stripes-a", seed=0, size=3, colour="red")
    assert plugin.CALLS == []
    # For ODDS the check runs before the file is looked for: an empty data folder, no downloads.
    monkeypatch.setenv("RRNVP_OFFLINE", "1")
    with pytest.raises(TypeError, match="scalar.*valid options for odds datasets: drop_constant"):
        datasets.load_split("glass", seed=0, data_dir=tmp_path, scalar="minmax")
    with pytest.raises(ValueError, match="load_split\\('stripes-a'\\): n_rows must be >= 20"):
        datasets.load_split("stripes-a", n_rows=5)


@pytest.mark.parametrize("seed", [-1, 2.0, True, "0", 2**32])
def test_bad_seeds_are_rejected(seed: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        datasets.load_split("two-moons-uniform", seed=seed)


def test_dataset_container_validates_and_unpacks() -> None:
    data = Dataset("d", np.ones((3, 2)), np.array([0, 1, 0]))
    X, y = data
    assert X is data.X and y is data.y
    assert data.n_samples == 3 and data.n_features == 2 and data.n_anomalies == 1
    assert data.contamination == pytest.approx(1 / 3)
    assert "shape=(3, 2)" in repr(data)
    with pytest.raises(ValueError, match="float64"):
        Dataset("d", np.ones((3, 2), dtype=np.float32), np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="1-D integer"):
        Dataset("d", np.ones((3, 2)), np.array([0.0, 1.0, 0.0]))
