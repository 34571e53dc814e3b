"""The generic registry (rrnvp.registry): the one rule set every registry of the suite follows."""

from __future__ import annotations

import pytest

from rrnvp.registry import DuplicateNameError, Registry, RegistryError, UnknownNameError


@pytest.fixture
def fruit() -> Registry[int]:
    registry: Registry[int] = Registry("fruit")
    registry.register("pear", 1)
    registry.register("apple", 2, aliases=("pomme",))
    registry.register("fig", 3)
    return registry


def test_listing_is_in_registration_order(fruit: Registry[int]) -> None:
    assert fruit.names() == ["pear", "apple", "fig"]
    assert list(fruit) == fruit.names()
    assert fruit.values() == [1, 2, 3]
    assert fruit.items() == [("pear", 1), ("apple", 2), ("fig", 3)]
    assert len(fruit) == 3


def test_aliases_resolve_but_are_not_listed(fruit: Registry[int]) -> None:
    assert fruit.get("pomme") == 2 and fruit.canonical("pomme") == "apple"
    assert "pomme" in fruit and "pomme" not in fruit.names()
    assert fruit.aliases("apple") == ("pomme",)


def test_duplicate_names_are_an_error_naming_them(fruit: Registry[int]) -> None:
    with pytest.raises(DuplicateNameError, match="fruit 'pear' is already registered.*replace"):
        fruit.register("pear", 9)
    with pytest.raises(DuplicateNameError, match="'pomme' is already registered.*'apple'"):
        fruit.register("pomme", 9)
    with pytest.raises(DuplicateNameError, match="'fig' is already registered"):
        fruit.register("kiwi", 9, aliases=("fig",))
    assert fruit.names() == ["pear", "apple", "fig"], "a refused registration changes nothing"
    assert "kiwi" not in fruit


def test_replace_must_be_explicit_and_keeps_the_place(fruit: Registry[int]) -> None:
    fruit.register("apple", 20, aliases=("malus",), replace=True)
    assert fruit.names() == ["pear", "apple", "fig"]
    assert fruit.get("malus") == 20
    assert "pomme" not in fruit, "the replaced entry's aliases go with it"
    with pytest.raises(DuplicateNameError, match="'fig'"):  # never another entry's name
        fruit.register("apple", 21, aliases=("fig",), replace=True)
    fruit.register("plum", 4, replace=True)  # replace=True for a new name simply registers it
    assert fruit.names()[-1] == "plum"


def test_unknown_names_list_the_known_ones(fruit: Registry[int]) -> None:
    with pytest.raises(UnknownNameError, match="unknown fruit .banana.; known fruits: pear, apple"):
        fruit.get("banana")
    with pytest.raises(UnknownNameError, match="did you mean 'pear'"):
        fruit.get("peer")
    with pytest.raises(UnknownNameError, match="unknown fruit None"):
        fruit.get(None)  # type: ignore[arg-type]
    assert issubclass(UnknownNameError, ValueError) and issubclass(DuplicateNameError, ValueError)


def test_unregister(fruit: Registry[int]) -> None:
    assert fruit.unregister("apple") == 2
    assert "pomme" not in fruit and fruit.names() == ["pear", "fig"]
    with pytest.raises(UnknownNameError, match="known fruits: pear, fig"):
        fruit.unregister("apple")
    assert fruit.unregister("apple", missing_ok=True) is None


@pytest.mark.parametrize("name", ["", 3, None])
def test_names_must_be_non_empty_strings(name: object) -> None:
    with pytest.raises(RegistryError, match="non-empty strings"):
        Registry("fruit").register(name, 1)  # type: ignore[arg-type]


def test_every_registry_of_the_suite_follows_the_rules() -> None:
    """Methods and baselines (datasets: tests/test_datasets_registry.py): duplicates are errors,
    unknown names list the known ones."""
    import baselines
    from reproduce.registry import get_method, register_method

    with pytest.raises(DuplicateNameError, match="method 'IF' is already registered"):
        register_method("IF", get_method("IF").factory)
    with pytest.raises(UnknownNameError, match="known methods: RobustRealNVP, RealNVP"):
        get_method("Magic")
    with pytest.raises(DuplicateNameError, match="baseline 'lof' is already registered"):
        baselines.register_baseline(baselines.BASELINES["lof"])
    with pytest.raises(UnknownNameError, match="known baselines: ae, vae"):
        baselines.make_baseline("svdd")
