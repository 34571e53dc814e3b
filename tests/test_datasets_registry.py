"""The dataset registry: names, kinds, aliases, plug-in entries and option checking."""

from __future__ import annotations

import numpy as np
import pytest

import datasets
from datasets.registry import Dataset, RegisteredDataset, register, unregister
from datasets.splits import Split, make_split
from rrnvp.registry import DuplicateNameError, UnknownNameError


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


def _toy_split(seed: int, data_dir: object, *, train_fraction: float = 0.5) -> Split:
    X = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.array([0, 1] * 10)
    return make_split(X, y, seed, train_fraction, name="toy-airplane-u")


@pytest.fixture
def plugin_entry():
    """A CIFAR-10-like entry registered the way a plug-in module would."""
    entry = register(
        RegisteredDataset(
            name="toy-airplane-u",
            kind="cifar10",
            aliases=("toy-plane-u",),
            load=lambda data_dir: Dataset("toy-airplane-u", np.zeros((2, 1)), np.array([0, 1])),
            load_split=_toy_split,
        )
    )
    yield entry
    unregister(entry.name)


def test_a_plugin_module_can_register_entries(plugin_entry: RegisteredDataset) -> None:
    assert "toy-airplane-u" in datasets.list_datasets("cifar10")
    assert "toy-airplane-u" not in datasets.list_datasets("odds")
    split = datasets.load_split("toy-plane-u", seed=1, train_fraction=0.6)
    assert split.X_train.shape == (12, 2) and split.seed == 1
    X, y = datasets.load_dataset("toy-airplane-u")
    assert X.shape == (2, 1)
    with pytest.raises(DuplicateNameError, match="already registered"):
        register(plugin_entry)


def test_registering_an_entry_of_an_unregistered_kind_fails() -> None:
    entry = RegisteredDataset(name="x", kind="video", load=print, load_split=print)
    with pytest.raises(UnknownNameError, match="unknown dataset kind 'video'; known dataset kinds"):
        register(entry)
    assert "x" not in datasets.list_datasets()


def test_unknown_options_are_all_named_before_any_data_is_read(
    plugin_entry: RegisteredDataset,
) -> None:
    with pytest.raises(TypeError, match="unknown option\\(s\\) colour, size; valid options"):
        datasets.load_split("toy-airplane-u", seed=0, size=3, colour="red")
    # For ODDS the check runs before the file is looked for (no data needed here).
    with pytest.raises(TypeError, match="scalar.*valid options for odds datasets: drop_constant"):
        datasets.load_split("glass", seed=0, scalar="minmax")


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
